/**
 * The desktop app's settings file: read, validated with the same rules as the command line,
 * written atomically. A file that cannot be used is set aside (never deleted) and reported.
 *
 * Hand-written rather than electron-store/conf: those either discard an invalid file or need
 * Electron at import; this keeps the bad file for the person and stays testable under Node.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { LANGUAGES } from '../../common/client-config';
import { TLS_FILE_SETTINGS, type DesktopSettings } from '../../common/desktop';
import { TLS_FILE_KINDS, TLS_SOURCES } from '../../common/station-status';
import { LOOPBACK_IPV4 } from '../station/addresses';
import { ConfigError, DEFAULT_CONFIG, parseStationConfig, type StationConfig } from '../station/config';
import { setAside, writeAtomically } from './user-data-file';

export const SETTINGS_FILE = 'settings.json';

export const DEFAULT_SETTINGS: DesktopSettings = Object.freeze({
  port: DEFAULT_CONFIG.port,
  lanAccess: true,
  tickMs: DEFAULT_CONFIG.tickMs,
  maxConnectionsPerAddress: DEFAULT_CONFIG.maxConnectionsPerAddress,
  maxPendingPerAddress: DEFAULT_CONFIG.maxPendingPerAddress,
  maxMessagesPerSecond: DEFAULT_CONFIG.maxMessagesPerSecond,
  tokenEnabled: false,
  token: null,
  deflate: DEFAULT_CONFIG.deflate,
  // Off until asked for: turning it on makes a CA, which matters only once a device is told to trust it.
  tls: false,
  tlsPort: DEFAULT_CONFIG.tlsPort,
  tlsSource: 'local-ca',
  tlsCertFile: null,
  tlsKeyFile: null,
  language: null,
});

const LAN_HOST = '0.0.0.0';

/** The parts only the desktop has; the rest are checked by the station's own config rules. */
const desktopOnly = z.object({
  lanAccess: z.boolean(),
  tokenEnabled: z.boolean(),
  tls: z.boolean(),
  tlsSource: z.enum(TLS_SOURCES),
  tlsCertFile: z.string().refine(isAbsolute).nullable(),
  tlsKeyFile: z.string().refine(isAbsolute).nullable(),
  language: z.enum(LANGUAGES).nullable(),
});

/** What each desktop-only setting may be, in the words of its error. */
const DESKTOP_ALLOWED: Record<keyof z.infer<typeof desktopOnly>, string> = {
  lanAccess: 'true or false',
  tokenEnabled: 'true or false',
  tls: 'true or false',
  tlsSource: TLS_SOURCES.join(' or '),
  tlsCertFile: 'null or an absolute file path',
  tlsKeyFile: 'null or an absolute file path',
  language: `null or one of ${LANGUAGES.join(', ')}`,
};

/** The station config these settings give. */
export function stationConfigFor(settings: DesktopSettings): StationConfig {
  return parseStationConfig({
    port: settings.port,
    tlsPort: settings.tlsPort,
    host: settings.lanAccess ? LAN_HOST : LOOPBACK_IPV4,
    tickMs: settings.tickMs,
    maxConnectionsPerAddress: settings.maxConnectionsPerAddress,
    maxPendingPerAddress: settings.maxPendingPerAddress,
    maxMessagesPerSecond: settings.maxMessagesPerSecond,
    deflate: settings.deflate,
    token: settings.tokenEnabled ? settings.token : null,
  });
}

/**
 * Checks every setting, station ones with the CLI's rules; throws ConfigError naming the first
 * bad one. Missing settings take their defaults, so files from older versions still load.
 */
export function validateSettings(input: unknown): DesktopSettings {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ConfigError('settings', input, 'an object of settings');
  }
  const merged = { ...DEFAULT_SETTINGS, ...(input as Partial<DesktopSettings>) };
  for (const name of Object.keys(merged)) {
    if (!(name in DEFAULT_SETTINGS)) {
      throw new ConfigError('setting name', name, `one of ${Object.keys(DEFAULT_SETTINGS).join(', ')}`);
    }
  }
  const desktop = desktopOnly.safeParse(merged);
  if (!desktop.success) {
    const name = String(desktop.error.issues[0]?.path[0]) as keyof typeof DESKTOP_ALLOWED;
    throw new ConfigError(name, merged[name], DESKTOP_ALLOWED[name]);
  }
  if (merged.tokenEnabled && merged.token === null) {
    throw new ConfigError('token', null, 'a token when tokenEnabled is true');
  }
  // Only while TLS is on: with it off, the window lets the person pick the source before any file.
  if (merged.tls && merged.tlsSource === 'given') {
    for (const kind of TLS_FILE_KINDS) {
      const name = TLS_FILE_SETTINGS[kind];
      if (merged[name] === null)
        throw new ConfigError(name, null, `a ${kind} file while tls is on and tlsSource is given`);
    }
  }
  // The token is checked even while off, so turning it on later cannot fail.
  const station = parseStationConfig({
    port: merged.port,
    tlsPort: merged.tlsPort,
    tickMs: merged.tickMs,
    maxConnectionsPerAddress: merged.maxConnectionsPerAddress,
    maxPendingPerAddress: merged.maxPendingPerAddress,
    maxMessagesPerSecond: merged.maxMessagesPerSecond,
    deflate: merged.deflate,
    token: merged.token,
  });
  return {
    port: station.port,
    lanAccess: desktop.data.lanAccess,
    tickMs: station.tickMs,
    maxConnectionsPerAddress: station.maxConnectionsPerAddress,
    maxPendingPerAddress: station.maxPendingPerAddress,
    maxMessagesPerSecond: station.maxMessagesPerSecond,
    tokenEnabled: desktop.data.tokenEnabled,
    token: station.token,
    deflate: station.deflate,
    tls: desktop.data.tls,
    tlsPort: station.tlsPort,
    tlsSource: desktop.data.tlsSource,
    tlsCertFile: desktop.data.tlsCertFile,
    tlsKeyFile: desktop.data.tlsKeyFile,
    language: desktop.data.language,
  };
}

export interface LoadedSettings {
  settings: DesktopSettings;
  /** Set when the file could not be used: what was wrong and where the file was kept. */
  problem: string | null;
}

export function loadSettings(directory: string, now = new Date()): LoadedSettings {
  const file = join(directory, SETTINGS_FILE);
  if (!existsSync(file)) return { settings: DEFAULT_SETTINGS, problem: null };
  let reason: string;
  try {
    return { settings: validateSettings(JSON.parse(readFileSync(file, 'utf8'))), problem: null };
  } catch (error) {
    if (error instanceof ConfigError) reason = error.message;
    else if (error instanceof SyntaxError) reason = `it is not valid JSON (${error.message})`;
    else throw error;
  }
  const keptAs = setAside(directory, SETTINGS_FILE, now);
  return {
    settings: DEFAULT_SETTINGS,
    problem: `The settings file could not be used: ${reason}. It was kept as ${keptAs}; the defaults are in use.`,
  };
}

export function saveSettings(directory: string, settings: DesktopSettings): void {
  writeAtomically(directory, SETTINGS_FILE, `${JSON.stringify(settings, null, 2)}\n`);
}
