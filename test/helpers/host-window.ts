/**
 * The desktop window in Chromium on a real StationHost: the host runs a loopback station, the
 * page is that station's own, and the mock bridge's host functions are answered by the host.
 */
import type { TestContext } from 'node:test';
import type { Language } from '../../common/client-config';
import type { DesktopSettings, DesktopTlsConfig, SettingsSaveResult } from '../../common/desktop';
import type { TlsFileKind } from '../../common/station-status';
import { DEFAULT_SETTINGS } from '../../main/desktop/settings';
import { StationHost } from '../../main/desktop/station-host';
import { launchBrowser, openPage, type OpenedPage } from './browser';
import { sampleDesktopConfig } from './desktop-fixtures';
import { mockBridgeScript, stationHostFunctions } from './mock-bridge';

const WAIT_MS = 5000;
/** The desktop window's size, and the window made narrow: the layout a tablet gets. */
export const DESKTOP_WINDOW = { width: 1280, height: 860 };
export const NARROW_WINDOW = { width: 900, height: 760 };

/** A host whose station listens on loopback only, on a free port; stopped after the test. */
export async function startLoopbackHost(t: TestContext, settings: Partial<DesktopSettings> = {}): Promise<StationHost> {
  const host = new StationHost({ ...DEFAULT_SETTINGS, port: 0, lanAccess: false, ...settings }, '0.1.0');
  t.after(() => host.stop());
  await host.start();
  return host;
}

export interface HostWindowOptions {
  language?: Language;
  viewport?: { width: number; height: number };
  colorScheme?: 'light' | 'dark';
  /** The page's time zone (the machine's, by default). */
  timezoneId?: string;
  acceptDownloads?: boolean;
  /** What the bridge's config says of TLS (none by default). */
  tls?: DesktopTlsConfig;
  /** The settings the form is filled with (the defaults, by default). */
  settings?: DesktopSettings;
  /** What saving the settings answers (applied, by default). */
  saveResult?: SettingsSaveResult;
  /** What the file dialog gives for each kind of file (cancelled, by default). */
  chosenFiles?: Partial<Record<TlsFileKind, string>>;
}

/** The window on the host's station, its own connection open. */
export async function openHostWindow(
  t: TestContext,
  host: StationHost,
  options: HostWindowOptions = {},
): Promise<OpenedPage> {
  const port = host.station?.port;
  if (port === undefined) throw new Error('the station host runs no station');
  const browser = await launchBrowser(t);
  const opened = await openPage(browser, `http://127.0.0.1:${port}/`, {
    viewport: options.viewport ?? DESKTOP_WINDOW,
    colorScheme: options.colorScheme ?? 'light',
    acceptDownloads: options.acceptDownloads ?? false,
    timezoneId: options.timezoneId,
    initScript: mockBridgeScript({
      config: {
        ...sampleDesktopConfig(`ws://127.0.0.1:${port}/websocket/test`, options.language ?? 'en'),
        tls: options.tls ?? null,
      },
      settings: options.settings ?? DEFAULT_SETTINGS,
      saveResult: options.saveResult ?? { ok: true, settings: DEFAULT_SETTINGS, urls: [], restarted: true },
      chosenFiles: options.chosenFiles,
    }),
    expose: stationHostFunctions(host),
  });
  await opened.page.locator('#state-pill', { hasText: /OPEN 1/ }).waitFor({ timeout: WAIT_MS });
  return opened;
}
