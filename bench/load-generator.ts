/**
 * The load generator: one scenario against one port and path, in a process of its own, pinned away from
 * the server. Prints one JSON line: the scenario's numbers and the generator's own CPU share,
 * which shows whether the generator (not the server) was the limit.
 */
import * as scenarios from './scenarios';
import type { Target } from './scenarios';

export type ScenarioRequest =
  | { scenario: 'throughput'; connections: number; window: number; durationMs: number }
  | { scenario: 'latency'; ratePerSecond: number; durationMs: number }
  | { scenario: 'fanout'; peers: number; durationMs: number; tickMs: number }
  | { scenario: 'handshakes'; total: number; batch: number }
  | { scenario: 'large'; bytes: number; durationMs: number };

async function run(target: Target, request: ScenarioRequest): Promise<object> {
  switch (request.scenario) {
    case 'throughput':
      return scenarios.echoThroughput(target, request.connections, request.window, request.durationMs);
    case 'latency':
      return scenarios.echoLatency(target, request.ratePerSecond, request.durationMs);
    case 'fanout':
      return scenarios.tickFanOut(target, request.peers, request.durationMs, request.tickMs, (phase) =>
        process.stdout.write(`${JSON.stringify({ phase })}\n`),
      );
    case 'handshakes':
      return scenarios.handshakeRate(target, request.total, request.batch);
    case 'large':
      return scenarios.largeEcho(target, request.bytes, request.durationMs);
  }
}

async function main(): Promise<void> {
  // A fourth argument, the CA's PEM, makes it wss:// trusting only that CA.
  const [port = '', json = '{}', path = '', ca] = process.argv.slice(2);
  const request = JSON.parse(json) as ScenarioRequest;
  const startedCpu = process.cpuUsage();
  const startedAt = performance.now();
  const scheme = ca === undefined ? 'ws' : 'wss';
  const result = await run({ url: `${scheme}://127.0.0.1:${port}${path}`, ca }, request);
  const cpu = process.cpuUsage(startedCpu);
  const generatorCpuShare = (cpu.user + cpu.system) / 1000 / (performance.now() - startedAt);
  process.stdout.write(`${JSON.stringify({ ...result, generatorCpuShare })}\n`);
  process.exit(0);
}

if (require.main === module) void main();
