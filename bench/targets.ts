/**
 * The benchmark targets (station ÷ bare ws, median of the per-round ratios) and how a result is
 * judged against one: met or missed, beyond the rounds' spread or within it.
 */
import type { ScenarioRequest } from './load-generator';
import type { TlsKind } from './server-process';
import type { ScriptedKind } from './servers/scripted-endpoints';
import type { Spread } from './statistics';

export interface RatioTarget {
  name: string;
  scenario: ScenarioRequest['scenario'];
  figure: string;
  /** Higher is better (≥ bound) or lower is better (≤ bound). */
  better: 'higher' | 'lower';
  bound: number;
}

/** Fan-out targets are judged at the largest peer count the run has. */
export const RATIO_TARGETS: readonly RatioTarget[] = [
  { name: 'echo throughput', scenario: 'throughput', figure: 'messagesPerSecond', better: 'higher', bound: 0.95 },
  { name: '1 MiB echo', scenario: 'large', figure: 'megabytesPerSecond', better: 'higher', bound: 0.95 },
  { name: 'handshakes', scenario: 'handshakes', figure: 'handshakesPerSecond', better: 'higher', bound: 0.9 },
  { name: 'echo latency p99', scenario: 'latency', figure: 'p99', better: 'lower', bound: 1.1 },
  { name: 'fan-out server CPU', scenario: 'fanout', figure: 'serverCpuShare', better: 'lower', bound: 1.1 },
  { name: 'RSS per peer', scenario: 'fanout', figure: 'rssPerPeerKB', better: 'lower', bound: 1.2 },
  { name: 'server-side fan-out p99', scenario: 'fanout', figure: 'serverFanOutP99', better: 'lower', bound: 1.1 },
];

export type Verdict =
  'met beyond the spread' | 'met within the spread' | 'missed within the spread' | 'missed beyond the spread';

/**
 * Met beyond the spread: every round met it. Within the spread: the median meets it (or misses it)
 * but some rounds fell on the other side, so another run may well say otherwise.
 */
export function judge(ratio: Spread, target: Pick<RatioTarget, 'better' | 'bound'>): Verdict | 'no figure' {
  if (!Number.isFinite(ratio.median)) return 'no figure';
  const meets = (value: number) => (target.better === 'higher' ? value >= target.bound : value <= target.bound);
  const worst = target.better === 'higher' ? ratio.min : ratio.max;
  const best = target.better === 'higher' ? ratio.max : ratio.min;
  if (meets(ratio.median)) return meets(worst) ? 'met beyond the spread' : 'met within the spread';
  return meets(best) ? 'missed within the spread' : 'missed beyond the spread';
}

/** One server ÷ a baseline measured in the same rounds: a scripted endpoint ÷ the seed endpoint, wss ÷ bare wss. */
export interface ComparedTarget {
  name: string;
  kind: ScriptedKind | TlsKind;
  scenario: ScenarioRequest['scenario'];
  figure: string;
  better: 'higher' | 'lower';
  bound: number;
}

export const SCRIPTED_TARGETS: readonly (ComparedTarget & { kind: ScriptedKind })[] = [
  {
    name: 'reply rule, echo rate',
    kind: 'reply-rule',
    scenario: 'throughput',
    figure: 'messagesPerSecond',
    better: 'higher',
    bound: 0.8,
  },
  {
    name: 'after 100 rules, echo rate',
    kind: 'after-100-rules',
    scenario: 'throughput',
    figure: 'messagesPerSecond',
    better: 'higher',
    bound: 0.5,
  },
  {
    name: 'per-peer stream, fan-out CPU',
    kind: 'per-peer-stream',
    scenario: 'fanout',
    figure: 'serverCpuShare',
    better: 'lower',
    bound: 1.2,
  },
];

/** The station's TLS port ÷ bare ws on node:https. */
export const TLS_TARGETS: readonly ComparedTarget[] = [
  {
    name: 'wss echo throughput',
    kind: 'station-tls',
    scenario: 'throughput',
    figure: 'messagesPerSecond',
    better: 'higher',
    bound: 0.95,
  },
  {
    name: 'wss handshakes',
    kind: 'station-tls',
    scenario: 'handshakes',
    figure: 'handshakesPerSecond',
    better: 'higher',
    bound: 0.9,
  },
];
