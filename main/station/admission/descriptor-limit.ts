/**
 * How many files (sockets included) this process may open. Node has no setrlimit, so on Linux
 * the limit is read from /proc and the soft limit raised to the hard one with util-linux's
 * prlimit, once per process; elsewhere the limit is not known here and nothing changes.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface DescriptorLimit {
  soft: number;
  hard: number;
}

let raised: DescriptorLimit | null | undefined;

export function readDescriptorLimit(): DescriptorLimit | null {
  if (process.platform !== 'linux') return null;
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('Max open files'));
    const [soft, hard] = (line ?? '').split(/\s{2,}/).slice(1, 3);
    const parse = (value: string | undefined) => (value === 'unlimited' ? Infinity : Number(value));
    const limit = { soft: parse(soft), hard: parse(hard) };
    return Number.isNaN(limit.soft) || Number.isNaN(limit.hard) ? null : limit;
  } catch {
    return null;
  }
}

/** The limit after raising the soft limit toward the hard one where the platform allows. */
export function raiseDescriptorLimit(): DescriptorLimit | null {
  if (raised !== undefined) return raised;
  const before = readDescriptorLimit();
  if (before !== null && before.soft < before.hard) {
    const hard = before.hard === Infinity ? 'unlimited' : String(before.hard);
    try {
      execFileSync('prlimit', [`--pid=${process.pid}`, `--nofile=${hard}:${hard}`], { stdio: 'ignore' });
    } catch {
      // No prlimit, or not allowed: the soft limit stays, and is reported as it is.
    }
  }
  raised = readDescriptorLimit();
  return raised;
}

/** Descriptors kept for what is not a peer: the listener, page loads, handshakes, files. */
export const DESCRIPTOR_RESERVE = 64;

/** maxPeers as far as the descriptor limit lets the station keep it. */
export function peersWithin(limit: DescriptorLimit | null, maxPeers: number): number {
  if (limit === null) return maxPeers;
  return Math.max(1, Math.min(maxPeers, limit.soft - DESCRIPTOR_RESERVE));
}
