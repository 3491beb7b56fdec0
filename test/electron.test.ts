/**
 * The desktop app in real Electron, driven by Playwright (`_electron.launch`).
 *
 * Which app: the built app in dist/, on Electron's binary (fetched by Electron's own installer
 * when missing, or ELECTRON_OVERRIDE_DIST_PATH); or, with WS_STATION_ELECTRON_TARGET=packaged,
 * the packaged test build from `npm run dist:test`, where the fuses and the asar take effect.
 * Needs a display (xvfb-run on a headless Linux).
 *
 * Where Electron is not required the suite skips, in one line saying why. With
 * WS_STATION_REQUIRE_ELECTRON=1 (the public CI) it never skips: a binary that is missing, cannot
 * be fetched or cannot launch fails every test with the reason.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { _electron, type ElectronApplication, type Page } from 'playwright';
import type { DesktopSettings } from '../common/desktop';
import { createLocalCa } from '../main/station/tls/local-ca';
import { issueServerCertificate } from '../main/station/tls/server-certificate';
import { ensureElectronBinary, packagedTestBuild } from '../tools/electron-binary';
import { closed, openClient } from './helpers/client';
import { BRIDGE_KEYS } from './helpers/desktop-fixtures';
import { writeGivenCertificate } from './helpers/given-certificate';
import { rawUpgrade } from './helpers/raw-websocket';
import { tempFolder } from './helpers/temp-folder';
import { eventually } from './helpers/wait';

const PROJECT_ROOT = join(__dirname, '..', '..');
const PACKAGED = process.env.WS_STATION_ELECTRON_TARGET === 'packaged';
const REQUIRED = process.env.WS_STATION_REQUIRE_ELECTRON === '1';
const binary = PACKAGED
  ? packagedTestBuild(PROJECT_ROOT)
  : ensureElectronBinary(PROJECT_ROOT, (line) => console.log(`# ${line}`));
const WAIT_MS = 10_000;

interface LaunchedApp {
  app: ElectronApplication;
  page: Page;
}

/** Apps the current test launched; tests run one at a time. */
const launched: ElectronApplication[] = [];

/** A user data folder with these settings; afterwards the test's apps are closed, then it goes. */
function userDataWith(t: TestContext, settings: Partial<DesktopSettings>): string {
  const folder = mkdtempSync(join(tmpdir(), 'ws-station-electron-'));
  writeFileSync(join(folder, 'settings.json'), JSON.stringify(settings));
  t.after(async () => {
    // Closing an app the test already closed is a no-op.
    for (const app of launched.splice(0)) await app.close().catch(() => undefined);
    rmSync(folder, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  });
  return folder;
}

async function launch(userData: string): Promise<LaunchedApp> {
  if (!('path' in binary)) throw new Error(`Electron is required here and ${binary.missing}`);
  const app = await _electron.launch({
    executablePath: binary.path,
    // The packaged app loads its own app.asar; Electron's bare binary is pointed at the project.
    args: PACKAGED ? [] : [PROJECT_ROOT],
    env: { ...process.env, WS_STATION_USER_DATA: userData },
  });
  launched.push(app);
  const page = await app.firstWindow();
  return { app, page };
}

/** The station's port, from the page the window shows. */
const stationPort = (page: Page) => Number(new URL(page.url()).port);

describe(
  'desktop app in Electron',
  { skip: 'missing' in binary && !REQUIRED ? `Electron suite skipped: ${binary.missing}` : false },
  () => {
    // Electron has no public getter for a window's webPreferences, so the options are checked by
    // their effects; test/desktop-wiring.test.ts checks the options passed, with a mocked electron.
    it('opens one window that shows the effects of the security checklist', async (t) => {
      const { app, page } = await launch(userDataWith(t, { port: 0, lanAccess: false }));
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
      // Navigation to another origin and new windows are refused by our guards (an http page's
      // own Chromium rules would already stop file: targets, so these are http ones); an http(s)
      // window.open goes to the system browser instead, here a stand-in recorder.
      await app.evaluate(({ shell }) => {
        const opened: string[] = [];
        (globalThis as { opened?: string[] }).opened = opened;
        shell.openExternal = (url: string) => {
          opened.push(url);
          return Promise.resolve();
        };
      });
      const ownPage = page.url();
      await page.evaluate("window.location.href = 'http://127.0.0.2:9/elsewhere'");
      await page.evaluate("window.open('https://example.invalid/')");
      await page.waitForTimeout(500);
      assert.equal(page.url(), ownPage, 'still on its own page');
      assert.equal(app.windows().length, 1);
      assert.deepEqual(await app.evaluate(() => (globalThis as { opened?: string[] }).opened), [
        'https://example.invalid/',
      ]);
    });

    it('exposes exactly the documented bridge, frozen', async (t) => {
      const { page } = await launch(userDataWith(t, { port: 0, lanAccess: false }));
      await page.locator('#state-pill', { hasText: 'OPEN 1' }).waitFor({ timeout: WAIT_MS });
      assert.deepEqual(await page.evaluate('Object.keys(window.wsStation).sort()'), BRIDGE_KEYS);
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
      // What our preload adds: the config the main process gave, for this very station.
      const websocketUrl = await page.evaluate('window.wsStation.config.websocketUrl');
      assert.equal(websocketUrl, `ws://127.0.0.1:${stationPort(page)}/websocket/test`);
      assert.equal(await page.evaluate('typeof window.wsStation.onStatus(() => {})'), 'function', 'unsubscribe');
    });

    it('is itself a connected client: greeting, ticks, echo and status', async (t) => {
      const { page } = await launch(userDataWith(t, { port: 0, lanAccess: false, tickMs: 200 }));
      await page.locator('#state-pill', { hasText: 'OPEN 1' }).waitFor({ timeout: WAIT_MS });
      await page.locator('.log-row[data-kind="greeting"]', { hasText: '连接成功' }).waitFor({ timeout: WAIT_MS });
      await page.locator('.log-row[data-kind="tick"]').first().waitFor({ timeout: WAIT_MS });
      await page.locator('#message').fill('from the window');
      await page.locator('#message').press('Enter');
      await page.locator('.log-row[data-kind="echo"]', { hasText: 'from the window' }).waitFor({ timeout: WAIT_MS });
      assert.equal(await page.locator('#protocol').textContent(), 'station.v1.json');
    });

    it('with wss:// on, loads its page over https:// and connects with wss://, trusting only its own certificate', async (t) => {
      const userData = userDataWith(t, { port: 0, tlsPort: 0, lanAccess: false, tls: true, tickMs: 200 });
      const { app, page } = await launch(userData);
      assert.match(page.url(), /^https:\/\/127\.0\.0\.1:\d+\/$/);
      await page.locator('#state-pill', { hasText: 'OPEN 1' }).waitFor({ timeout: WAIT_MS });
      assert.match((await page.locator('#url').textContent()) ?? '', /^wss:\/\/127\.0\.0\.1:\d+\/websocket\/test$/);
      await page.locator('.log-row[data-kind="greeting"]', { hasText: '连接成功' }).waitFor({ timeout: WAIT_MS });
      await page.locator('#message').fill('over wss from the window');
      await page.locator('#message').press('Enter');
      await page
        .locator('.log-row[data-kind="echo"]', { hasText: 'over wss from the window' })
        .waitFor({ timeout: WAIT_MS });
      // Another server on loopback with a certificate from another CA is not trusted for it.
      const other = await issueServerCertificate(await createLocalCa('Another'), ['127.0.0.1']);
      const impostor = createHttpsServer({ cert: other.chainPem, key: other.keyPem }, (_request, response) =>
        response.end('impostor'),
      );
      impostor.listen(0, '127.0.0.1');
      await once(impostor, 'listening');
      t.after(() => impostor.close());
      const impostorUrl = `https://127.0.0.1:${(impostor.address() as AddressInfo).port}/`;
      // Fetched through the window's session, as its page and wss:// are: its own page passes, the impostor does not.
      const fetchInSession = (url: string) =>
        app.evaluate(
          ({ session }, target) =>
            session.defaultSession.fetch(target).then(
              (response) => `fetched ${response.status}`,
              (error: unknown) => String(error),
            ),
          url,
        );
      assert.equal(await fetchInSession(page.url()), 'fetched 200');
      assert.match(await fetchInSession(impostorUrl), /ERR_CERT_AUTHORITY_INVALID/);
      assert.ok(existsSync(join(userData, 'tls', 'ca.crt')), 'the CA is kept in the user-data folder');
    });

    it('with your own certificate, shows its page over https:// and wss:// though no store trusts it', async (t) => {
      // A company CA nothing here trusts, for a name other than 127.0.0.1: the window trusts the
      // very certificate its station serves, not the name or the CA.
      const { certFile, keyFile } = await writeGivenCertificate(tempFolder(t, 'electron-given'), ['devbox.local']);
      const userData = userDataWith(t, {
        port: 0,
        tlsPort: 0,
        lanAccess: false,
        tls: true,
        tlsSource: 'given',
        tlsCertFile: certFile,
        tlsKeyFile: keyFile,
      });
      const { page } = await launch(userData);
      assert.match(page.url(), /^https:\/\/127\.0\.0\.1:\d+\/$/);
      await page.locator('#state-pill', { hasText: 'OPEN 1' }).waitFor({ timeout: WAIT_MS });
      await page.locator('.log-row[data-kind="greeting"]', { hasText: '连接成功' }).waitFor({ timeout: WAIT_MS });
      await page.locator('#tab-settings').click();
      assert.equal(await page.locator('#setting-tls-source-given').isChecked(), true);
      assert.equal(await page.locator('#setting-tls-cert-file').inputValue(), certFile);
      assert.equal(existsSync(join(userData, 'tls')), false, 'no local CA made');
    });

    it('shows a peer in the Peers panel, and the peer gets 1001 when the app quits', async (t) => {
      const { app, page } = await launch(userDataWith(t, { port: 0, lanAccess: false }));
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

    it("talks to a peer from the Peers panel: its traffic, a message to it, and a close with the host's code", async (t) => {
      const { page } = await launch(userDataWith(t, { port: 0, lanAccess: false }));
      await page.locator('#state-pill', { hasText: 'OPEN 1' }).waitFor({ timeout: WAIT_MS });
      const peer = await openClient(`ws://127.0.0.1:${stationPort(page)}/websocket/test`, [], {
        headers: { 'User-Agent': 'electron-console-peer' },
      });
      peer.socket.send('hello host');
      await page.locator('#tab-peers').click();
      const row = page.locator('#peers-body tr', { hasText: 'electron-console-peer' });
      await row.locator('button[data-peer]').click();
      await page.locator('#peer-log-viewport .log-row[data-kind="message"]', { hasText: 'hello host' }).waitFor({
        timeout: WAIT_MS,
      });
      await page.locator('#peer-send-input').fill('hello peer');
      await page.locator('#peer-send-one').click();
      await peer.inbox.nextMatching((m) => m.data.toString() === 'hello peer', WAIT_MS);
      const gone = closed(peer.socket);
      await page.locator('#peer-close-code').fill('4002');
      await page.locator('#peer-close-reason').fill('from the window');
      await page.locator('#peer-close').click();
      assert.deepEqual(await gone, { code: 4002, reason: 'from the window' });
    });

    it("shows a refused handshake and a peer's handshake in the Peers panel", async (t) => {
      const { page } = await launch(userDataWith(t, { port: 0, lanAccess: false }));
      await page.locator('#state-pill', { hasText: 'OPEN 1' }).waitFor({ timeout: WAIT_MS });
      const port = stationPort(page);
      assert.equal((await rawUpgrade(port, '/nowhere', { 'X-Marker': 'electron-refused' })).status, 404);
      const peer = await openClient(`ws://127.0.0.1:${port}/websocket/test`, [], {
        headers: { 'User-Agent': 'electron-handshake-peer' },
      });
      await page.locator('#tab-peers').click();
      const refused = page.locator('#refusal-list li', { hasText: 'GET /nowhere' });
      await refused.locator('summary').click({ timeout: WAIT_MS });
      await refused.locator('pre', { hasText: 'X-Marker: electron-refused' }).waitFor({ timeout: WAIT_MS });
      const row = page.locator('#peers-body tr', { hasText: 'electron-handshake-peer' });
      await row.locator('button[data-peer]').click();
      await page.locator('#peer-tab-handshake').click();
      await page.locator('#handshake-request', { hasText: 'User-Agent: electron-handshake-peer' }).waitFor({
        timeout: WAIT_MS,
      });
      await page.locator('#accept-derivation summary').click();
      assert.equal(await page.locator('#accept-check').textContent(), 'the Sec-WebSocket-Accept the station sent. ✓');
      peer.socket.close();
    });

    it('serves an endpoint written in the Endpoints panel, and again after a restart', async (t) => {
      const userData = userDataWith(t, { port: 0, lanAccess: false });
      const first = await launch(userData);
      await first.page.locator('#state-pill', { hasText: 'OPEN 1' }).waitFor({ timeout: WAIT_MS });
      await first.page.locator('#tab-endpoints').click();
      await first.page.locator('#endpoint-add').click();
      await first.page.locator('#endpoint-editor .cm-content').click({ timeout: WAIT_MS });
      await first.page.keyboard.press('ControlOrMeta+A');
      await first.page.keyboard.insertText(
        '{"path": "/hello", "rules": [{"match": {"text": "hi"}, "send": "hello {{peer.id}}"}]}',
      );
      await first.page.locator('#try-message').fill('hi');
      await first.page.locator('#try-send').click();
      await first.page.locator('#try-result .try-payload', { hasText: 'hello 0' }).waitFor({ timeout: WAIT_MS });
      await first.page.locator('#endpoints-apply').click();
      await first.page.locator('#endpoints-result', { hasText: 'Applied: /hello' }).waitFor({ timeout: WAIT_MS });
      const peer = await openClient(`ws://127.0.0.1:${stationPort(first.page)}/hello`);
      peer.socket.send('hi');
      assert.match((await peer.inbox.next(WAIT_MS)).data.toString(), /^hello \d+$/);
      await first.app.close();

      const second = await launch(userData);
      await second.page.locator('#tab-endpoints').click();
      await second.page.locator('#endpoint-list button', { hasText: '/hello' }).waitFor({ timeout: WAIT_MS });
      const again = await openClient(`ws://127.0.0.1:${stationPort(second.page)}/hello`);
      again.socket.send('hi');
      assert.match((await again.inbox.next(WAIT_MS)).data.toString(), /^hello \d+$/);
      again.socket.close();
    });

    it('keeps settings changed in the window across a restart', async (t) => {
      const userData = userDataWith(t, { port: 0, lanAccess: false });
      const first = await launch(userData);
      await first.page.locator('#tab-settings').click();
      await first.page.locator('#setting-tick-ms').fill('750');
      await first.page.locator('#apply-settings').click();
      await first.page.locator('#settings-result', { hasText: 'Applied' }).waitFor({ timeout: WAIT_MS });
      await first.app.close();

      const second = await launch(userData);
      await second.page.locator('#tab-settings').click();
      // The form fills in once getSettings() answers.
      await eventually(
        'the saved tick interval',
        async () => (await second.page.locator('#setting-tick-ms').inputValue()) === '750',
        WAIT_MS,
      );
    });

    it('says in the window that its port is in use, and offers the settings', async (t) => {
      const blocker = createServer().listen(0, '127.0.0.1');
      await once(blocker, 'listening');
      t.after(() => blocker.close());
      const { port } = blocker.address() as { port: number };
      const { page } = await launch(userDataWith(t, { port, lanAccess: false }));
      await page.locator('#banner', { hasText: `Port ${port} is already in use` }).waitFor({ timeout: WAIT_MS });
      await page.locator('#tab-settings').click();
      await eventually(
        'the port in the form',
        async () => (await page.locator('#setting-port').inputValue()) === String(port),
        WAIT_MS,
      );
    });
  },
);
