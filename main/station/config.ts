/**
 * The station's settings: defaults, validation and the one error a bad value gets.
 * The CLI, the desktop settings and the tests all go through parseStationConfig.
 */
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { totalmem } from 'node:os';
import { z } from 'zod';
import { SETTING_RANGES, TOKEN_PATTERN } from '../../common/setting-ranges';
import { HANDSHAKES_KEPT, REFUSALS_KEPT } from '../../common/station-status';
import { jsonEchoBytesAtMost } from './peers/json-text';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** An eighth of this computer's memory, at most 1 GiB: room for peers without starving the desktop. */
const DEFAULT_MEMORY_BUDGET = Math.min(GiB, Math.floor(totalmem() / 8 / MiB) * MiB);

/** Accepts a number, or a string of digits as it comes from a command line. */
function integer(min: number, max: number) {
  return z.preprocess(
    (value) => (typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value),
    z.int().min(min).max(max),
  );
}

/** Accepts true or false, or either as a string from a command line. */
function flag() {
  return z.preprocess((value) => (value === 'true' ? true : value === 'false' ? false : value), z.boolean());
}

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
}

/**
 * Each setting: its schema (with its default) and, in words, what it allows. The words are
 * what a person reads when a value is refused, so they name the unit and the range.
 */
const settings = {
  port: {
    schema: integer(SETTING_RANGES.port.min, SETTING_RANGES.port.max).default(3000),
    allowed: 'an integer from 0 to 65535 (0 picks any free port)',
  },
  host: {
    schema: z
      .string()
      .refine((host) => host === 'localhost' || isIP(host) !== 0)
      .default('0.0.0.0'),
    allowed:
      'an IP address of this computer, 0.0.0.0 for every IPv4 network (the LAN), :: for every network, or 127.0.0.1 for this computer only',
  },
  tickMs: {
    schema: integer(SETTING_RANGES.tickMs.min, SETTING_RANGES.tickMs.max).default(1000),
    allowed: 'milliseconds between ticks, an integer from 10 to 3600000',
  },
  maxPayload: {
    schema: integer(1, 256 * MiB).default(MiB),
    allowed: `the largest message in bytes, an integer from 1 to ${256 * MiB}`,
  },
  heartbeatMs: {
    schema: integer(100, 3_600_000).default(30_000),
    allowed: 'milliseconds between pings, an integer from 100 to 3600000',
  },
  maxPeers: {
    schema: integer(1, 100_000).default(10_000),
    allowed: 'an integer from 1 to 100000',
  },
  maxConnectionsPerAddress: {
    schema: integer(SETTING_RANGES.maxConnectionsPerAddress.min, SETTING_RANGES.maxConnectionsPerAddress.max).default(
      1000,
    ),
    allowed: 'connections one other computer may have open at once, an integer from 1 to 100000',
  },
  maxPendingPerAddress: {
    schema: integer(SETTING_RANGES.maxPendingPerAddress.min, SETTING_RANGES.maxPendingPerAddress.max).default(64),
    allowed: 'connections one other computer may have that are not (yet) WebSockets, an integer from 1 to 10000',
  },
  maxMessagesPerSecond: {
    schema: integer(SETTING_RANGES.maxMessagesPerSecond.min, SETTING_RANGES.maxMessagesPerSecond.max).default(0),
    allowed:
      'messages per second one peer may send, an integer from 0 to 1000000 (0: no limit); a faster peer is slowed, not closed',
  },
  tokenLockoutMs: {
    schema: integer(1000, 86_400_000).default(60_000),
    allowed: 'milliseconds an address is refused after a run of wrong tokens, an integer from 1000 to 86400000',
  },
  memoryBudget: {
    schema: integer(16 * MiB, 64 * GiB).default(DEFAULT_MEMORY_BUDGET),
    allowed: `bytes the station may hold for all peers together, an integer from ${16 * MiB} to ${64 * GiB}, and at least seven times the largest message, eight with deflate (one arriving, what it inflates to, and the station.v1.json echo of the one before, which escapes control characters in six bytes each)`,
  },
  messageDeadlineMs: {
    schema: integer(1000, 3_600_000).default(30_000),
    allowed: 'milliseconds a peer has to finish a message it started, an integer from 1000 to 3600000',
  },
  deflate: {
    schema: flag().default(false),
    allowed: 'true or false',
  },
  allowedOrigins: {
    schema: z.array(z.string().refine(isOrigin)).default([]),
    allowed: 'a list of origins such as http://192.168.1.20:8080 (scheme, host and port; no path or trailing slash)',
  },
  token: {
    schema: z.string().regex(TOKEN_PATTERN).nullable().default(null),
    allowed: 'null (no token) or 8 to 256 characters from A-Z a-z 0-9 . _ ~ -',
  },
  tlsPort: {
    schema: integer(SETTING_RANGES.tlsPort.min, SETTING_RANGES.tlsPort.max).default(3443),
    allowed: 'an integer from 0 to 65535 (0 picks any free port)',
  },
  plain: {
    schema: flag().default(true),
    allowed: 'true or false; false only while TLS is on',
  },
} as const;

export type SettingName = keyof typeof settings;
export const SETTING_NAMES = Object.keys(settings) as SettingName[];

const stationConfigSchema = z
  .object(
    Object.fromEntries(SETTING_NAMES.map((name) => [name, settings[name].schema])) as {
      [K in SettingName]: (typeof settings)[K]['schema'];
    },
  )
  .brand<'StationConfig'>();

/** A config that passed validation; only parseStationConfig makes one. */
export type StationConfig = Readonly<z.output<typeof stationConfigSchema>>;
/** What a caller may give: any subset of the settings, numbers possibly as strings. */
export type StationConfigInput = { [K in SettingName]?: unknown };

/** A refused setting: names the setting, the value and what is allowed. */
export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    readonly value: unknown,
    readonly allowed: string,
  ) {
    super(`Invalid ${setting}: ${describe(value)}. Allowed: ${allowed}.`);
    this.name = 'ConfigError';
  }
}

function describe(value: unknown): string {
  // JSON quotes strings and shows lists as written.
  return value === undefined ? 'undefined' : JSON.stringify(value);
}

/** The most one TCP read hands on: Node reads 64 KiB at a time. */
const READ_BYTES = 64 * 1024;

/**
 * The least budget in which one message the station accepts never gets its peer closed: that
 * message arriving (its bytes; an eighth more for frame headers and ws's cost per fragment, for
 * fragments of 1 KiB or more; with deflate, what it inflates to), one read not yet handed to ws,
 * and the echo of the message before, queued.
 */
export function leastMemoryBudget(maxPayload: number, deflate: boolean): number {
  const arriving = Math.ceil(maxPayload * 1.125) + (deflate ? maxPayload : 0);
  return arriving + READ_BYTES + jsonEchoBytesAtMost(maxPayload);
}

export function parseStationConfig(input: StationConfigInput): StationConfig {
  for (const name of Object.keys(input)) {
    if (!(name in settings)) {
      throw new ConfigError('setting name', name, `one of ${SETTING_NAMES.join(', ')}`);
    }
  }
  const result = stationConfigSchema.safeParse(input);
  if (result.success) {
    const config = result.data;
    const least = leastMemoryBudget(config.maxPayload, config.deflate);
    if (config.memoryBudget < least) {
      const withDeflate = config.deflate ? ' and deflate on' : '';
      throw new ConfigError(
        'memoryBudget',
        input.memoryBudget ?? config.memoryBudget,
        `${settings.memoryBudget.allowed}; with maxPayload ${config.maxPayload}${withDeflate}, at least ${least}`,
      );
    }
    return Object.freeze(config);
  }
  const issue = result.error.issues[0];
  const name = issue?.path[0] as SettingName;
  const value = input[name];
  // For a list, name the one entry that was refused rather than the whole list.
  const entry = issue?.path.length === 2 && Array.isArray(value) ? (value as unknown[])[Number(issue.path[1])] : value;
  throw new ConfigError(name, entry, settings[name].allowed);
}

/** Every setting at its default. */
export const DEFAULT_CONFIG: StationConfig = parseStationConfig({});

/** A fresh random access token, URL-safe. */
export function generateToken(): string {
  return randomBytes(18).toString('base64url');
}

/** Constants that are not settings: limits chosen for every station. */
export const LIMITS = {
  /** A peer with more than this queued skips ticks until it drains. */
  tickSkipBufferedBytes: 64 * 1024,
  /** Echoes are never skipped; above this the station stops reading from the peer instead. */
  echoPauseBufferedBytes: 4 * MiB,
  /** Messages smaller than this are sent uncompressed when deflate is on. */
  deflateThresholdBytes: 1024,
  /** How long a peer the station closes has to answer the Close before it is dropped. */
  closeGraceMs: 1000,
  /** How often the memory watch measures what peers hold (see memory-budget.ts). */
  memorySweepMs: 500,
  /** How long a refused upgrade may take to read its answer before the connection is dropped. */
  refusalLingerMs: 2000,
  /** Refused upgrades kept with their requests (GET /api/refusals): the newest. */
  refusalsKept: REFUSALS_KEPT,
  /** Connected peers whose handshakes are kept (GET /api/peers/{id}): the newest. */
  handshakesKept: HANDSHAKES_KEPT,
  /** The one buffer those handshakes are written into (a browser's takes about 700 bytes). */
  handshakeBytesKept: 512 * 1024,
  /** Of one kept request: header lines, characters of a value and of the target. */
  keptHeaderLines: 64,
  keptValueChars: 512,
  keptTargetChars: 1024,
  /** Heartbeat round trips a peer's median is taken over. */
  roundTripsKept: 5,
  /**
   * A request's headers must arrive within this; Node's default is a minute, long enough for a
   * slow-header client to hold a descriptor per connection. A browser on a LAN needs milliseconds.
   */
  headersTimeoutMs: 5000,
  /** A whole request (the station takes no bodies) must arrive within this. */
  requestTimeoutMs: 10_000,
  /** An idle keep-alive HTTP connection (a page load done) is closed after this. */
  keepAliveTimeoutMs: 5000,
  /**
   * A connection that moves no byte for this long before it is a WebSocket is closed: the headers
   * deadline starts only with a request's first byte, so a silent connection (on either port,
   * after the TLS handshake too) would otherwise hold a descriptor for good.
   */
  idleConnectionTimeoutMs: 4000,
  /**
   * How often Node checks the header and request deadlines (its default is every 30 s), and the
   * station its silent connections: each is closed within this much after its idle time is up.
   */
  deadlineCheckMs: 1000,
  /** Wrong tokens from one address within tokenFailureWindowMs that start a lockout. */
  tokenFailuresBeforeLockout: 10,
  tokenFailureWindowMs: 60_000,
  /** Addresses whose wrong tokens are remembered; the least recent are forgotten first. */
  tokenThrottleMaxAddresses: 4096,
  /**
   * A TLS handshake must finish within this, or the connection is dropped: a phone on a weak
   * Wi-Fi finishes in well under a second; a silent connection would hold a descriptor (Node's
   * default is two minutes).
   */
  tlsHandshakeTimeoutMs: 10_000,
  /** A certificate that could not be renewed is tried again after this. */
  tlsRenewalRetryMs: 60 * 60 * 1000,
  /** Running out of descriptors is said at most this often. */
  descriptorAlarmGapMs: 10_000,
} as const;
