/**
 * `npm run bench` (quick pass), `npm run bench -- --full` (the sizes BENCHMARKS.md reports),
 * `--smoke` (tiny, for the test suite). Each scenario runs against three servers started in the
 * same run, each in its own process pinned to CPU 0, with the load generator pinned to CPU 1:
 * bare ws (the stack's limit), the seed's server, and the station. Every figure is printed with
 * its ratio to bare ws and to seed; nothing is asserted.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ScenarioRequest } from './load-generator';
import { pageUnderLoad, type PageMetrics } from './page-under-load';
import { SERVER_KINDS, type ServerKind, type ServerStats } from './server-process';

type Mode = 'smoke' | 'quick' | 'full';
const MiB = 1024 * 1024;

const PLANS: Record<Mode, { requests: ScenarioRequest[]; page: { ratePerSecond: number; durationMs: number } }> = {
  smoke: {
    requests: [
      { scenario: 'throughput', connections: 4, window: 4, durationMs: 300 },
      { scenario: 'latency', ratePerSecond: 200, durationMs: 300 },
      { scenario: 'fanout', peers: 20, durationMs: 1200, tickMs: 1000 },
      { scenario: 'handshakes', total: 40, batch: 10 },
      { scenario: 'large', bytes: MiB, durationMs: 300 },
    ],
    page: { ratePerSecond: 100, durationMs: 1000 },
  },
  quick: {
    requests: [
      { scenario: 'throughput', connections: 64, window: 32, durationMs: 3000 },
      { scenario: 'latency', ratePerSecond: 1000, durationMs: 3000 },
      { scenario: 'fanout', peers: 1000, durationMs: 5000, tickMs: 1000 },
      { scenario: 'handshakes', total: 1000, batch: 100 },
      { scenario: 'large', bytes: MiB, durationMs: 3000 },
    ],
    page: { ratePerSecond: 1000, durationMs: 5000 },
  },
  full: {
    requests: [
      { scenario: 'throughput', connections: 64, window: 32, durationMs: 10_000 },
      { scenario: 'latency', ratePerSecond: 1000, durationMs: 10_000 },
      { scenario: 'fanout', peers: 1000, durationMs: 30_000, tickMs: 1000 },
      { scenario: 'fanout', peers: 5000, durationMs: 30_000, tickMs: 1000 },
      { scenario: 'fanout', peers: 10_000, durationMs: 30_000, tickMs: 1000 },
      { scenario: 'handshakes', total: 5000, batch: 100 },
      { scenario: 'large', bytes: MiB, durationMs: 10_000 },
    ],
    page: { ratePerSecond: 1000, durationMs: 30_000 },
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
  readonly port: Promise<number>;

  constructor(kind: ServerKind) {
    this.#process = startPinned(0, ['--expose-gc', join(__dirname, 'server-process.js'), kind], true);
    this.port = new Promise((resolve) => {
      const onMessage = (message: { port?: number }) => {
        if (message.port === undefined) return;
        this.#process.off('message', onMessage);
        resolve(message.port);
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

/** Runs one scenario against one server; for fan-out, adds the server's CPU share and RSS per peer. */
async function runScenario(kind: ServerKind, request: ScenarioRequest): Promise<Figures> {
  const server = new ServerUnderTest(kind);
  const port = await server.port;
  const baseline = await server.stats();
  const generator = startPinned(
    1,
    [join(__dirname, 'load-generator.js'), String(port), JSON.stringify(request)],
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
  await server.stop();
  if (request.scenario === 'fanout' && measureStart && measureEnd) {
    const cpuMs = (measureEnd.stats.cpuMicros - measureStart.stats.cpuMicros) / 1000;
    result.serverCpuShare = cpuMs / (measureEnd.at - measureStart.at);
    result.serverRssMB = measureEnd.stats.rss / MiB;
    result.rssPerPeerKB = (measureEnd.stats.rss - baseline.rss) / 1024 / request.peers;
    result.heapPerPeerKB = (measureEnd.stats.heapUsed - baseline.heapUsed) / 1024 / request.peers;
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
  fanout: ['p50', 'p99', 'max', 'serverCpuShare', 'serverRssMB', 'rssPerPeerKB', 'heapPerPeerKB'],
  handshakes: ['handshakesPerSecond'],
  large: ['megabytesPerSecond'],
};

const format = (value: number | undefined) =>
  value === undefined || !Number.isFinite(value) ? 'n/a' : value >= 100 ? value.toFixed(0) : value.toFixed(2);
const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined || b === 0 || !Number.isFinite(a / b) ? 'n/a' : `${(a / b).toFixed(2)}×`;

export interface BenchReport {
  mode: Mode;
  date: string;
  machine: { cpus: string; cores: number; memoryGiB: number; node: string; pinning: string };
  scenarios: { label: string; request: ScenarioRequest; figures: Record<ServerKind, Figures> }[];
  pages: Record<'station-client' | 'seed-page', PageMetrics>;
  generatorMaxCpuShare: number;
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
    scenarios: [],
    pages: {} as BenchReport['pages'],
    generatorMaxCpuShare: 0,
  };
  log(
    `WS Station benchmarks (${mode}) on ${report.machine.cpus}, ${report.machine.cores} cores; ${report.machine.pinning}`,
  );
  for (const request of plan.requests) {
    const figures = {} as Record<ServerKind, Figures>;
    for (const kind of SERVER_KINDS) {
      figures[kind] = await runScenario(kind, request);
      report.generatorMaxCpuShare = Math.max(report.generatorMaxCpuShare, figures[kind].generatorCpuShare ?? 0);
    }
    report.scenarios.push({ label: label(request), request, figures });
    log(`\n${label(request)}`);
    log(
      `  ${'figure'.padEnd(22)}${'bare ws'.padStart(10)}${'seed'.padStart(10)}${'station'.padStart(10)}${'÷ bare'.padStart(9)}${'÷ seed'.padStart(9)}`,
    );
    for (const key of REPORTED[request.scenario]) {
      const [bare, seed, station] = SERVER_KINDS.map((kind) => figures[kind][key]);
      log(
        `  ${key.padEnd(22)}${format(bare).padStart(10)}${format(seed).padStart(10)}${format(station).padStart(10)}${ratio(station, bare).padStart(9)}${ratio(station, seed).padStart(9)}`,
      );
    }
  }
  log(`\n6. client page in Chromium, ${plan.page.ratePerSecond} msg/s for ${plan.page.durationMs / 1000} s`);
  for (const page of ['station-client', 'seed-page'] as const) {
    report.pages[page] = await pageUnderLoad(page, plan.page.ratePerSecond, plan.page.durationMs);
    const m = report.pages[page];
    log(
      `  ${page.padEnd(16)} long tasks >50 ms: ${format(m.longTasksOver50ms)}, worst ${format(m.worstLongTaskMs)} ms; worst frame gap ${format(m.worstFrameGapMs)} ms; DOM ${format(m.domNodes)} nodes; heap ${format(m.jsHeapMB)} MB${m.responsive ? '' : '; still busy 10 s after the load stopped'}`,
    );
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
