/**
 * `npm run bench` (quick pass), `npm run bench -- --full` (the sizes BENCHMARKS.md reports),
 * `--smoke` (tiny, for the test suite). Each scenario runs in interleaved rounds (bare ws, seed,
 * station; then again), and the scripted endpoints' scenarios against the station's seed endpoint
 * the same way, each server in its own process pinned to CPU 0 with the load generator
 * pinned to CPU 1, so drift on a noisy machine touches all three alike. Every figure is reported
 * as the median and range of its rounds, every comparison as the median and range of the
 * per-round ratios; the targets are judged against that spread. Nothing is asserted.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ScenarioRequest } from './load-generator';
import { pageUnderLoad, PAGES, type PageFigures, type PageKind } from './page-under-load';
import { SERVER_KINDS, type BenchKind, type ServerKind, type ServerStats } from './server-process';
import { spread, type Spread } from './statistics';
import {
  judge,
  RATIO_TARGETS,
  SCRIPTED_TARGETS,
  TLS_TARGETS,
  type ComparedTarget,
  type RatioTarget,
  type Verdict,
} from './targets';

type Mode = 'smoke' | 'quick' | 'full';
const MiB = 1024 * 1024;

interface Plan {
  rounds: number;
  requests: ScenarioRequest[];
  /** The scripted endpoints' scenarios: echo rate, and fan-out at the run's largest peer count. */
  scripted: ScenarioRequest[];
  /** wss:// against bare ws on node:https: echo rate and handshakes. */
  tls: ScenarioRequest[];
  page: { ratePerSecond: number; durationMs: number; waitMs: number };
}

const PLANS: Record<Mode, Plan> = {
  smoke: {
    rounds: 1,
    requests: [
      { scenario: 'throughput', connections: 4, window: 4, durationMs: 300 },
      { scenario: 'latency', ratePerSecond: 200, durationMs: 300 },
      { scenario: 'fanout', peers: 20, durationMs: 1200, tickMs: 1000 },
      { scenario: 'handshakes', total: 40, batch: 10 },
      { scenario: 'large', bytes: MiB, durationMs: 300 },
    ],
    scripted: [
      { scenario: 'throughput', connections: 4, window: 4, durationMs: 300 },
      { scenario: 'fanout', peers: 20, durationMs: 1200, tickMs: 1000 },
    ],
    tls: [
      { scenario: 'throughput', connections: 4, window: 4, durationMs: 300 },
      { scenario: 'handshakes', total: 40, batch: 10 },
    ],
    page: { ratePerSecond: 100, durationMs: 1000, waitMs: 5000 },
  },
  quick: {
    rounds: 3,
    requests: [
      { scenario: 'throughput', connections: 64, window: 32, durationMs: 2000 },
      { scenario: 'latency', ratePerSecond: 1000, durationMs: 2000 },
      { scenario: 'fanout', peers: 1000, durationMs: 3000, tickMs: 1000 },
      { scenario: 'handshakes', total: 1000, batch: 100 },
      { scenario: 'large', bytes: MiB, durationMs: 2000 },
    ],
    scripted: [
      { scenario: 'throughput', connections: 64, window: 32, durationMs: 2000 },
      { scenario: 'fanout', peers: 1000, durationMs: 3000, tickMs: 1000 },
    ],
    tls: [
      { scenario: 'throughput', connections: 64, window: 32, durationMs: 2000 },
      { scenario: 'handshakes', total: 1000, batch: 100 },
    ],
    page: { ratePerSecond: 1000, durationMs: 3000, waitMs: 5000 },
  },
  full: {
    rounds: 5,
    requests: [
      { scenario: 'throughput', connections: 64, window: 32, durationMs: 5000 },
      { scenario: 'latency', ratePerSecond: 1000, durationMs: 5000 },
      { scenario: 'fanout', peers: 1000, durationMs: 10_000, tickMs: 1000 },
      { scenario: 'fanout', peers: 5000, durationMs: 10_000, tickMs: 1000 },
      { scenario: 'fanout', peers: 10_000, durationMs: 10_000, tickMs: 1000 },
      { scenario: 'handshakes', total: 5000, batch: 100 },
      { scenario: 'large', bytes: MiB, durationMs: 5000 },
    ],
    scripted: [
      { scenario: 'throughput', connections: 64, window: 32, durationMs: 5000 },
      { scenario: 'fanout', peers: 10_000, durationMs: 10_000, tickMs: 1000 },
    ],
    tls: [
      { scenario: 'throughput', connections: 64, window: 32, durationMs: 5000 },
      { scenario: 'handshakes', total: 5000, batch: 100 },
    ],
    page: { ratePerSecond: 1000, durationMs: 10_000, waitMs: 30_000 },
  },
};

const HAS_TASKSET =
  process.platform === 'linux' && spawnSync('taskset', ['-c', '0', 'true']).status === 0 && cpus().length >= 2;

/** Starts `script` under node, pinned to `cpu` where taskset is available. */
function startPinned(cpu: number, args: string[], withIpc: boolean): ChildProcess {
  const command = HAS_TASKSET ? 'taskset' : process.execPath;
  const commandArgs = HAS_TASKSET ? ['-c', String(cpu), process.execPath, ...args] : args;
  return spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'inherit', ...(withIpc ? ['ipc' as const] : [])] });
}

class ServerUnderTest {
  readonly #process: ChildProcess;
  /** Where the load generator connects: the server's port and the endpoint's path, and for wss:// the CA to trust. */
  readonly address: Promise<{ port: number; path: string; ca?: string }>;

  constructor(kind: BenchKind) {
    this.#process = startPinned(0, ['--expose-gc', join(__dirname, 'server-process.js'), kind], true);
    this.address = new Promise((resolve) => {
      const onMessage = (message: { port?: number; path?: string; ca?: string }) => {
        if (message.port === undefined || message.path === undefined) return;
        this.#process.off('message', onMessage);
        resolve({ port: message.port, path: message.path, ca: message.ca });
      };
      this.#process.on('message', onMessage);
    });
  }

  stats(): Promise<ServerStats> {
    return new Promise((resolve) => {
      const onMessage = (message: { stats?: ServerStats }) => {
        if (!message.stats) return;
        this.#process.off('message', onMessage);
        resolve(message.stats);
      };
      this.#process.on('message', onMessage);
      this.#process.send('stats');
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.#process.once('exit', () => resolve());
      this.#process.send('stop');
    });
  }
}

type Figures = Record<string, number>;

/**
 * Runs one scenario against one server; for fan-out, adds the server's CPU share, memory per peer
 * and its own fan-out lateness, all over the measured window.
 */
async function runScenario(kind: BenchKind, request: ScenarioRequest): Promise<Figures> {
  const server = new ServerUnderTest(kind);
  const { port, path, ca } = await server.address;
  const baseline = await server.stats();
  const generator = startPinned(
    1,
    [join(__dirname, 'load-generator.js'), String(port), JSON.stringify(request), path, ...(ca ? [ca] : [])],
    false,
  );
  const lines = createInterface({ input: generator.stdout as NodeJS.ReadableStream });
  let measureStart: { stats: ServerStats; at: number } | undefined;
  let measureEnd: { stats: ServerStats; at: number } | undefined;
  let result: Figures = {};
  for await (const line of lines) {
    const message = JSON.parse(line) as Figures & { phase?: string };
    if (message.phase === 'measure-start') measureStart = { stats: await server.stats(), at: performance.now() };
    else if (message.phase === 'measure-end') measureEnd = { stats: await server.stats(), at: performance.now() };
    else result = message;
  }
  // What the server's CPU spent per handshake (and, for wss://, per TLS handshake): baseline to done.
  if (request.scenario === 'handshakes') {
    const done = await server.stats();
    result.serverCpuMsPerHandshake = (done.cpuMicros - baseline.cpuMicros) / 1000 / request.total;
  }
  await server.stop();
  if (request.scenario === 'fanout' && measureStart && measureEnd) {
    const cpuMs = (measureEnd.stats.cpuMicros - measureStart.stats.cpuMicros) / 1000;
    result.serverCpuShare = cpuMs / (measureEnd.at - measureStart.at);
    result.serverRssMB = measureEnd.stats.rss / MiB;
    result.rssPerPeerKB = (measureEnd.stats.rss - baseline.rss) / 1024 / request.peers;
    result.heapPerPeerKB = (measureEnd.stats.heapUsed - baseline.heapUsed) / 1024 / request.peers;
    result.serverFanOutP50 = measureEnd.stats.serverFanOutP50;
    result.serverFanOutP99 = measureEnd.stats.serverFanOutP99;
  }
  return result;
}

function label(request: ScenarioRequest): string {
  switch (request.scenario) {
    case 'throughput':
      return `1. echo throughput, ${request.connections} conns × ${request.window} in flight`;
    case 'latency':
      return `2. echo latency, ${request.ratePerSecond} msg/s`;
    case 'fanout':
      return `3. tick fan-out, ${request.peers} peers`;
    case 'handshakes':
      return `4. handshakes, ${request.total} by ${request.batch}`;
    case 'large':
      return `5. ${request.bytes / MiB} MiB binary echo`;
  }
}

const REPORTED: Record<ScenarioRequest['scenario'], string[]> = {
  throughput: ['messagesPerSecond'],
  latency: ['p50', 'p99', 'p999'],
  fanout: [
    'p50',
    'p99',
    'max',
    'serverFanOutP50',
    'serverFanOutP99',
    'serverCpuShare',
    'serverRssMB',
    'rssPerPeerKB',
    'heapPerPeerKB',
  ],
  handshakes: ['handshakesPerSecond', 'serverCpuMsPerHandshake'],
  large: ['megabytesPerSecond'],
};

const PAGE_REPORTED: (keyof PageFigures)[] = [
  'framesPerSecond',
  'longTasksOver50ms',
  'longestStallMs',
  'inputDelayMs',
  'catchUpMs',
  'messagesSent',
  'messagesReceived',
  'messagesListed',
  'domNodes',
  'jsHeapMB',
];

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  const magnitude = Math.abs(value);
  if (magnitude >= 10_000) return `${(value / 1000).toFixed(0)}k`;
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** "median [min–max]", or just the median when every round gave the same (or only one round ran). */
function formatSpread({ median, min, max }: Spread, suffix = ''): string {
  if (!Number.isFinite(median)) return 'n/a';
  const [low, middle, high] = [min, median, max].map(formatNumber);
  return low === high ? `${middle}${suffix}` : `${middle}${suffix} [${low}–${high}]`;
}

interface FigureSummary {
  servers: Record<ServerKind, Spread>;
  /** The station's figure ÷ the other server's, per round. */
  vsBare: Spread;
  vsSeed: Spread;
  /** Bare ws with ws's fair share ÷ bare ws, per round: what the fair share alone costs. */
  fairShareCost: Spread;
}

export interface ScenarioReport {
  label: string;
  request: ScenarioRequest;
  rounds: Record<ServerKind, Figures>[];
  summary: Record<string, FigureSummary>;
}

export interface TargetReport {
  name: string;
  at: string;
  bound: string;
  ratio: Spread;
  verdict: Verdict | 'no figure';
}

/**
 * One scenario against a baseline and other servers in the same rounds: the scripted endpoints
 * against the station's seed endpoint, the station's TLS port against bare ws on node:https.
 */
export interface ComparedReport {
  label: string;
  request: ScenarioRequest;
  rounds: Record<string, Figures>[];
  /** Each figure: every kind's spread, and each other kind ÷ the baseline, per round. */
  summary: Record<string, { servers: Record<string, Spread>; vsBaseline: Record<string, Spread> }>;
}

export interface BenchReport {
  mode: Mode;
  date: string;
  machine: { cpus: string; cores: number; memoryGiB: number; node: string; pinning: string };
  rounds: number;
  scenarios: ScenarioReport[];
  pages: { rounds: Record<PageKind, PageFigures>[]; summary: Record<string, Record<PageKind, Spread>> };
  targets: TargetReport[];
  scripted: ComparedReport[];
  scriptedTargets: TargetReport[];
  tls: ComparedReport[];
  tlsTargets: TargetReport[];
  generatorMaxCpuShare: number;
}

function summarize(request: ScenarioRequest, rounds: Record<ServerKind, Figures>[]): Record<string, FigureSummary> {
  const summary: Record<string, FigureSummary> = {};
  const ratios = (other: ServerKind, figure: string, of: ServerKind = 'station') =>
    spread(rounds.map((round) => (round[of][figure] ?? NaN) / (round[other][figure] ?? NaN)));
  for (const figure of REPORTED[request.scenario]) {
    summary[figure] = {
      servers: Object.fromEntries(
        SERVER_KINDS.map((kind) => [kind, spread(rounds.map((round) => round[kind][figure] ?? NaN))]),
      ) as Record<ServerKind, Spread>,
      vsBare: ratios('bare', figure),
      vsSeed: ratios('seed', figure),
      fairShareCost: ratios('bare', figure, 'bare-fair'),
    };
  }
  return summary;
}

function judgeTargets(scenarios: readonly ScenarioReport[]): TargetReport[] {
  return RATIO_TARGETS.map((target) => {
    // The last of a kind is the largest: fan-out is judged at the most peers the run has.
    const scenario = scenarios.filter((candidate) => candidate.request.scenario === target.scenario).at(-1);
    return targetReport(target, scenario?.label, scenario?.summary[target.figure]?.vsBare);
  });
}

/** A target's verdict on `ratio`, measured in the scenario labelled `at` (none: not run). */
function targetReport(
  target: Pick<RatioTarget, 'name' | 'better' | 'bound'>,
  at: string | undefined,
  ratio: Spread = spread([]),
): TargetReport {
  return {
    name: target.name,
    at: at ?? 'not run',
    bound: `${target.better === 'higher' ? '≥' : '≤'} ${target.bound}`,
    ratio,
    verdict: judge(ratio, target),
  };
}

const pad = (text: string, width: number) => text.padStart(width);

/**
 * One scenario against `baseline` and the `others`, interleaved round by round; each figure of the
 * others as the per-round ratio to the baseline's.
 */
async function runCompared(
  label: string,
  request: ScenarioRequest,
  baseline: BenchKind,
  others: readonly BenchKind[],
  rounds: number,
  report: BenchReport,
): Promise<ComparedReport> {
  const kinds = [baseline, ...others];
  const figures: Record<string, Figures>[] = [];
  for (let round = 0; round < rounds; round++) {
    const row: Record<string, Figures> = {};
    for (const kind of kinds) {
      const figures = await runScenario(kind, request);
      row[kind] = figures;
      report.generatorMaxCpuShare = Math.max(report.generatorMaxCpuShare, figures.generatorCpuShare ?? 0);
    }
    figures.push(row);
  }
  const summary: ComparedReport['summary'] = {};
  for (const figure of REPORTED[request.scenario]) {
    const of = (kind: BenchKind) => spread(figures.map((row) => row[kind]?.[figure] ?? NaN));
    const ratio = (kind: BenchKind) =>
      spread(figures.map((row) => (row[kind]?.[figure] ?? NaN) / (row[baseline]?.[figure] ?? NaN)));
    summary[figure] = {
      servers: Object.fromEntries(kinds.map((kind) => [kind, of(kind)])),
      vsBaseline: Object.fromEntries(others.map((kind) => [kind, ratio(kind)])),
    };
  }
  return { label, request, rounds: figures, summary };
}

/** Prints a compared scenario: each kind's figures, then each other kind ÷ the baseline. */
function logCompared(compared: ComparedReport, baselineName: string, log: (line: string) => void): void {
  const others = Object.keys(Object.values(compared.summary)[0]?.vsBaseline ?? {});
  const kinds = Object.keys(Object.values(compared.summary)[0]?.servers ?? {});
  log(`\n${compared.label}: ${others.join(', ')} ÷ ${baselineName}`);
  const headings = [baselineName, ...kinds.slice(1), ...others.map((kind) => `${kind} ÷`)];
  log(`  ${'figure'.padEnd(22)}${headings.map((heading) => pad(heading, 22)).join('')}`);
  for (const [figure, { servers, vsBaseline }] of Object.entries(compared.summary)) {
    const cells = [
      ...kinds.map((kind) => formatSpread(servers[kind] ?? spread([]))),
      ...others.map((kind) => formatSpread(vsBaseline[kind] ?? spread([]), '×')),
    ];
    log(`  ${figure.padEnd(22)}${cells.map((cell) => pad(cell, 22)).join('')}`);
  }
}

function judgeCompared(targets: readonly ComparedTarget[], compared: readonly ComparedReport[]): TargetReport[] {
  return targets.map((target) => {
    const scenario = compared.find((candidate) => candidate.request.scenario === target.scenario);
    return targetReport(target, scenario?.label, scenario?.summary[target.figure]?.vsBaseline[target.kind]);
  });
}

export async function runBenchmarks(mode: Mode, log: (line: string) => void = console.log): Promise<BenchReport> {
  const plan = PLANS[mode];
  const report: BenchReport = {
    mode,
    date: new Date().toISOString(),
    machine: {
      cpus: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 1024 ** 3),
      node: process.version,
      pinning: HAS_TASKSET ? 'servers on CPU 0, load generator on CPU 1 (taskset)' : 'none (taskset unavailable)',
    },
    rounds: plan.rounds,
    scenarios: [],
    pages: { rounds: [], summary: {} },
    targets: [],
    scripted: [],
    scriptedTargets: [],
    tls: [],
    tlsTargets: [],
    generatorMaxCpuShare: 0,
  };
  log(
    `WS Station benchmarks (${mode}, ${plan.rounds} interleaved rounds) on ${report.machine.cpus}, ${report.machine.cores} cores; ${report.machine.pinning}`,
  );
  log(
    "each cell: median [min–max] of the rounds; ÷ columns: the per-round ratios station ÷ other server, and bare ws fair ÷ bare ws (what ws's fair share alone costs)",
  );
  for (const request of plan.requests) {
    const rounds: Record<ServerKind, Figures>[] = [];
    for (let round = 0; round < plan.rounds; round++) {
      const figures = {} as Record<ServerKind, Figures>;
      for (const kind of SERVER_KINDS) {
        figures[kind] = await runScenario(kind, request);
        report.generatorMaxCpuShare = Math.max(report.generatorMaxCpuShare, figures[kind].generatorCpuShare ?? 0);
      }
      rounds.push(figures);
    }
    const scenario: ScenarioReport = { label: label(request), request, rounds, summary: summarize(request, rounds) };
    report.scenarios.push(scenario);
    log(`\n${scenario.label}`);
    const headings = ['bare ws', 'bare ws fair', 'seed', 'station', '÷ bare', '÷ seed', 'fair ÷ bare'];
    log(`  ${'figure'.padEnd(18)}${headings.map((heading) => pad(heading, 21)).join('')}`);
    for (const [figure, { servers, vsBare, vsSeed, fairShareCost }] of Object.entries(scenario.summary)) {
      const cells = [
        ...SERVER_KINDS.map((kind) => formatSpread(servers[kind])),
        ...[vsBare, vsSeed, fairShareCost].map((ratio) => formatSpread(ratio, '×')),
      ];
      log(`  ${figure.padEnd(18)}${cells.map((cell) => pad(cell, 21)).join('')}`);
    }
  }

  const { ratePerSecond, durationMs, waitMs } = plan.page;
  log(
    `\n6. client page in Chromium, ${ratePerSecond} msg/s for ${durationMs / 1000} s (n/a: not within ${waitMs / 1000} s)`,
  );
  for (let round = 0; round < plan.rounds; round++) {
    const figures = {} as Record<PageKind, PageFigures>;
    for (const page of PAGES) figures[page] = await pageUnderLoad(page, ratePerSecond, durationMs, waitMs);
    report.pages.rounds.push(figures);
  }
  log(`  ${'figure'.padEnd(18)}${PAGES.map((page) => pad(page, 26)).join('')}`);
  for (const figure of PAGE_REPORTED) {
    const byPage = Object.fromEntries(
      PAGES.map((page) => [page, spread(report.pages.rounds.map((round) => round[page][figure]))]),
    ) as Record<PageKind, Spread>;
    report.pages.summary[figure] = byPage;
    log(`  ${figure.padEnd(18)}${PAGES.map((page) => pad(formatSpread(byPage[page]), 26)).join('')}`);
  }

  log('\n7. scripted endpoints (docs/ENDPOINTS.md) on the station, interleaved with its seed endpoint');
  for (const request of plan.scripted) {
    const kinds = SCRIPTED_TARGETS.filter((target) => target.scenario === request.scenario).map(({ kind }) => kind);
    const scriptedLabel =
      request.scenario === 'fanout' ? `7b. stream fan-out, ${request.peers} peers` : `7a. ${label(request).slice(3)}`;
    const scripted = await runCompared(scriptedLabel, request, 'station', kinds, plan.rounds, report);
    report.scripted.push(scripted);
    logCompared(scripted, 'seed endpoint', log);
  }

  log("\n8. wss://: the station's TLS port and bare ws on node:https (with ws's fair share too), both ECDSA P-256");
  for (const request of plan.tls) {
    const tlsLabel = `8${request.scenario === 'throughput' ? 'a' : 'b'}. wss ${label(request).slice(3)}`;
    const compared = await runCompared(
      tlsLabel,
      request,
      'bare-wss',
      ['bare-wss-fair', 'station-tls'],
      plan.rounds,
      report,
    );
    report.tls.push(compared);
    logCompared(compared, 'bare-wss', log);
  }

  report.targets = judgeTargets(report.scenarios);
  const longTasks = report.pages.summary.longTasksOver50ms?.['station-client'] ?? spread([]);
  log('\ntargets: station ÷ bare ws, median [min–max] of the per-round ratios');
  for (const target of report.targets) {
    log(
      `  ${`${target.name} ${target.bound}`.padEnd(32)}${formatSpread(target.ratio, '×').padEnd(26)}${target.verdict}`,
    );
  }
  report.scriptedTargets = judgeCompared(SCRIPTED_TARGETS, report.scripted);
  log("\nscripted endpoints: ÷ the station's seed endpoint, median [min–max] of the per-round ratios");
  for (const target of report.scriptedTargets) {
    log(
      `  ${`${target.name} ${target.bound}`.padEnd(36)}${formatSpread(target.ratio, '×').padEnd(26)}${target.verdict}`,
    );
  }
  report.tlsTargets = judgeCompared(TLS_TARGETS, report.tls);
  log("\nwss://: the station's TLS port ÷ bare ws on node:https, median [min–max] of the per-round ratios");
  for (const target of report.tlsTargets) {
    log(
      `  ${`${target.name} ${target.bound}`.padEnd(36)}${formatSpread(target.ratio, '×').padEnd(26)}${target.verdict}`,
    );
  }
  log(
    `  ${'client page: no long task > 50 ms'.padEnd(36)}${`${formatNumber(longTasks.max)} in the worst round`.padEnd(26)}${longTasks.max === 0 ? 'met in every round' : 'missed'}`,
  );
  log("\nwhat ws's fair share alone costs: bare ws fair ÷ bare ws, median [min–max] of the per-round ratios");
  for (const target of RATIO_TARGETS) {
    const scenario = report.scenarios.filter((candidate) => candidate.request.scenario === target.scenario).at(-1);
    const cost = scenario?.summary[target.figure]?.fairShareCost ?? spread([]);
    log(`  ${target.name.padEnd(32)}${formatSpread(cost, '×')}`);
  }
  log(`\nload generator: at most ${(report.generatorMaxCpuShare * 100).toFixed(0)}% of its core in any scenario`);
  return report;
}
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const mode: Mode = args.includes('--full') ? 'full' : args.includes('--smoke') ? 'smoke' : 'quick';
  const report = await runBenchmarks(mode);
  if (args.includes('--no-write')) return;
  const folder = join(__dirname, '..', '..', 'bench', 'results');
  mkdirSync(folder, { recursive: true });
  const file = join(folder, `${report.date.replace(/[:.]/g, '-')}-${mode}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`results: ${file}`);
}

if (require.main === module) void main();
