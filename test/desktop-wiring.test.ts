/**
 * The desktop app's main-process wiring, run against a MOCKED electron module
 * (test/helpers/mock-electron.ts) with the real station underneath. The real Electron is driven
 * by test/electron.test.ts wherever its binary exists.
 */
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { IpcChannel } from '../common/ipc';
import { WEBSOCKET_ACCEPT_GUID } from '../common/protocol';
import type { PeerDetail, RefusalEntry } from '../common/station-status';
import type {
  DesktopConfig,
  DesktopSettings,
  EndpointsCheck,
  EndpointTryResult,
  SettingsSaveResult,
} from '../common/desktop';
import { ENDPOINTS_FILE } from '../main/desktop/endpoints-store';
import type { MenuItemConstructorOptions } from 'electron';
import { runDesktopApp } from '../main/electron/desktop-app';
import { createLocalCa } from '../main/station/tls/local-ca';
import { issueServerCertificate } from '../main/station/tls/server-certificate';
import { applicationMenuTemplate } from '../main/electron/menu';
import { UntrustedSenderError } from '../main/electron/ipc';
import { closed, openClient } from './helpers/client';
import { writeGivenCertificate } from './helpers/given-certificate';
import { createMockElectron, MockBrowserWindow, MockEvent, type MockElectron } from './helpers/mock-electron';
import { tempFolder } from './helpers/temp-folder';
import { headerOf } from './helpers/station';
import { waitFor } from './helpers/wait';
import { CONTRACT } from './helpers/endpoints-contract';
import { rawUpgrade } from './helpers/raw-websocket';

const BUNDLED_PAGE = 'file:///opt/ws-station/resources/app.asar/dist/renderer/index.html';

interface RunningApp {
  electron: MockElectron;
  window: MockBrowserWindow;
  userData: string;
  /** The page the window was pointed at: the station's own, on loopback. */
  pageUrl: string;
}

async function startApp(
  t: TestContext,
  settings: Partial<DesktopSettings> = { port: 0, lanAccess: false },
  platform: NodeJS.Platform = 'linux',
) {
  const userData = tempFolder(t, 'desktop');
  writeFileSync(join(userData, 'settings.json'), JSON.stringify(settings));
  const electron = createMockElectron(userData);
  runDesktopApp(electron.api, {
    appVersion: '9.9.9',
    preloadPath: '/app/dist/preload/preload.js',
    bundledPageUrl: BUNDLED_PAGE,
    platform,
  });
  electron.app.becomeReady();
  await waitFor('the window to open', () => MockBrowserWindow.instances.length === 1);
  const window = MockBrowserWindow.instances[0] as MockBrowserWindow;
  await waitFor('the window to load a page', () => window.webContents.loaded.length > 0);
  t.after(() => quitApp(electron));
  const running: RunningApp = { electron, window, userData, pageUrl: window.webContents.currentUrl };
  return running;
}

/** Quits the app and resolves once it has (its station closed first). */
function quitApp(electron: MockElectron): Promise<void> {
  return new Promise((resolve) => {
    electron.app.once('quit', () => resolve());
    electron.app.quit();
  });
}

const ownSender = (app: RunningApp) => ({ contents: app.window.webContents, url: app.pageUrl, topFrame: true });

describe('desktop main process (mocked electron)', () => {
  it('opens one window with the security checklist options and the preload', async (t) => {
    const app = await startApp(t);
    const preferences = app.window.options.webPreferences;
    assert.equal(preferences.contextIsolation, true);
    assert.equal(preferences.sandbox, true);
    assert.equal(preferences.nodeIntegration, false);
    assert.equal(preferences.nodeIntegrationInSubFrames, false);
    assert.equal(preferences.webSecurity, true);
    assert.equal(preferences.allowRunningInsecureContent, false);
    assert.equal(preferences.experimentalFeatures, false);
    assert.equal(preferences.webviewTag, false);
    assert.equal(preferences.preload, '/app/dist/preload/preload.js');
    assert.match(app.pageUrl, /^http:\/\/127\.0\.0\.1:\d+\/$/, 'pointed at the station it started');
  });

  it('refuses navigation away from its own page and new windows; http(s) links go to the system browser', async (t) => {
    const app = await startApp(t);
    const navigate = (url: string) => {
      const event = new MockEvent(url);
      app.window.webContents.emit('will-navigate', event);
      return event.defaultPrevented;
    };
    assert.equal(navigate(`${app.pageUrl}?lang=zh-CN`), false, 'its own page');
    assert.equal(navigate(BUNDLED_PAGE), false, 'its bundled page');
    for (const url of ['https://evil.example/', 'http://127.0.0.1:1/', 'file:///etc/passwd', 'javascript:alert(1)']) {
      assert.equal(navigate(url), true, url);
    }

    const open = app.window.webContents.windowOpenHandler;
    assert.ok(open);
    assert.deepEqual(open({ url: 'https://github.com/' }), { action: 'deny' });
    assert.deepEqual(open({ url: 'http://192.168.1.20:3000/' }), { action: 'deny' });
    assert.deepEqual(open({ url: 'file:///etc/passwd' }), { action: 'deny' });
    assert.deepEqual(open({ url: 'javascript:alert(1)' }), { action: 'deny' });
    assert.deepEqual(app.electron.shell.opened, ['https://github.com/', 'http://192.168.1.20:3000/']);

    // With no browser to open links in, openExternal rejects: a warning, not a crash.
    const warned = t.mock.method(console, 'warn', () => undefined);
    app.electron.shell.openExternal = () => Promise.reject(new Error('no handler for https'));
    open({ url: 'https://example.com/' });
    await waitFor('the warning', () => warned.mock.callCount() === 1);
    assert.match(String(warned.mock.calls[0]?.arguments[0]), /could not open https:\/\/example\.com\/ in the browser/);
  });

  it('sets its own menu: About with the version, developer tools only when not packaged', async (t) => {
    const app = await startApp(t);
    assert.deepEqual(app.electron.app.aboutPanel, { applicationName: 'WS Station', applicationVersion: '9.9.9' });
    const roles = (items: MenuItemConstructorOptions[]): string[] =>
      items.flatMap((item) => [
        ...(item.role === undefined ? [] : [item.role]),
        ...(Array.isArray(item.submenu) ? roles(item.submenu) : []),
      ]);
    const shown = (app.electron.Menu.application as { template: MenuItemConstructorOptions[] }).template;
    assert.ok(roles(shown).includes('toggleDevTools'), 'unpackaged (npm start): developer tools');
    for (const platform of ['linux', 'win32', 'darwin'] as const) {
      const packaged = roles(applicationMenuTemplate({ platform, packaged: true }));
      assert.ok(!packaged.includes('toggleDevTools'), `${platform}: no developer tools in the installed app`);
      assert.ok(packaged.includes(platform === 'darwin' ? 'appMenu' : 'about'), `${platform}: About`);
      assert.ok(packaged.includes(platform === 'darwin' ? 'appMenu' : 'quit'), `${platform}: Quit`);
    }
  });

  it('denies every permission request', async (t) => {
    const app = await startApp(t);
    const { session } = app.window.webContents;
    const answers: boolean[] = [];
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read']) {
      session.permissionRequestHandler?.(app.window.webContents, permission, (granted) => answers.push(granted));
    }
    assert.deepEqual(answers, [false, false, false, false]);
    assert.equal(session.permissionCheckHandler?.(), false);
  });

  it('answers IPC only from its own window, top frame, own page', async (t) => {
    const app = await startApp(t);
    const config = app.electron.ipcMain.sendSync(IpcChannel.getConfig, ownSender(app)) as DesktopConfig;
    assert.equal(config.websocketUrl, `${app.pageUrl.replace('http', 'ws')}websocket/test`);
    assert.equal(config.appVersion, '9.9.9');
    assert.equal(config.subprotocol, 'station.v1.json');

    const strangers = [
      { ...ownSender(app), contents: new MockBrowserWindow({ webPreferences: {} }).webContents },
      { ...ownSender(app), topFrame: false },
      { ...ownSender(app), url: 'https://evil.example/' },
    ];
    for (const sender of strangers) {
      await assert.rejects(app.electron.ipcMain.invoke(IpcChannel.getSettings, sender), UntrustedSenderError);
      await assert.rejects(app.electron.ipcMain.invoke(IpcChannel.copyText, sender, 'x'), UntrustedSenderError);
      assert.equal(app.electron.ipcMain.sendSync(IpcChannel.getConfig, sender), null);
    }
    assert.deepEqual(app.electron.clipboard.written, []);
    await app.electron.ipcMain.invoke(IpcChannel.copyText, ownSender(app), 'ws://192.168.1.20:3000/websocket/test');
    assert.deepEqual(app.electron.clipboard.written, ['ws://192.168.1.20:3000/websocket/test']);
  });

  it('validates, persists and applies settings, reloading on the restarted station', async (t) => {
    const app = await startApp(t);
    const current = (await app.electron.ipcMain.invoke(IpcChannel.getSettings, ownSender(app))) as DesktopSettings;
    const refused = (await app.electron.ipcMain.invoke(IpcChannel.saveSettings, ownSender(app), {
      ...current,
      tickMs: 5,
    })) as SettingsSaveResult;
    assert.deepEqual(refused, {
      ok: false,
      setting: 'tickMs',
      message: 'Invalid tickMs: 5. Allowed: milliseconds between ticks, an integer from 10 to 3600000.',
    });

    const applied = (await app.electron.ipcMain.invoke(IpcChannel.saveSettings, ownSender(app), {
      ...current,
      tickMs: 250,
      lanAccess: true,
    })) as SettingsSaveResult;
    assert.ok(applied.ok);
    assert.deepEqual(JSON.parse(readFileSync(join(app.userData, 'settings.json'), 'utf8')), applied.settings);
    await waitFor('the window to reload', () => app.window.webContents.loaded.length === 2);
    const reloaded = app.window.webContents.currentUrl;
    const config = app.electron.ipcMain.sendSync(IpcChannel.getConfig, {
      ...ownSender(app),
      url: reloaded,
    }) as DesktopConfig;
    const lanAddresses = Object.values(networkInterfaces())
      .flatMap((entries) => entries ?? [])
      .filter((entry) => entry.family === 'IPv4' && !entry.internal);
    assert.equal(config.lanUrls.length, lanAddresses.length, 'now shared on every LAN address');
    assert.equal(new URL(reloaded).port, new URL(config.websocketUrl).port);
  });

  it('follows the station when refused settings moved it: the window reloads on the new port', async (t) => {
    const app = await startApp(t);
    const blocker = createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    t.after(() => blocker.close());
    const takenPort = (blocker.address() as AddressInfo).port;
    const current = (await app.electron.ipcMain.invoke(IpcChannel.getSettings, ownSender(app))) as DesktopSettings;
    const refused = (await app.electron.ipcMain.invoke(IpcChannel.saveSettings, ownSender(app), {
      ...current,
      port: takenPort,
    })) as SettingsSaveResult;
    assert.equal(refused.ok, false);
    // Back on its old settings, port 0: a new free port, so the old page is no longer its own.
    await waitFor('the window to reload', () => app.window.webContents.loaded.length === 2, 5000);
    const reloaded = app.window.webContents.currentUrl;
    assert.notEqual(reloaded, app.pageUrl);
    const config = app.electron.ipcMain.sendSync(IpcChannel.getConfig, {
      ...ownSender(app),
      url: reloaded,
    }) as DesktopConfig;
    assert.equal(new URL(config.websocketUrl).port, new URL(reloaded).port, 'the new page is trusted');
  });

  it('with wss:// on, shows its page over TLS and trusts its own certificate, and no other', async (t) => {
    const app = await startApp(t, { port: 0, tlsPort: 0, lanAccess: false, tls: true });
    const page = new URL(app.pageUrl);
    assert.equal(page.protocol, 'https:');
    assert.equal(page.hostname, '127.0.0.1');
    const config = app.electron.ipcMain.sendSync(IpcChannel.getConfig, ownSender(app)) as DesktopConfig;
    assert.equal(config.websocketUrl, `wss://127.0.0.1:${page.port}/websocket/test`);
    // The CA is made in the user-data folder, its one private key for the owner only.
    const caFolder = join(app.userData, 'tls');
    assert.equal(statSync(join(caFolder, 'intermediate.key')).mode & 0o777, 0o600);
    const rootPem = readFileSync(join(caFolder, 'ca.crt'), 'utf8');
    assert.equal(config.tls?.caFingerprint256, new X509Certificate(rootPem).fingerprint256);

    const served = await new Promise<string>((resolve, reject) => {
      const socket = tlsConnect({ port: Number(page.port), host: '127.0.0.1', ca: rootPem }, () => {
        resolve(
          `-----BEGIN CERTIFICATE-----\n${socket.getPeerCertificate().raw.toString('base64')}\n-----END CERTIFICATE-----\n`,
        );
        socket.end();
      });
      socket.on('error', reject);
    });
    const verify = app.window.webContents.session.certificateVerifyProc;
    assert.ok(verify, 'a certificate verify proc is set on the window session');
    const verdict = (hostname: string, data: string) =>
      new Promise<number>((resolve) => verify({ hostname, certificate: { data } }, resolve));
    assert.equal(await verdict('127.0.0.1', served), 0, 'its own station, on loopback: accepted');
    assert.equal(await verdict('localhost', served), 0);
    // Another certificate on loopback, while the station serves TLS there: refused, whoever issued it.
    const other = await issueServerCertificate(await createLocalCa('Other'), ['127.0.0.1']);
    assert.equal(await verdict('127.0.0.1', other.chainPem), -2);
    assert.equal(await verdict('localhost', other.chainPem), -2);
    assert.equal(await verdict('127.0.0.1', 'not a certificate'), -2);
    // Another host is Chromium's to judge, even with the station's certificate.
    assert.equal(await verdict('192.168.1.20', served), -3);
    assert.equal(await verdict('example.com', other.chainPem), -3);
  });

  it('serves your own certificate chosen in the system dialog, modal to its window, and trusts only it', async (t) => {
    const app = await startApp(t, { port: 0, tlsPort: 0, lanAccess: false });
    const folder = tempFolder(t, 'own-certificate');
    const { ca: companyCa, issued } = await writeGivenCertificate(folder, ['devbox.local', '127.0.0.1']);
    const { dialog, ipcMain } = app.electron;
    const choose = (kind: unknown, title: unknown, sender = ownSender(app)) =>
      ipcMain.invoke(IpcChannel.chooseTlsFile, sender, kind, title);

    dialog.answers.push(join(folder, 'devbox.pem'), null, join(folder, 'devbox.key'));
    assert.equal(await choose('certificate', 'Choose the certificate file'), join(folder, 'devbox.pem'));
    assert.equal(await choose('key', 'Choose the private key file'), null, 'cancelled');
    assert.equal(await choose('key', '选择私钥文件'), join(folder, 'devbox.key'));
    assert.deepEqual(
      dialog.opened.map(([window, options]) => [window === app.window, options.title, options.filters?.[0]]),
      [
        [true, 'Choose the certificate file', { name: 'PEM certificate', extensions: ['pem', 'crt', 'cer'] }],
        [true, 'Choose the private key file', { name: 'PEM private key', extensions: ['pem', 'key'] }],
        [true, '选择私钥文件', { name: 'PEM private key', extensions: ['pem', 'key'] }],
      ],
    );
    const firstOptions = dialog.opened[0]?.[1];
    assert.ok(firstOptions);
    assert.deepEqual(firstOptions.properties, ['openFile', 'showHiddenFiles']);
    assert.equal(firstOptions.message, 'Choose the certificate file', 'what macOS shows');
    // Anything else from the page, or anything from another page, opens no dialog.
    await assert.rejects(choose('directory', 'x'), /chooseTlsFile takes one of "certificate", "key"/);
    await assert.rejects(choose('key', 'x'.repeat(201)), /a title of at most 200 characters/);
    await assert.rejects(choose('key', 'x', { ...ownSender(app), topFrame: false }), UntrustedSenderError);
    assert.equal(dialog.opened.length, 3);

    const current = (await ipcMain.invoke(IpcChannel.getSettings, ownSender(app))) as DesktopSettings;
    const own = {
      ...current,
      tls: true,
      tlsSource: 'given',
      tlsCertFile: join(folder, 'devbox.pem'),
      tlsKeyFile: join(folder, 'devbox.key'),
    };
    // A path the dialog never gave is refused, as a page gone wrong would send.
    const typed = (await ipcMain.invoke(IpcChannel.saveSettings, ownSender(app), {
      ...own,
      tlsKeyFile: join(folder, 'other.key'),
    })) as SettingsSaveResult;
    assert.deepEqual(typed, {
      ok: false,
      setting: 'tlsKeyFile',
      message: `${join(folder, 'other.key')} was not chosen with the Choose… button`,
    });
    const applied = (await ipcMain.invoke(IpcChannel.saveSettings, ownSender(app), own)) as SettingsSaveResult;
    assert.ok(applied.ok, JSON.stringify(applied));
    assert.deepEqual(JSON.parse(readFileSync(join(app.userData, 'settings.json'), 'utf8')), own);
    await waitFor('the window to reload over https', () => app.window.webContents.currentUrl.startsWith('https:'));
    const config = ipcMain.sendSync(IpcChannel.getConfig, {
      ...ownSender(app),
      url: app.window.webContents.currentUrl,
    }) as DesktopConfig;
    assert.equal(config.tls?.source, 'given');
    assert.deepEqual(config.tls.caUrls, []);
    const verify = app.window.webContents.session.certificateVerifyProc;
    assert.ok(verify);
    const verdict = (data: string) =>
      new Promise<number>((resolve) => verify({ hostname: '127.0.0.1', certificate: { data } }, resolve));
    assert.equal(await verdict(issued.chainPem), 0, 'the given certificate, served by its station');
    const sameCa = await issueServerCertificate(companyCa, ['127.0.0.1']);
    assert.equal(await verdict(sameCa.chainPem), -2, 'another from the same CA is not it');
    assert.equal(existsSync(join(app.userData, 'tls')), false, 'no local CA made');
  });

  it('holds a second quit asked while the station is stopping, then quits once', async (t) => {
    const app = await startApp(t);
    const peer = await openClient(`${app.pageUrl.replace('http', 'ws')}websocket/test`);
    const peerClosed = closed(peer.socket);
    let quits = 0;
    app.electron.app.on('quit', () => (quits += 1));
    app.electron.app.quit();
    app.electron.app.quit(); // the window closing, or a second Cmd+Q, while peers are closed
    assert.equal(quits, 0, 'neither quit went ahead yet');
    assert.equal((await peerClosed).code, 1001);
    await waitFor('the quit to go ahead', () => quits === 1);
  });

  it('says why in a dialog and exits 1 when it cannot start, instead of living on without a window', async (t) => {
    const userData = tempFolder(t, 'desktop');
    mkdirSync(join(userData, 'settings.json')); // a folder where the file should be: unreadable
    const electron = createMockElectron(userData);
    runDesktopApp(electron.api, {
      appVersion: '9.9.9',
      preloadPath: '/app/dist/preload/preload.js',
      bundledPageUrl: BUNDLED_PAGE,
      platform: 'linux',
    });
    electron.app.becomeReady();
    await waitFor('the app to exit', () => electron.app.exitCode !== undefined);
    assert.equal(electron.app.exitCode, 1);
    const [error] = electron.dialog.errors;
    assert.ok(error, 'an error dialog');
    assert.equal(error[0], 'WS Station could not start');
    assert.match(error[1], /EISDIR/);
    assert.equal(MockBrowserWindow.instances.length, 0);
  });

  it("talks to peers over IPC, with the host API's rules, and only for its own page", async (t) => {
    const app = await startApp(t);
    const peer = await openClient(`${app.pageUrl.replace('http', 'ws')}websocket/test`);
    await peer.inbox.next();
    const invoke = (channel: string, ...args: unknown[]) =>
      app.electron.ipcMain.invoke(channel, ownSender(app), ...args);
    const id = 1;
    assert.deepEqual(
      await invoke(IpcChannel.sendToPeers, { target: id, message: { binary: false, text: 'over IPC' } }),
      {
        ok: true,
        reached: 1,
        skipped: 0,
      },
    );
    assert.equal((await peer.inbox.next()).data.toString(), 'over IPC');
    const bytes = new Uint8Array([1, 2, 3]);
    await invoke(IpcChannel.sendToPeers, { target: 'all', message: { binary: true, bytes } });
    const binary = await peer.inbox.next();
    assert.equal(binary.isBinary, true);
    assert.deepEqual([...binary.data], [1, 2, 3]);
    const traffic = (await invoke(IpcChannel.peerTraffic, id)) as { kind: string }[];
    assert.deepEqual(
      traffic.map((entry) => entry.kind),
      ['greeting', 'host', 'host'],
    );
    // What the page sends is checked here, whatever it claims to be.
    assert.deepEqual(
      await invoke(IpcChannel.sendToPeers, { target: id, message: { binary: true, bytes: 'not bytes' } }),
      {
        ok: false,
        refusal: 'bad-type',
        message: 'A message is text or bytes',
      },
    );
    const reserved = (await invoke(IpcChannel.closePeer, { peerId: id, code: 1001, reason: '' })) as {
      refusal?: string;
    };
    assert.equal(reserved.refusal, 'bad-close-code');
    assert.deepEqual(await invoke(IpcChannel.sendToPeers, { target: 99, message: { binary: false, text: 'x' } }), {
      ok: false,
      refusal: 'unknown-peer',
      message: 'No peer 99 is connected',
    });
    const foreign = { contents: app.window.webContents, url: 'http://evil.example/', topFrame: true };
    await assert.rejects(
      app.electron.ipcMain.invoke(IpcChannel.sendToPeers, foreign, {
        target: 'all',
        message: { binary: false, text: 'x' },
      }),
      UntrustedSenderError,
    );
    await assert.rejects(peer.inbox.next(300), /no message within/, 'refused actions sent nothing');

    const gone = closed(peer.socket);
    assert.deepEqual(await invoke(IpcChannel.closePeer, { peerId: id, code: 4003, reason: 'from the window' }), {
      ok: true,
      reached: 1,
      skipped: 0,
    });
    assert.deepEqual(await gone, { code: 4003, reason: 'from the window' });
  });

  it("shows a peer's handshake and the refused upgrades over IPC, only to its own page", async (t) => {
    const app = await startApp(t);
    const port = Number(new URL(app.pageUrl).port);
    const peer = await openClient(`ws://127.0.0.1:${port}/websocket/test`, undefined, {
      headers: { 'X-Device': 'bench-rig', Authorization: 'Bearer never-shown' },
    });
    await peer.inbox.next();
    const refused = await rawUpgrade(port, '/nowhere', { 'X-Marker': 'over-ipc' });
    assert.equal(refused.status, 404);
    const invoke = (channel: string, ...args: unknown[]) =>
      app.electron.ipcMain.invoke(channel, ownSender(app), ...args);

    const detail = (await invoke(IpcChannel.peerDetail, 1)) as PeerDetail;
    assert.equal(detail.id, 1);
    const handshake = detail.handshake;
    assert.ok(handshake, 'the newest peer has its handshake kept');
    const sent = new Map(handshake.request.headers.map(([name, value]) => [name.toLowerCase(), value]));
    assert.equal(sent.get('x-device'), 'bench-rig');
    assert.equal(sent.get('authorization'), 'Bearer •••');
    const answeredAccept = handshake.response.headers.find(([name]) => name === 'Sec-WebSocket-Accept')?.[1];
    const key = sent.get('sec-websocket-key') ?? '';
    const expected = createHash('sha1').update(`${key}${WEBSOCKET_ACCEPT_GUID}`).digest();
    assert.deepEqual(handshake.accept, {
      key,
      guid: WEBSOCKET_ACCEPT_GUID,
      sha1Hex: expected.toString('hex'),
      accept: expected.toString('base64'),
    });
    assert.equal(answeredAccept, handshake.accept.accept);
    // What the page sends is checked: only a connected peer's number gets an answer.
    assert.equal(await invoke(IpcChannel.peerDetail, '1'), null);
    assert.equal(await invoke(IpcChannel.peerDetail, 99), null);

    const refusals = (await invoke(IpcChannel.refusals, 0)) as RefusalEntry[];
    assert.deepEqual(
      refusals.map((entry) => [entry.seq, entry.status, entry.request.target, headerOf(entry, 'x-marker')]),
      [[1, 404, '/nowhere', 'over-ipc']],
    );
    assert.deepEqual(await invoke(IpcChannel.refusals, 1), [], 'none newer than the newest the page has');
    assert.equal(((await invoke(IpcChannel.refusals, 'all')) as RefusalEntry[]).length, 1);

    const foreign = { contents: app.window.webContents, url: 'http://evil.example/', topFrame: true };
    for (const [channel, argument] of [
      [IpcChannel.peerDetail, 1],
      [IpcChannel.refusals, 0],
    ] as const) {
      await assert.rejects(app.electron.ipcMain.invoke(channel, foreign, argument), UntrustedSenderError);
    }
  });

  it('checks, tries, applies and saves scripted endpoints over IPC, and serves them again at the next start', async (t) => {
    const app = await startApp(t);
    const invoke = (channel: string, ...args: unknown[]) =>
      app.electron.ipcMain.invoke(channel, ownSender(app), ...args);
    const login = JSON.stringify(CONTRACT.endpoints[1], null, 2);
    assert.deepEqual(await invoke(IpcChannel.getEndpoints), []);
    const checked = (await invoke(IpcChannel.checkEndpoints, ['{"path": "/login", "rules": 3}'])) as EndpointsCheck;
    assert.deepEqual(checked, {
      ok: false,
      part: 0,
      offset: 19,
      length: 10,
      message: 'rules (line 1, column 20): Invalid input: expected array, received number',
    });
    const tried = (await invoke(IpcChannel.tryEndpoint, {
      text: login,
      message: { binary: false, text: 'secret' },
      state: 'start',
    })) as EndpointTryResult;
    assert.ok(tried.ok && tried.rule === 0);
    assert.equal(existsSync(join(app.userData, ENDPOINTS_FILE)), false, 'checking and trying save nothing');
    assert.deepEqual(await invoke(IpcChannel.applyEndpoints, [login]), { ok: true, paths: ['/login'] });
    const peer = await openClient(`${app.pageUrl.replace('http', 'ws')}login`, ['graphql-transport-ws']);
    peer.socket.send('secret');
    assert.equal((await peer.inbox.next()).data.toString(), 'welcome');
    const foreign = { contents: app.window.webContents, url: 'http://evil.example/', topFrame: true };
    await assert.rejects(app.electron.ipcMain.invoke(IpcChannel.applyEndpoints, foreign, []), UntrustedSenderError);
    await assert.rejects(app.electron.ipcMain.invoke(IpcChannel.getEndpoints, foreign), UntrustedSenderError);
    const gone = closed(peer.socket);
    await quitApp(app.electron);
    assert.equal((await gone).code, 1001);

    const next = createMockElectron(app.userData);
    runDesktopApp(next.api, { appVersion: '9.9.9', preloadPath: '', bundledPageUrl: BUNDLED_PAGE, platform: 'linux' });
    next.app.becomeReady();
    await waitFor('the next window', () => MockBrowserWindow.instances.some((window) => window !== app.window));
    const window = MockBrowserWindow.instances.find((candidate) => candidate !== app.window) as MockBrowserWindow;
    await waitFor('its page', () => window.webContents.loaded.length > 0);
    t.after(() => quitApp(next));
    const sender = { contents: window.webContents, url: window.webContents.currentUrl, topFrame: true };
    assert.deepEqual(await next.ipcMain.invoke(IpcChannel.getEndpoints, sender), [login]);
    const again = await openClient(`${window.webContents.currentUrl.replace('http', 'ws')}login`);
    again.socket.send('whoami');
    assert.equal((await again.inbox.next()).data.toString(), 'nobody');
    again.socket.close();
  });

  it('sends every peer 1001 before the process quits', async (t) => {
    const app = await startApp(t);
    const peer = await openClient(`${app.pageUrl.replace('http', 'ws')}websocket/test`);
    const peerClosed = closed(peer.socket);
    let quit = false;
    app.electron.app.once('quit', () => (quit = true));
    app.electron.app.quit();
    assert.equal(quit, false, 'held until the station has closed');
    assert.equal((await peerClosed).code, 1001);
    await waitFor('the quit to go ahead', () => quit);
  });

  it('pushes the peers view to the window as peers come and go', async (t) => {
    const app = await startApp(t);
    const peer = await openClient(`${app.pageUrl.replace('http', 'ws')}websocket/test`);
    const statusWith = (count: number) =>
      app.window.webContents.sent.some(
        ([channel, status]) =>
          channel === IpcChannel.status &&
          (status as { running: boolean; status: { totals: { peers: number } } }).status.totals.peers === count,
      );
    await waitFor('a status with the peer', () => statusWith(1));
    peer.socket.close();
    await waitFor('a status without it', () => statusWith(0) && app.window.webContents.sent.length > 1);
  });

  it('keeps one instance: a second launch quits and the first window is focused', async (t) => {
    const app = await startApp(t);
    app.electron.app.emit('second-instance');
    assert.equal(app.window.focused, 1);
    const second = createMockElectron(app.userData, { gotLock: false });
    runDesktopApp(second.api, {
      appVersion: '9.9.9',
      preloadPath: '',
      bundledPageUrl: BUNDLED_PAGE,
      platform: 'linux',
    });
    assert.equal(second.app.quitCalls, 1);
  });

  it('quits when its window closes on Linux and Windows, not on macOS', async (t) => {
    const linux = await startApp(t);
    linux.electron.app.emit('window-all-closed');
    assert.equal(linux.electron.app.quitCalls, 1);
    const mac = await startApp(t, { port: 0, lanAccess: false }, 'darwin');
    mac.electron.app.emit('window-all-closed');
    assert.equal(mac.electron.app.quitCalls, 0);
  });

  it('opens the window on the bundled page, saying why, when the port is taken', async (t) => {
    const first = await startApp(t);
    const port = Number(new URL(first.pageUrl).port);
    const second = await startApp(t, { port, lanAccess: false });
    assert.equal(second.pageUrl, BUNDLED_PAGE);
    const config = second.electron.ipcMain.sendSync(IpcChannel.getConfig, ownSender(second)) as DesktopConfig;
    assert.equal(config.websocketUrl, '');
    assert.match(
      config.stationError ?? '',
      new RegExp(`^Port ${port} is already in use on 127\\.0\\.0\\.1\\. Choose another port in Settings`),
    );
  });
});
