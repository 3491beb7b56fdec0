/**
 * The desktop app in real Electron, driven by Playwright (`_electron.launch`) on the built app.
 * Runs wherever an Electron binary is present (node_modules/electron/dist, or a distribution in
 * ELECTRON_OVERRIDE_DIST_PATH); needs a display (xvfb-run on a headless Linux).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { _electron, type ElectronApplication, type Page } from 'playwright';
import type { DesktopSettings } from '../common/desktop';
import { findElectronBinary } from '../tools/electron-binary';
import { closed, openClient } from './helpers/client';

const PROJECT_ROOT = join(__dirname, '..', '..');
const binary = findElectronBinary(PROJECT_ROOT);
const WAIT_MS = 10_000;

interface LaunchedApp {
  app: ElectronApplication;
  page: Page;
}

function userDataWith(settings: Partial<DesktopSettings>): string {
  const folder = mkdtempSync(join(tmpdir(), 'ws-station-electron-'));
  writeFileSync(join(folder, 'settings.json'), JSON.stringify(settings));
  return folder;
}

async function launch(t: TestContext, userData: string): Promise<LaunchedApp> {
  if (!('path' in binary)) throw new Error(binary.missing);
  const app = await _electron.launch({
    executablePath: binary.path,
    args: [PROJECT_ROOT],
    env: { ...process.env, WS_STATION_USER_DATA: userData },
  });
  t.after(() => app.close().catch(() => undefined));
  const page = await app.firstWindow();
  return { app, page };
}

/** The station's port, from the page the window shows. */
const stationPort = (page: Page) => Number(new URL(page.url()).port);

describe(
  'desktop app in Electron',
  { skip: 'missing' in binary ? `Electron suite skipped: ${binary.missing}` : false },
  () => {
    // Electron has no public getter for a window's webPreferences, so the options are checked by
    // their effects; test/desktop-wiring.test.ts checks the options passed, with a mocked electron.
    it('opens one window that shows the effects of the security checklist', async (t) => {
      const { app, page } = await launch(t, userDataWith({ port: 0, lanAccess: false }));
      await page.locator('#state-pill', { hasText: 'OPEN 1' }).waitFor({ timeout: WAIT_MS });
      assert.match(page.url(), /^http:\/\/127\.0\.0\.1:\d+\/$/, 'the station it started, on loopback');
      // nodeIntegration off: no Node in the page.
      assert.equal(
        await page.evaluate('typeof require + typeof process + typeof module'),
        'undefinedundefinedundefined',
      );
      // contextIsolation on: contextBridge refuses to expose anything without it.
      assert.equal(await page.evaluate('typeof window.wsStation.getSettings'), 'function');
      // sandbox on, where the OS reports it (ProcessMetric.sandboxed exists on macOS and Windows).
      const sandboxed = await app.evaluate(({ app: electronApp, BrowserWindow }) => {
        const pid = BrowserWindow.getAllWindows()[0]?.webContents.getOSProcessId();
        return electronApp.getAppMetrics().find((metric) => metric.pid === pid)?.sandboxed;
      });
      if (process.platform !== 'linux') assert.equal(sandboxed, true);
      // Navigation away and new windows are refused.
      await page.evaluate("window.location.href = 'file:///etc/hostname'");
      await page.evaluate("window.open('file:///etc/hostname')");
      await page.locator('#state-pill', { hasText: 'OPEN 1' }).waitFor({ timeout: WAIT_MS });
      assert.match(page.url(), /^http:\/\/127\.0\.0\.1:\d+\/$/);
      assert.equal(app.windows().length, 1);
    });

    it('exposes exactly the documented bridge, frozen', async (t) => {
      const { page } = await launch(t, userDataWith({ port: 0, lanAccess: false }));
      await page.locator('#state-pill', { hasText: 'OPEN 1' }).waitFor({ timeout: WAIT_MS });
      assert.deepEqual(await page.evaluate('Object.keys(window.wsStation).sort()'), [
        'config',
        'copyText',
        'getSettings',
        'onStatus',
        'saveSettings',
      ]);
      assert.deepEqual(await page.evaluate('Object.keys(window.wsStation.config).sort()'), [
        'appVersion',
        'lanPageUrls',
        'lanUrls',
        'language',
        'notice',
        'stationError',
        'subprotocol',
        'token',
        'websocketUrl',
      ]);
      assert.equal(await page.evaluate('Object.isFrozen(window.wsStation.config)'), true);
    });

    it('is itself a connected client: greeting, ticks, echo and status', async (t) => {
      const { page } = await launch(t, userDataWith({ port: 0, lanAccess: false, tickMs: 200 }));
      await page.locator('#state-pill', { hasText: 'OPEN 1' }).waitFor({ timeout: WAIT_MS });
      await page.locator('.log-row[data-kind="greeting"]', { hasText: '连接成功' }).waitFor({ timeout: WAIT_MS });
      await page.locator('.log-row[data-kind="tick"]').first().waitFor({ timeout: WAIT_MS });
      await page.locator('#message').fill('from the window');
      await page.locator('#message').press('Enter');
      await page.locator('.log-row[data-kind="echo"]', { hasText: 'from the window' }).waitFor({ timeout: WAIT_MS });
      assert.equal(await page.locator('#protocol').textContent(), 'station.v1.json');
    });

    it('shows a peer in the Peers panel, and the peer gets 1001 when the app quits', async (t) => {
      const { app, page } = await launch(t, userDataWith({ port: 0, lanAccess: false }));
      await page.locator('#state-pill', { hasText: 'OPEN 1' }).waitFor({ timeout: WAIT_MS });
      const peer = await openClient(`ws://127.0.0.1:${stationPort(page)}/websocket/test`, [], {
        headers: { 'User-Agent': 'electron-suite-peer' },
      });
      await page.locator('#tab-peers').click();
      await page.locator('#peers-body td', { hasText: 'electron-suite-peer' }).waitFor({ timeout: WAIT_MS });
      await page.locator('#tab-peers', { hasText: 'Peers (2)' }).waitFor({ timeout: WAIT_MS });
      const peerClosed = closed(peer.socket);
      await app.close();
      assert.equal((await peerClosed).code, 1001);
    });

    it('keeps settings changed in the window across a restart', async (t) => {
      const userData = userDataWith({ port: 0, lanAccess: false });
      const first = await launch(t, userData);
      await first.page.locator('#tab-settings').click();
      await first.page.locator('#setting-tick-ms').fill('750');
      await first.page.locator('#apply-settings').click();
      await first.page.locator('#settings-result', { hasText: 'Applied' }).waitFor({ timeout: WAIT_MS });
      await first.app.close();

      const second = await launch(t, userData);
      await second.page.locator('#tab-settings').click();
      assert.equal(await second.page.locator('#setting-tick-ms').inputValue(), '750');
    });

    it('says in the window that its port is in use, and offers the settings', async (t) => {
      const blocker = createServer().listen(0, '127.0.0.1');
      await once(blocker, 'listening');
      t.after(() => blocker.close());
      const { port } = blocker.address() as { port: number };
      const { page } = await launch(t, userDataWith({ port, lanAccess: false }));
      await page.locator('#banner', { hasText: `Port ${port} is already in use` }).waitFor({ timeout: WAIT_MS });
      await page.locator('#tab-settings').click();
      assert.equal(await page.locator('#setting-port').inputValue(), String(port));
    });
  },
);
