/**
 * One server under test, in a process of its own: `node server-process.js <kind>`, a server of
 * SERVER_KINDS or the station serving one of the scripted endpoints of SCRIPTED_KINDS. Tells the
 * runner its port and path over the IPC channel, and answers `stats` with its CPU time, memory
 * and server-side fan-out lateness.
 */
import { subscribe } from 'node:diagnostics_channel';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_ENDPOINT_PATH } from '../common/protocol';
import { parseStationConfig } from '../main/station/config';
import { TICK_SENT_CHANNEL, type TickSent } from '../main/station/diagnostics';
import { startStation } from '../main/station/station';
import { CA_FILES } from '../main/station/tls/ca-folder';
import { localCaTls, type StationTls } from '../main/station/tls/station-tls';
import { startBareWs, type BenchServer } from './servers/bare-ws';
import { recordFanOut, takeFanOut } from './servers/fan-out-clock';
import { SCRIPTED_ENDPOINTS, type ScriptedKind } from './servers/scripted-endpoints';
import { startSeedServer } from './servers/seed-server';

export const SERVER_KINDS = ['bare', 'bare-fair', 'seed', 'station'] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];
/** wss://: bare ws on node:https, and the station's TLS port; both with a certificate from a fresh local CA. */
export const TLS_KINDS = ['bare-wss', 'bare-wss-fair', 'station-tls'] as const;
export type TlsKind = (typeof TLS_KINDS)[number];
export type BenchKind = ServerKind | TlsKind | ScriptedKind;

export interface ServerStats {
  cpuMicros: number;
  rss: number;
  heapUsed: number;
  /** Server-side fan-out lateness since the previous stats (see fan-out-clock.ts). */
  serverFanOutP50: number;
  serverFanOutP99: number;
}

/** The server's certificate and the root a client trusts, from a local CA made for this process. */
async function benchTls(): Promise<{ tls: StationTls; ca: string; remove: () => void }> {
  const folder = mkdtempSync(join(tmpdir(), 'ws-station-bench-ca-'));
  const tls = await localCaTls(join(folder, 'ca'), '127.0.0.1', 'WS Station bench');
  const ca = readFileSync(join(folder, 'ca', CA_FILES.root), 'utf8');
  return { tls, ca, remove: () => rmSync(folder, { recursive: true, force: true }) };
}

async function start(kind: BenchKind): Promise<BenchServer & { ca?: string }> {
  if (kind === 'bare' || kind === 'bare-fair') return startBareWs(kind === 'bare-fair');
  if (kind === 'bare-wss' || kind === 'bare-wss-fair') {
    const { tls, ca, remove } = await benchTls();
    remove();
    return {
      ...(await startBareWs(kind === 'bare-wss-fair', 1000, { cert: tls.certificatePem, key: tls.keyPem })),
      ca,
    };
  }
  if (kind === 'seed') return startSeedServer();
  // The real endpoint core with its defaults: limits, heartbeat, Origin rules, peers view.
  subscribe(TICK_SENT_CHANNEL, (message) => {
    const { slotAt, sentAt } = message as TickSent;
    recordFanOut(slotAt, sentAt);
  });
  if (kind === 'station-tls') {
    const { tls, ca, remove } = await benchTls();
    remove();
    const station = await startStation(parseStationConfig({ host: '127.0.0.1', port: 0, tlsPort: 0, plain: false }), {
      tls,
    });
    return { port: station.tlsPort ?? 0, ca, close: () => station.close() };
  }
  const station = await startStation(parseStationConfig({ host: '127.0.0.1', port: 0 }));
  if (kind !== 'station')
    station.endpoints.applyText(JSON.stringify({ endpoints: [SCRIPTED_ENDPOINTS[kind].definition] }));
  if (station.port === null) throw new Error('the station serves plain ws:// by default');
  return { port: station.port, close: () => station.close() };
}

async function main(): Promise<void> {
  const kind = process.argv[2] as BenchKind;
  const path = kind in SCRIPTED_ENDPOINTS ? SCRIPTED_ENDPOINTS[kind as ScriptedKind].path : TEST_ENDPOINT_PATH;
  const server = await start(kind);
  process.on('message', (message) => {
    if (message === 'stats') {
      // Collect first when allowed (the runner starts servers with --expose-gc), so RSS counts
      // what the server keeps, not the garbage of the handshakes it just did.
      (globalThis as { gc?: () => void }).gc?.();
      const cpu = process.cpuUsage();
      const memory = process.memoryUsage();
      const stats: ServerStats = {
        cpuMicros: cpu.user + cpu.system,
        rss: memory.rss,
        heapUsed: memory.heapUsed,
        ...takeFanOut(),
      };
      process.send?.({ stats });
    } else if (message === 'stop') {
      void server.close().finally(() => process.exit(0));
    }
  });
  process.send?.({ port: server.port, path, ca: server.ca });
}

if (require.main === module) void main();
