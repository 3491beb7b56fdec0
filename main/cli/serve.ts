#!/usr/bin/env node
/**
 * `ws-station` (and `npm run serve`): the station core under plain Node, without the window.
 */
import { Command, CommanderError } from 'commander';
import { createInterface } from 'node:readline';
import { CA_CERTIFICATE_PATH, TEST_ENDPOINT_PATH, JSON_SUBPROTOCOL, STATUS_API_PATH } from '../../common/protocol';
import { headerLine, requestLine } from '../../common/head-text';
import type { RefusalEntry, StationTlsInfo, TlsFailure } from '../../common/station-status';
import type { ConnectionRefusal } from '../station/admission/address-limits';
import { defaultCaFolder } from '../station/tls/ca-folder';
import { givenTls, localCaTls, TlsSetupError, type StationTls } from '../station/tls/station-tls';
import { APP_NAME, APP_VERSION } from '../app-info';
import { isLoopbackAddress, stationUrl, urlHost } from '../station/addresses';
import {
  ConfigError,
  DEFAULT_CONFIG,
  generateToken,
  LIMITS,
  parseStationConfig,
  type SettingName,
  type StationConfigInput,
} from '../station/config';
import { DefinitionsError, type LoadedDefinitions } from '../station/endpoints/definitions';
import { hostMessage, HostActionError, sendToPeers } from '../station/peers/host-actions';
import { readDefinitionsFile, watchDefinitionsFile } from './endpoints-file';
import { ListenError, startStation, type Station } from '../station/station';

/** The time of day a log line starts with. */
const clock = () => new Date().toISOString().slice(11, 19);

/** Exit status for a command line that cannot run: an unknown flag or a refused value. */
const EXIT_USAGE = 2;

/** The flag that sets each setting, so a refused value is named as the person typed it. */
const FLAG_OF: Partial<Record<string, string>> = {
  port: '--port',
  tlsPort: '--tls-port',
  plain: '--no-plain',
  host: '--host',
  tickMs: '--tick-ms',
  maxPayload: '--max-payload',
  heartbeatMs: '--heartbeat-ms',
  maxPeers: '--max-peers',
  maxConnectionsPerAddress: '--max-connections-per-address',
  maxPendingPerAddress: '--max-pending-per-address',
  maxMessagesPerSecond: '--max-messages-per-second',
  tokenLockoutMs: '--token-lockout-ms',
  memoryBudget: '--memory-budget',
  messageDeadlineMs: '--message-deadline-ms',
  deflate: '--deflate',
  allowedOrigins: '--allow-origin',
  token: '--token',
} satisfies Record<SettingName, string>;

interface ServeOptions {
  port?: string;
  tls?: boolean;
  tlsPort?: string;
  plain: boolean;
  tlsDir?: string;
  tlsCert?: string;
  tlsKey?: string;
  host?: string;
  tickMs?: string;
  maxPayload?: string;
  heartbeatMs?: string;
  maxPeers?: string;
  maxConnectionsPerAddress?: string;
  maxPendingPerAddress?: string;
  maxMessagesPerSecond?: string;
  tokenLockoutMs?: string;
  memoryBudget?: string;
  messageDeadlineMs?: string;
  deflate?: boolean;
  allowOrigin?: string[];
  token?: string | true;
  quiet?: boolean;
  logHandshakes?: boolean;
  endpoints?: string;
  broadcastStdin?: boolean;
}

function buildProgram(): Command {
  const d = DEFAULT_CONFIG;
  return new Command('ws-station')
    .description(
      `${APP_NAME} without its window: serves ${TEST_ENDPOINT_PATH} (greeting, ticks, echo) to this computer and the LAN.`,
    )
    .version(APP_VERSION)
    .option('-p, --port <port>', `port to listen on; 0 picks any free port (default ${d.port})`)
    .option('--tls', `also serve wss:// and https:// (on --tls-port), with a certificate from the local CA`)
    .option('--tls-port <port>', `port for wss:// and https:// (default ${d.tlsPort})`)
    .option('--no-plain', 'serve only wss:// and https://, not ws:// and http:// (needs --tls or --tls-cert)')
    .option(
      '--tls-dir <folder>',
      `where the local CA is made once and kept (default: the desktop app's, ${defaultCaFolder(APP_NAME)})`,
    )
    .option('--tls-cert <file>', 'serve this certificate (PEM, chain allowed) instead of one from the local CA')
    .option('--tls-key <file>', "the --tls-cert certificate's private key (PEM)")
    .option(
      '-H, --host <address>',
      `address to listen on: 0.0.0.0 for the LAN, 127.0.0.1 for this computer only (default ${d.host})`,
    )
    .option('--tick-ms <ms>', `milliseconds between ticks (default ${d.tickMs})`)
    .option(
      '--max-payload <bytes>',
      `largest message accepted; bigger ones close the peer with 1009 (default ${d.maxPayload})`,
    )
    .option('--heartbeat-ms <ms>', `ping interval; a peer that misses its pong is dropped (default ${d.heartbeatMs})`)
    .option('--max-peers <count>', `peers at once; the next handshake gets 503 (default ${d.maxPeers})`)
    .option(
      '--max-connections-per-address <count>',
      `connections one other computer may have open; more are dropped on arrival (default ${d.maxConnectionsPerAddress})`,
    )
    .option(
      '--max-pending-per-address <count>',
      `connections one other computer may have that are not yet WebSockets (default ${d.maxPendingPerAddress})`,
    )
    .option(
      '--max-messages-per-second <count>',
      `messages per second one peer may send; a faster peer is slowed (not read from until it is within the rate), never closed (default ${d.maxMessagesPerSecond}: no limit)`,
    )
    .option(
      '--token-lockout-ms <ms>',
      `after ${LIMITS.tokenFailuresBeforeLockout} wrong tokens, how long that address gets 429 (default ${d.tokenLockoutMs})`,
    )
    .option(
      '--memory-budget <bytes>',
      `memory for output queued to peers and messages being received, all peers together; over it the largest holders are closed with 1008 (default ${d.memoryBudget}: an eighth of this computer's memory, at most 1 GiB)`,
    )
    .option(
      '--message-deadline-ms <ms>',
      `time a peer has to finish a message it started; then it is closed with 1008 (default ${d.messageDeadlineMs})`,
    )
    .option('--deflate', 'negotiate permessage-deflate (off by default: it costs memory for every peer)')
    .option(
      '--allow-origin <origin>',
      'also accept browser pages from this origin, e.g. http://192.168.1.20:8080 (repeatable)',
      (origin: string, origins: string[] | undefined) => [...(origins ?? []), origin],
    )
    .option('--token [token]', 'require an access token from peers not on loopback; generated when no value is given')
    .option(
      '--endpoints <file>',
      'serve the scripted endpoints defined in this JSON file (docs/ENDPOINTS.md); edits are applied as they are saved',
    )
    .option('-q, --quiet', 'do not log each connect and disconnect')
    .option('--log-handshakes', "print each refused handshake's request headers under its line (secrets masked)")
    .option(
      '--broadcast-stdin',
      'send each line typed on standard input to every peer, as text (end of input stops reading, not the station)',
    )
    .showHelpAfterError('(run ws-station --help to see every flag)')
    .exitOverride();
}

function toConfigInput(options: ServeOptions): StationConfigInput {
  const input: StationConfigInput = {
    port: options.port,
    tlsPort: options.tlsPort,
    plain: options.plain,
    host: options.host,
    tickMs: options.tickMs,
    maxPayload: options.maxPayload,
    heartbeatMs: options.heartbeatMs,
    maxPeers: options.maxPeers,
    maxConnectionsPerAddress: options.maxConnectionsPerAddress,
    maxPendingPerAddress: options.maxPendingPerAddress,
    maxMessagesPerSecond: options.maxMessagesPerSecond,
    tokenLockoutMs: options.tokenLockoutMs,
    memoryBudget: options.memoryBudget,
    messageDeadlineMs: options.messageDeadlineMs,
    deflate: options.deflate,
    allowedOrigins: options.allowOrigin,
    token: options.token === true ? generateToken() : options.token,
  };
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
}

function printReady(station: Station): void {
  const { token } = station.config;
  const lines = [`${APP_NAME} ${APP_VERSION} is serving ${TEST_ENDPOINT_PATH} on:`];
  const served = [
    { scheme: 'ws', port: station.port },
    { scheme: 'wss', port: station.tlsPort },
  ] as const;
  for (const { scheme, port } of served) {
    if (port === null) continue;
    for (const address of station.addresses()) {
      const needsToken = token !== null && !isLoopbackAddress(address);
      lines.push(`  ${stationUrl(scheme, address, port, TEST_ENDPOINT_PATH, needsToken ? token : null)}`);
    }
  }
  const { tls } = station.status().station;
  if (tls !== null) lines.push(...describeTls(station, tls));
  lines.push(`Plain text as in the seed; offer the subprotocol ${JSON_SUBPROTOCOL} for JSON messages.`);
  const scripted = station.endpoints.status().paths;
  if (scripted.length > 0) lines.push(`Scripted endpoints: ${scripted.join(', ')}`);
  if (token !== null) lines.push(`Access token (required from other machines): ${token}`);
  const { maxPeers, openFilesLimit } = station.status().station;
  if (maxPeers < station.config.maxPeers) {
    lines.push(
      `At most ${maxPeers} peers: this process may open ${openFilesLimit ?? '?'} files (raise it with ulimit -n to allow --max-peers ${station.config.maxPeers}).`,
    );
  }
  const loopback = station.addresses().find(isLoopbackAddress);
  if (loopback !== undefined) {
    const status =
      station.port === null
        ? stationUrl('https', loopback, station.tlsPort ?? 0, STATUS_API_PATH)
        : stationUrl('http', loopback, station.port, STATUS_API_PATH);
    lines.push(`Status: ${status} (this computer only)`);
  }
  lines.push('Press Ctrl+C to stop.');
  console.log(lines.join('\n'));
}

/** What a person needs to make a device trust the station: which certificate, for what, and where its CA is. */
function describeTls(station: Station, tls: StationTlsInfo): string[] {
  const until = tls.notAfter.slice(0, 10);
  if (tls.source === 'given') {
    return [`TLS: the given certificate, for ${tls.names.join(', ')}, valid until ${until}.`];
  }
  const lan = station.addresses().find((address) => !isLoopbackAddress(address)) ?? station.addresses()[0] ?? '';
  const caUrl =
    station.port === null
      ? stationUrl('https', lan, tls.port, CA_CERTIFICATE_PATH)
      : stationUrl('http', lan, station.port, CA_CERTIFICATE_PATH);
  return [
    `TLS: a certificate from this station's local CA, for ${tls.names.join(', ')}, valid until ${until}.`,
    `Local CA (install it once on each device: ${caUrl}): SHA-256 ${tls.caFingerprint256 ?? ''}`,
  ];
}

function logPeers(station: Station): void {
  const online = () => `${station.peers.size} online`;
  station.peers.on('connect', (peer) => {
    const origin = peer.origin === null ? '' : ` origin ${peer.origin}`;
    const protocol = peer.usesJson ? ` ${JSON_SUBPROTOCOL}` : '';
    console.log(
      `${clock()} + peer ${peer.id} ${urlHost(peer.remoteAddress)}:${peer.remotePort}${origin}${protocol} (${online()})`,
    );
  });
  station.peers.on('disconnect', (peer, code, reason) => {
    const seconds = ((Date.now() - peer.connectedAt) / 1000).toFixed(1);
    const why = reason === '' ? `${code}` : `${code} ${JSON.stringify(reason)}`;
    console.log(
      `${clock()} - peer ${peer.id} ${urlHost(peer.remoteAddress)} closed ${why} after ${seconds} s (${online()})`,
    );
  });
  station.peers.on('peer-error', (peer, error) => {
    console.log(`${clock()} ! peer ${peer.id} ${urlHost(peer.remoteAddress)}: ${error.message}`);
  });
}

/** What each refusal means, in the words of the log. */
const REFUSAL_WORDS: Record<string, string> = {
  '400': 'malformed handshake',
  '401': 'no or wrong token',
  '403': 'origin not allowed',
  '404': 'no such endpoint',
  '405': 'not GET',
  '426': 'unsupported version',
  '429': 'locked out after wrong tokens',
  '503': 'station full',
  'open-per-address': 'too many connections from one address',
  'pending-per-address': 'too many connections from one address not yet WebSockets',
  'tls-timeout': `TLS handshake not finished within ${LIMITS.tlsHandshakeTimeoutMs / 1000} s`,
  'tls-plain-http': 'plain HTTP sent to the TLS port',
  'tls-certificate-refused': 'peer refused the certificate (does it trust the local CA?)',
  'tls-failed': 'TLS handshake failed',
} satisfies Record<TlsFailure | ConnectionRefusal, string> & Record<string, string>;

/** Refused handshakes shown one by one in each second; the rest of that second are counted. */
const REFUSALS_SHOWN_PER_SECOND = 5;

/**
 * Refusals, once a second at most and only when there were some: the first few handshakes each
 * on a line of their own (who, what they asked, why not; with `withHeaders`, the request's
 * headers below), the rest counted, so an attack of thousands of connections is a few lines,
 * not thousands. Token lockouts and running out of descriptors are said when they start.
 */
function logRefusals(station: Station, withHeaders: boolean): void {
  const counts = () => {
    const { rejected, refusedConnections } = station.status().totals;
    return { ...rejected, ...refusedConnections };
  };
  let previous = counts();
  let shown: RefusalEntry[] = [];
  station.events.on('refusal', (entry) => {
    if (shown.length < REFUSALS_SHOWN_PER_SECOND) shown.push(entry);
  });
  setInterval(() => {
    const now = counts();
    const unshown = Object.fromEntries(
      Object.entries(now).map(([reason, count]) => [reason, count - (previous[reason] ?? 0)] as const),
    );
    previous = now;
    for (const entry of shown) {
      console.log(
        `${clock()} ! refused ${urlHost(entry.address)}: ${requestLine(entry.request)} → ${entry.status} ${entry.reason}`,
      );
      if (withHeaders) for (const header of entry.request.headers) console.log(`    ${headerLine(header)}`);
      unshown[entry.status] = (unshown[entry.status] ?? 0) - 1;
    }
    const others = Object.entries(unshown)
      .filter(([, delta]) => delta > 0)
      .map(([reason, delta]) => `${delta} × ${REFUSAL_WORDS[reason] ?? reason}`);
    if (others.length > 0) console.log(`${clock()} ! refused ${shown.length > 0 ? 'also ' : ''}${others.join(', ')}`);
    shown = [];
  }, 1000).unref();
  station.events.on('token-lockout', (address, lockoutMs) => {
    console.log(
      `${clock()} ! ${urlHost(address)} sent ${LIMITS.tokenFailuresBeforeLockout} wrong tokens: refused for ${lockoutMs / 1000} s (429)`,
    );
  });
  station.events.on('descriptors-exhausted', (code) => {
    console.log(
      `${clock()} ! out of file descriptors (${code}): new connections are refused until some close; ` +
        'raise the limit (ulimit -n) or lower --max-peers',
    );
  });
}

/** websocat's habit: each line of standard input goes to every peer. */
function broadcastStdin(station: Station): void {
  const lines = createInterface({ input: process.stdin, terminal: false });
  lines.on('line', (line) => {
    try {
      const { reached } = sendToPeers(station.peers, hostMessage('text', Buffer.from(line), station.config.maxPayload));
      console.log(`→ sent to ${reached} peer(s)`);
    } catch (error) {
      if (!(error instanceof HostActionError)) throw error;
      console.log(`→ not sent: ${error.message}`);
    }
  });
  lines.on('close', () => console.log('Standard input ended; the station keeps serving (Ctrl+C stops it).'));
}

function listenAdvice(error: ListenError): string {
  const flag = error.listener === 'tls' ? '--tls-port' : '--port';
  switch (error.code) {
    case 'EADDRINUSE':
    case 'EACCES':
      return `Choose another port with ${flag} <port>, or ${flag} 0 for any free port.`;
    case 'EADDRNOTAVAIL':
      return 'Choose one with --host, or 0.0.0.0 for every network.';
    default:
      return 'Check --host and --port.';
  }
}

/** A refused setting, named by the flag the person typed. */
function refuseSetting(error: ConfigError): never {
  const flag = FLAG_OF[error.setting] ?? error.setting;
  fail(`${flag} ${JSON.stringify(error.value)} is not allowed. Allowed: ${error.allowed}.`, EXIT_USAGE);
}

function fail(message: string, status: number): never {
  console.error(`ws-station: ${message}`);
  process.exit(status);
}

/** The certificate TLS serves, when it is on: the given one, or one from the local CA (made on first use). */
async function prepareTls(options: ServeOptions, host: string): Promise<StationTls | undefined> {
  const { tlsCert, tlsKey } = options;
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    fail('--tls-cert and --tls-key go together: the certificate and its private key.', EXIT_USAGE);
  }
  if (!options.tls && tlsCert === undefined) {
    if (options.tlsPort !== undefined || options.tlsDir !== undefined) {
      fail('--tls-port and --tls-dir need --tls (or --tls-cert and --tls-key).', EXIT_USAGE);
    }
    return undefined;
  }
  try {
    if (tlsCert !== undefined && tlsKey !== undefined) return givenTls(tlsCert, tlsKey);
    return await localCaTls(options.tlsDir ?? defaultCaFolder(APP_NAME), host, APP_NAME);
  } catch (error) {
    if (!(error instanceof TlsSetupError)) throw error;
    fail(`${error.message}.`, 1);
  }
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    program.parse(argv);
  } catch (error) {
    // Commander has already printed the help, the version or the error.
    if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE);
    throw error;
  }
  const options = program.opts<ServeOptions>();

  let config;
  try {
    config = parseStationConfig(toConfigInput(options));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    refuseSetting(error);
  }

  const endpointsFile = options.endpoints;
  let definitions: LoadedDefinitions | undefined;
  if (endpointsFile !== undefined) {
    try {
      definitions = readDefinitionsFile(endpointsFile);
    } catch (error) {
      if (!(error instanceof DefinitionsError)) throw error;
      fail(error.message, 1);
    }
  }

  const tls = await prepareTls(options, config.host);
  if (!config.plain && tls === undefined) fail('--no-plain needs --tls (or --tls-cert and --tls-key).', EXIT_USAGE);

  let station: Station;
  try {
    station = await startStation(config, { tls });
  } catch (error) {
    if (error instanceof ConfigError) refuseSetting(error);
    if (!(error instanceof ListenError)) throw error;
    fail(`${error.message} ${listenAdvice(error)}`, 1);
  }
  if (endpointsFile !== undefined && definitions !== undefined) {
    station.endpoints.apply(definitions);
    watchDefinitionsFile(
      endpointsFile,
      (loaded) => {
        station.endpoints.apply(loaded);
        console.log(
          `${clock()} endpoints from ${endpointsFile} applied: ${station.endpoints.status().paths.join(', ') || 'none'}`,
        );
      },
      (message) => console.log(`${clock()} ! ${message}; the endpoints served are unchanged`),
    );
  }
  station.events.on('endpoint-problem', (line) => console.log(`${clock()} ! ${line}`));
  printReady(station);
  if (!options.quiet) logPeers(station);
  logRefusals(station, options.logHandshakes === true);
  if (options.broadcastStdin) broadcastStdin(station);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`${signal}: closing ${station.peers.size} peer(s) with 1001 (going away)…`);
    void station.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main(process.argv);
