/** The desktop's settings file and station host: plain modules, tested for real (no Electron). */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer, get as httpsGet } from 'node:https';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { IpcChannel } from '../common/ipc';
import {
  DEFAULT_SETTINGS,
  loadSettings,
  saveSettings,
  stationConfigFor,
  validateSettings,
} from '../main/desktop/settings';
import { ACCEPT_CERTIFICATE, certificateVerdict } from '../main/desktop/certificate-trust';
import { answersOnLoopback, StationHost } from '../main/desktop/station-host';
import { externalLink, isOwnPage } from '../main/electron/navigation';
import { createBridge, type IpcRendererLike } from '../preload/bridge';
import { ConfigError } from '../main/station/config';
import { ensureLocalCa } from '../main/station/tls/ca-folder';
import { issueServerCertificate } from '../main/station/tls/server-certificate';
import { openClient } from './helpers/client';
import { BRIDGE_KEYS, sampleDesktopConfig } from './helpers/desktop-fixtures';
import { writeGivenCertificate } from './helpers/given-certificate';
import { tempFolder } from './helpers/temp-folder';

describe('desktop settings', () => {
  it('start from the defaults, and round-trip through the file', (t) => {
    const folder = tempFolder(t, 'settings');
    assert.deepEqual(loadSettings(folder), { settings: DEFAULT_SETTINGS, problem: null });
    const changed = {
      ...DEFAULT_SETTINGS,
      port: 4000,
      maxMessagesPerSecond: 200,
      tokenEnabled: true,
      token: 'abcdefgh1234',
      language: 'zh-CN' as const,
    };
    saveSettings(folder, changed);
    assert.deepEqual(loadSettings(folder), { settings: changed, problem: null });
    assert.deepEqual(readdirSync(folder), ['settings.json'], 'no partial file left behind');
  });

  it('use the command line rules for station settings', () => {
    assert.throws(
      () => validateSettings({ port: 70000 }),
      /^ConfigError: Invalid port: 70000\. Allowed: an integer from 0 to 65535/,
    );
    assert.throws(() => validateSettings({ tickMs: 'fast' }), /Invalid tickMs: "fast"/);
    assert.throws(() => validateSettings({ token: 'short' }), /Invalid token: "short"/);
    assert.throws(() => validateSettings({ lanAccess: 'yes' }), /Invalid lanAccess: "yes"\. Allowed: true or false/);
    assert.throws(
      () => validateSettings({ language: 'fr' }),
      /Invalid language: "fr"\. Allowed: null or one of en, zh-CN/,
    );
    assert.throws(() => validateSettings({ tokenEnabled: true, token: null }), /Invalid token: null/);
    assert.throws(
      () => validateSettings({ maxMessagesPerSecond: -5 }),
      /Invalid maxMessagesPerSecond: -5\. Allowed: messages per second one peer may send/,
    );
    assert.throws(() => validateSettings({ colour: 'blue' }), /Invalid setting name: "colour"/);
    assert.throws(
      () => validateSettings({ tls: true, tlsSource: 'given' }),
      /Invalid tlsCertFile: null\. Allowed: a certificate file while tls is on and tlsSource is given/,
    );
    assert.throws(
      () => validateSettings({ tls: true, tlsSource: 'given', tlsCertFile: '/home/me/cert.pem' }),
      /Invalid tlsKeyFile: null\. Allowed: a key file while tls is on and tlsSource is given/,
    );
    // With TLS off the source may be chosen before its files, as the window lets a person do.
    assert.equal(validateSettings({ tlsSource: 'given' }).tlsSource, 'given');
    assert.throws(
      () => validateSettings({ tlsCertFile: 'cert.pem' }),
      /Invalid tlsCertFile: "cert.pem"\. Allowed: null or an absolute file path/,
    );
    assert.throws(() => validateSettings({ tlsSource: 'self-signed' }), /Allowed: local-ca or given/);
    assert.throws(() => validateSettings([1]), ConfigError);
  });

  it('map to the station config: LAN or this computer only, token only when on', () => {
    const lan = stationConfigFor({ ...DEFAULT_SETTINGS, token: 'kept-while-off' });
    assert.equal(lan.host, '0.0.0.0');
    assert.equal(lan.token, null);
    const local = stationConfigFor({
      ...DEFAULT_SETTINGS,
      lanAccess: false,
      tokenEnabled: true,
      token: 'abcdefgh1234',
    });
    assert.equal(local.host, '127.0.0.1');
    assert.equal(local.token, 'abcdefgh1234');
    assert.equal(lan.maxMessagesPerSecond, 0, 'no message rate limit unless one is set');
    assert.equal(stationConfigFor({ ...DEFAULT_SETTINGS, maxMessagesPerSecond: 50 }).maxMessagesPerSecond, 50);
  });

  for (const [name, content, reason] of [
    ['not JSON', '{"port": 30', /it is not valid JSON/],
    ['a bad value', '{"port": -1}', /Invalid port: -1/],
  ] as const) {
    it(`set a file with ${name} aside, report it and use the defaults`, (t) => {
      const folder = tempFolder(t, 'settings');
      writeFileSync(join(folder, 'settings.json'), content);
      const loaded = loadSettings(folder, new Date('2026-11-24T10:00:00.000Z'));
      assert.deepEqual(loaded.settings, DEFAULT_SETTINGS);
      assert.match(loaded.problem ?? '', reason);
      assert.match(
        loaded.problem ?? '',
        /kept as settings\.json\.corrupt-2026-11-24T10-00-00-000Z; the defaults are in use/,
      );
      assert.equal(readFileSync(join(folder, 'settings.json.corrupt-2026-11-24T10-00-00-000Z'), 'utf8'), content);
      assert.deepEqual(readdirSync(folder), ['settings.json.corrupt-2026-11-24T10-00-00-000Z']);
    });
  }
});

describe('station host', () => {
  it('restarts the station on new settings and falls back to the old ones when they cannot listen', async (t) => {
    const host = new StationHost({ ...DEFAULT_SETTINGS, port: 0, lanAccess: false }, '1.2.3');
    t.after(() => host.stop());
    await host.start();
    const blocker = new StationHost({ ...DEFAULT_SETTINGS, port: 0, lanAccess: false }, '1.2.3');
    t.after(() => blocker.stop());
    await blocker.start();

    const blockedPort = blocker.station?.port;
    const refused = await host.apply({ ...host.currentSettings, port: blockedPort });
    assert.ok(!refused.ok);
    assert.match(refused.message, /is already in use/);
    assert.equal(host.currentSettings.port, 0, 'back on the previous settings (any free port)');
    const serving = host.station;
    assert.ok(serving, 'and serving');
    assert.notEqual(serving.port, blockedPort);

    const applied = await host.apply({ ...host.currentSettings, tickMs: 50 });
    assert.ok(applied.ok);
    assert.equal(host.station.config.tickMs, 50);
    const { inbox, socket } = await openClient(host.config().websocketUrl);
    assert.equal((await inbox.next()).data.toString(), '连接成功');
    assert.match((await inbox.next(500)).data.toString(), /^[01]\.\d\d$/, 'ticks at the new 50 ms');
    assert.equal(applied.restarted, true);

    // The language alone is the window's: saved, and the station and its peers are left alone.
    const before = host.station;
    const renamed = await host.apply({ ...host.currentSettings, language: 'zh-CN' });
    assert.ok(renamed.ok);
    assert.equal(renamed.restarted, false);
    assert.equal(host.station, before);
    assert.equal(host.currentSettings.language, 'zh-CN');
    assert.equal(socket.readyState, socket.OPEN);
    socket.close();
  });
});

describe('station host with wss://', () => {
  it('turns TLS on and off, and says in words when its CA folder cannot be used', async (t) => {
    const caFolder = join(tempFolder(t, 'host-tls'), 'tls');
    const host = new StationHost({ ...DEFAULT_SETTINGS, port: 0, tlsPort: 0, lanAccess: false }, '1.2.3', {
      caFolder,
    });
    t.after(() => host.stop());
    await host.start();
    assert.equal(host.servedCertificateFingerprint(), null);
    assert.equal(host.config().tls, null);

    const on = await host.apply({ ...host.currentSettings, tls: true });
    assert.ok(on.ok);
    const tlsPort = host.station?.tlsPort;
    assert.ok(tlsPort);
    assert.ok(on.urls.includes(`wss://127.0.0.1:${tlsPort}/websocket/test`), on.urls.join(' '));
    assert.equal(host.pageUrl(), `https://127.0.0.1:${tlsPort}/`);
    assert.equal(host.config().websocketUrl, `wss://127.0.0.1:${tlsPort}/websocket/test`);
    // The window trusts exactly the certificate its station serves.
    const rootPem = readFileSync(join(caFolder, 'ca.crt'), 'utf8');
    const served = await new Promise<string>((resolve, reject) => {
      const socket = tlsConnect({ port: tlsPort, host: '127.0.0.1', ca: rootPem }, () => {
        resolve(socket.getPeerCertificate().fingerprint256);
        socket.end();
      });
      socket.on('error', reject);
    });
    assert.equal(host.servedCertificateFingerprint(), served);
    // The page's port is probed over https pinned to that very certificate. Another program on
    // loopback with a certificate from the same CA (whoever can read its folder could issue one),
    // passing on whatever it is sent to the station, is not taken for it: nothing is sent to it.
    const station = host.station;
    assert.ok(station);
    const pinnedToServed = station.servedCertificate() ?? '';
    assert.equal(await answersOnLoopback(station, tlsPort, pinnedToServed), true);
    const sameCa = await issueServerCertificate(await ensureLocalCa(caFolder, 'WS Station'), ['127.0.0.1']);
    const relayed: string[] = [];
    const impostor = createHttpsServer({ cert: sameCa.chainPem, key: sameCa.keyPem }, (request, response) => {
      relayed.push(request.url ?? '');
      httpsGet({ host: '127.0.0.1', port: tlsPort, path: request.url, ca: rootPem }, (answer) => {
        answer.resume();
        response.writeHead(answer.statusCode ?? 502).end();
      }).on('error', () => response.writeHead(502).end());
    });
    impostor.listen(0, '127.0.0.1');
    await once(impostor, 'listening');
    t.after(() => impostor.close());
    const impostorPort = (impostor.address() as AddressInfo).port;
    assert.equal(await answersOnLoopback(station, impostorPort, pinnedToServed), false);
    assert.deepEqual(relayed, [], 'the nonce never reached the impostor');
    // The window's own connection, over wss:// as the config says.
    const { inbox, socket } = await openClient(host.config().websocketUrl, [], { ca: rootPem });
    assert.equal((await inbox.next()).data.toString(), '连接成功');
    socket.close();

    const off = await host.apply({ ...host.currentSettings, tls: false });
    assert.ok(off.ok);
    assert.equal(host.servedCertificateFingerprint(), null);
    assert.match(host.pageUrl() ?? '', /^http:\/\/127\.0\.0\.1:\d+\/$/);

    // Half a CA (its key lost): refused in words, and the station serves on as before.
    rmSync(join(caFolder, 'intermediate.key'));
    const refused = await host.apply({ ...host.currentSettings, tls: true });
    assert.deepEqual(refused, {
      ok: false,
      setting: 'tls',
      message: `wss:// could not start: ${caFolder} has ca.crt, intermediate.crt but not all of ca.crt, intermediate.crt, intermediate.key: move the folder aside to make a new CA.`,
    });
    assert.equal(host.currentSettings.tls, false);
    assert.ok(host.station, 'still serving on the previous settings');
    assert.equal(host.station.tlsPort, null);
  });
});

describe('station host with your own certificate', () => {
  it('serves the files chosen in the dialog, pins them for the window, and says in words why a file cannot be used', async (t) => {
    const folder = tempFolder(t, 'host-given');
    // A company CA this process does not trust, for a name that is not 127.0.0.1: the window
    // still shows its own station, since it pins the very certificate it serves.
    const { ca: companyCa, issued, certFile, keyFile } = await writeGivenCertificate(folder, ['devbox.local']);
    const host = new StationHost({ ...DEFAULT_SETTINGS, port: 0, tlsPort: 0, lanAccess: false }, '1.2.3');
    t.after(() => host.stop());
    await host.start();
    const given = {
      ...host.currentSettings,
      tls: true,
      tlsSource: 'given',
      tlsCertFile: certFile,
      tlsKeyFile: keyFile,
    };

    // Paths the page names without the person having chosen them are not read.
    assert.deepEqual(await host.apply(given), {
      ok: false,
      setting: 'tlsCertFile',
      message: `${certFile} was not chosen with the Choose… button`,
    });
    // Each file as the kind it was chosen as: the certificate picked is not thereby a key.
    host.allowChosenFile('certificate', certFile);
    host.allowChosenFile('certificate', keyFile);
    assert.deepEqual(await host.apply(given), {
      ok: false,
      setting: 'tlsKeyFile',
      message: `${keyFile} was not chosen with the Choose… button`,
    });
    const before = host.station;
    assert.ok(before, 'still serving on the previous settings');
    assert.equal(before.tlsPort, null);

    host.allowChosenFile('key', keyFile);
    const on = await host.apply(given);
    assert.ok(on.ok, JSON.stringify(on));
    const serving = host.station;
    assert.ok(serving);
    const tlsPort = serving.tlsPort;
    assert.ok(tlsPort);
    assert.equal(host.pageUrl(), `https://127.0.0.1:${tlsPort}/`);
    const leaf = new X509Certificate(issued.chainPem);
    assert.equal(host.servedCertificateFingerprint(), leaf.fingerprint256);
    assert.equal(
      certificateVerdict(
        { hostname: '127.0.0.1', certificate: { data: leaf.toString() } },
        host.servedCertificateFingerprint(),
      ),
      ACCEPT_CERTIFICATE,
    );
    const tls = host.config().tls;
    assert.ok(tls);
    assert.equal(tls.source, 'given');
    assert.deepEqual(tls.caUrls, [], 'no CA of the station to install');
    assert.equal(tls.caFingerprint256, null);
    assert.deepEqual(tls.names, ['devbox.local']);
    assert.equal(tls.notAfter, new Date(leaf.validTo).toISOString());
    // A device that trusts the company CA gets the whole chain and verifies the name.
    assert.equal(await servedTo(tlsPort, companyCa.rootPem, 'devbox.local'), leaf.fingerprint256);

    // Files that cannot be used: refused by the field they are about, the station serving on.
    const other = await writeGivenCertificate(folder, ['devbox.local'], { name: 'other', ca: companyCa });
    host.allowChosenFile('key', other.keyFile);
    assert.deepEqual(await host.apply({ ...given, tlsKeyFile: other.keyFile }), {
      ok: false,
      setting: 'tlsKeyFile',
      message: `wss:// could not start: ${other.keyFile} is not the key of the certificate in ${certFile}.`,
    });
    const expired = await writeGivenCertificate(folder, ['devbox.local'], {
      name: 'expired',
      ca: companyCa,
      now: new Date('2020-01-01T00:00:00Z'),
    });
    host.allowChosenFile('certificate', expired.certFile);
    host.allowChosenFile('key', expired.keyFile);
    assert.deepEqual(await host.apply({ ...given, tlsCertFile: expired.certFile, tlsKeyFile: expired.keyFile }), {
      ok: false,
      setting: 'tlsCertFile',
      message: `wss:// could not start: The certificate in ${expired.certFile} expired on 2020-01-31T00:00:00.000Z.`,
    });
    assert.equal(host.servedCertificateFingerprint(), leaf.fingerprint256, 'the chosen certificate still served');
    assert.equal(host.currentSettings.tlsCertFile, certFile);

    // Renewed in place (as mkcert does): applying the same settings serves the new one.
    const renewed = await writeGivenCertificate(folder, ['devbox.local', 'localhost'], { ca: companyCa });
    const reapplied = await host.apply(given);
    assert.ok(reapplied.ok && reapplied.restarted, JSON.stringify(reapplied));
    assert.equal(host.servedCertificateFingerprint(), new X509Certificate(renewed.issued.chainPem).fingerprint256);
    // Damaged in place: refused by its field, and the certificate served goes on being served.
    writeFileSync(certFile, 'not a certificate');
    assert.deepEqual(await host.apply(given), {
      ok: false,
      setting: 'tlsCertFile',
      message: `wss:// could not start: ${certFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----).`,
    });
    assert.equal(host.servedCertificateFingerprint(), new X509Certificate(renewed.issued.chainPem).fingerprint256);

    // The file gone by the next launch: the window is told why, and which setting it is about.
    rmSync(certFile);
    await host.stop();
    await host.start();
    assert.deepEqual(host.status(), {
      running: false,
      error: `wss:// could not start: Cannot read the certificate file ${certFile} (ENOENT).`,
      setting: 'tlsCertFile',
    });
  });

  // Without its deadline the probe would never settle: the test's own timeout turns that into a failure.
  it(
    'gives up on a loopback page that holds the pinned certificate but never finishes its answer',
    { timeout: 10_000 },
    async (t) => {
      const folder = tempFolder(t, 'probe-deadline');
      const { issued } = await writeGivenCertificate(folder, ['127.0.0.1']);
      // It answers with headers, then a byte a second for ever: the probe must still end.
      const trickling = createHttpsServer({ cert: issued.chainPem, key: issued.keyPem }, (_request, response) => {
        response.writeHead(200);
        const drip = setInterval(() => response.write('.'), 1000);
        response.on('close', () => clearInterval(drip));
      });
      trickling.listen(0, '127.0.0.1');
      await once(trickling, 'listening');
      t.after(() => {
        trickling.closeAllConnections();
        trickling.close();
      });
      const port = (trickling.address() as AddressInfo).port;
      assert.equal(await answersOnLoopback({ answeredProbe: () => false }, port, issued.chainPem), false);
    },
  );
});

/** The SHA-256 of the certificate a client trusting `caPem` is served on the port, the name checked. */
function servedTo(port: number, caPem: string, servername: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ port, host: '127.0.0.1', servername, ca: caPem }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.on('error', reject);
  });
}

describe("the window's own station, not another program on its port", () => {
  it('tells its own station on 127.0.0.1 from another program answering there', async (t) => {
    const host = new StationHost({ ...DEFAULT_SETTINGS, port: 0, lanAccess: true }, '1.2.3');
    t.after(() => host.stop());
    await host.start();
    const station = host.station;
    assert.ok(station);
    assert.ok(station.port !== null);
    assert.equal(await answersOnLoopback(station, station.port), true);
    assert.match(host.pageUrl() ?? '', /^http:\/\/127\.0\.0\.1:\d+\/$/);

    // Another program on 127.0.0.1 (as macOS and Windows allow beside a wildcard bind): it
    // answers the probe, as any server would, but the nonce never reaches this station.
    const impostor = createHttpServer((_request, response) => response.writeHead(204).end());
    impostor.listen(0, '127.0.0.1');
    await once(impostor, 'listening');
    t.after(() => impostor.close());
    const impostorPort = (impostor.address() as AddressInfo).port;
    assert.equal(await answersOnLoopback(station, impostorPort), false);
    // Nothing listening at all: not this station either.
    impostor.close();
    await once(impostor, 'close');
    assert.equal(await answersOnLoopback(station, impostorPort), false);
  });

  it('notes each probe nonce once, and refuses a malformed one', async (t) => {
    const host = new StationHost({ ...DEFAULT_SETTINGS, port: 0, lanAccess: false }, '1.2.3');
    t.after(() => host.stop());
    await host.start();
    const station = host.station;
    assert.ok(station);
    const probe = (nonce: string) => fetch(`http://127.0.0.1:${station.port}/api/probe?nonce=${nonce}`);
    assert.equal((await probe('not-hex')).status, 400);
    const nonce = 'a'.repeat(32);
    assert.equal((await probe(nonce)).status, 204);
    assert.equal(station.answeredProbe(nonce), true);
    assert.equal(station.answeredProbe(nonce), false, 'used up');
  });
});

describe('window rules (plain functions)', () => {
  it('let the window show only its own pages', () => {
    const own = ['http://127.0.0.1:3000/', 'file:///app/dist/renderer/index.html'];
    assert.equal(isOwnPage('http://127.0.0.1:3000/?lang=en', own), true);
    assert.equal(isOwnPage('file:///app/dist/renderer/index.html#x', own), true);
    assert.equal(isOwnPage('http://127.0.0.1:3001/', own), false);
    assert.equal(isOwnPage('http://localhost:3000/', own), false);
    assert.equal(isOwnPage('file:///etc/passwd', own), false);
    assert.equal(isOwnPage('not a url', own), false);
  });

  it('open only http(s) links outside', () => {
    assert.equal(externalLink('https://github.com/x'), 'https://github.com/x');
    assert.equal(externalLink('http://192.168.1.20:3000/'), 'http://192.168.1.20:3000/');
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'nonsense']) {
      assert.equal(externalLink(url), null, url);
    }
  });
});

describe('preload bridge (mocked ipcRenderer)', () => {
  const config = sampleDesktopConfig();

  function mockIpcRenderer(configAnswer: unknown) {
    const calls: unknown[][] = [];
    const listeners = new Map<string, (...args: unknown[]) => void>();
    const ipc = {
      sendSync: (...args: unknown[]) => (calls.push(['sendSync', ...args]), configAnswer),
      invoke: (...args: unknown[]) => (calls.push(['invoke', ...args]), Promise.resolve(null)),
      on: (channel: string, listener: (...args: unknown[]) => void) => (listeners.set(channel, listener), ipc),
      removeListener: (channel: string) => (listeners.delete(channel), ipc),
    };
    return { ipc: ipc as unknown as IpcRendererLike, calls, listeners };
  }

  it('exposes exactly the documented, frozen object, each function one IPC message', async () => {
    const { ipc, calls, listeners } = mockIpcRenderer(config);
    const bridge = createBridge(ipc);
    assert.ok(bridge);
    assert.deepEqual(Object.keys(bridge).sort(), BRIDGE_KEYS);
    assert.deepEqual(bridge.config, config);
    assert.ok(Object.isFrozen(bridge) && Object.isFrozen(bridge.config) && Object.isFrozen(bridge.config.lanUrls));
    assert.deepEqual(calls, [['sendSync', IpcChannel.getConfig]]);

    await bridge.getSettings();
    await bridge.saveSettings(DEFAULT_SETTINGS);
    await bridge.chooseTlsFile('key', 'Choose the private key file');
    await bridge.copyText('hello');
    const send = { target: 'all', message: { binary: false, text: 'hi' } } as const;
    const close = { peerId: 3, code: 4000, reason: 'bye' };
    await bridge.peerTraffic(3);
    await bridge.sendToPeers(send);
    await bridge.closePeer(close);
    const tried = { text: '{"path":"/a"}', message: send.message, state: 'start' };
    await bridge.getEndpoints();
    await bridge.checkEndpoints(['{}']);
    await bridge.applyEndpoints(['{}']);
    await bridge.tryEndpoint(tried);
    assert.deepEqual(calls.slice(1), [
      ['invoke', IpcChannel.getSettings],
      ['invoke', IpcChannel.saveSettings, DEFAULT_SETTINGS],
      ['invoke', IpcChannel.chooseTlsFile, 'key', 'Choose the private key file'],
      ['invoke', IpcChannel.copyText, 'hello'],
      ['invoke', IpcChannel.peerTraffic, 3],
      ['invoke', IpcChannel.sendToPeers, send],
      ['invoke', IpcChannel.closePeer, close],
      ['invoke', IpcChannel.getEndpoints],
      ['invoke', IpcChannel.checkEndpoints, ['{}']],
      ['invoke', IpcChannel.applyEndpoints, ['{}']],
      ['invoke', IpcChannel.tryEndpoint, tried],
    ]);

    const seen: unknown[] = [];
    const stop = bridge.onStatus((status) => seen.push(status));
    listeners.get(IpcChannel.status)?.(
      { sender: 'the IPC event, which must not reach the page' },
      { running: false, error: 'x' },
    );
    assert.deepEqual(seen, [{ running: false, error: 'x' }]);
    stop();
    assert.equal(listeners.has(IpcChannel.status), false);
  });

  it('exposes nothing when the main process refuses the page', () => {
    assert.equal(createBridge(mockIpcRenderer(null).ipc), null);
  });
});
