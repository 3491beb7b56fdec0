/**
 * A second machine on a private link: a network namespace joined to this one by a veth pair,
 * with addresses from 198.18.0.0/15 (reserved for benchmarking, RFC 2544), so traffic stays
 * between this test's own two ends. Needs root and iproute2.
 */
import { execFile, execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LanPeerRequest } from './lan-peer';

const run = promisify(execFile);
const PEER_SCRIPT = join(__dirname, 'lan-peer.js');

/** Runs test/helpers/lan-peer on this host, in a process of its own (its loop is not the station's). */
export async function runLocalPeer(request: LanPeerRequest): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, [PEER_SCRIPT, JSON.stringify(request)]);
  return JSON.parse(stdout) as Record<string, unknown>;
}

export interface LanHost {
  /** This machine's end of the link. */
  stationAddress: string;
  /** The namespace's end: what the station sees as the peer's address. */
  peerAddress: string;
  /** Runs test/helpers/lan-peer inside the namespace and returns what it printed. */
  peer(request: LanPeerRequest): Promise<Record<string, unknown>>;
  /** A launcher that starts `browser` inside the namespace: a browser on the LAN host. */
  browserLauncher(browser: string): string;
  remove(): void;
}

/** Why namespaces cannot be made here, or null when they can. */
export function lanUnavailableReason(): string | null {
  if (process.getuid?.() !== 0) return 'LAN peer tests need root to create network namespaces';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'LAN peer tests need the ip command (Debian package iproute2)';
  }
  return null;
}

/** `index` makes a second host (1) on a link of its own, so two LAN hosts can meet one station. */
export function createLanHost(index: 0 | 1 = 0): LanHost {
  const id = process.pid;
  const suffix = index === 0 ? '' : 'b';
  const namespace = `wsst${id}${suffix}`;
  const hostSide = `wsh${id}${suffix}`;
  const peerSide = `wsp${id}${suffix}`;
  const subnet = `198.${18 + index}.${id % 256}`;
  const stationAddress = `${subnet}.1`;
  const peerAddress = `${subnet}.2`;
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
  const launcher = join(tmpdir(), `${namespace}-browser.sh`);
  const remove = () => {
    rmSync(launcher, { force: true });
    for (const args of [
      ['link', 'del', hostSide],
      ['netns', 'del', namespace],
    ]) {
      try {
        ip(...args);
      } catch {
        // Already gone.
      }
    }
  };
  remove();
  ip('netns', 'add', namespace);
  ip('link', 'add', hostSide, 'type', 'veth', 'peer', 'name', peerSide);
  ip('link', 'set', peerSide, 'netns', namespace);
  ip('addr', 'add', `${stationAddress}/30`, 'dev', hostSide);
  ip('link', 'set', hostSide, 'up');
  ip('-n', namespace, 'addr', 'add', `${peerAddress}/30`, 'dev', peerSide);
  ip('-n', namespace, 'link', 'set', peerSide, 'up');
  ip('-n', namespace, 'link', 'set', 'lo', 'up');
  return {
    stationAddress,
    peerAddress,
    peer: async (request) => {
      const { stdout } = await run('ip', [
        'netns',
        'exec',
        namespace,
        process.execPath,
        PEER_SCRIPT,
        JSON.stringify(request),
      ]);
      return JSON.parse(stdout) as Record<string, unknown>;
    },
    browserLauncher: (browser) => {
      writeFileSync(launcher, `#!/bin/sh\nexec ip netns exec ${namespace} ${browser} "$@"\n`, { mode: 0o755 });
      return launcher;
    },
    remove,
  };
}
