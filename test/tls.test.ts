/**
 * wss:// and https:// beside ws:// (issue 24): clients that trust only the station's local CA
 * (verification always on), the CA kept across restarts, a given certificate served as it is,
 * and what the TLS port does with connections that never become TLS.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { connect as tcpConnect } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { connect as tlsConnect, type DetailedPeerCertificate } from 'node:tls';
import { WebSocket } from 'ws';
import { CA_CERTIFICATE_PATH } from '../common/protocol';
import { LIMITS, parseStationConfig } from '../main/station/config';
import { startStation, type Station } from '../main/station/station';
import { CA_FILES } from '../main/station/tls/ca-folder';
import { createLocalCa } from '../main/station/tls/local-ca';
import { issueServerCertificate } from '../main/station/tls/server-certificate';
import { certificateNames, givenTls, localCaTls, subjectNames, type StationTls } from '../main/station/tls/station-tls';
import { runToExit, startCli } from './helpers/cli';
import { closed, openClient } from './helpers/client';
import { tempFolder } from './helpers/temp-folder';
import { waitFor } from './helpers/wait';

const NAME = 'WS Station';

async function startTlsStation(t: TestContext, tls: StationTls, settings: Record<string, unknown> = {}) {
  const station = await startStation(
    parseStationConfig({ host: '127.0.0.1', port: 0, tlsPort: 0, tickMs: 100, ...settings }),
    { tls },
  );
  t.after(() => station.close());
  assert.ok(station.tlsPort !== null);
  return { station, tlsPort: station.tlsPort };
}

const wssUrl = (port: number, host = '127.0.0.1') => `wss://${host}:${port}/websocket/test`;

/** Greeting, a tick and the echo of what was sent, over a connection that verified the station. */
async function session(url: string, ca: string | Buffer, options: { origin?: string } = {}) {
  const client = await openClient(url, [], { ca, ...options });
  const greeting = await client.inbox.next();
  const tick = await client.inbox.nextMatching((message) => /^[01]\.\d\d$/.test(message.data.toString()));
  client.socket.send('over TLS');
  const echo = await client.inbox.nextMatching((message) => message.data.toString() === 'over TLS');
  client.socket.close(1000);
  return { greeting: greeting.data.toString(), tick: tick.data.toString(), echo: echo.data.toString() };
}

function fetchBody(url: string, ca?: string): Promise<{ response: IncomingMessage; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const onResponse = (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ response, body: Buffer.concat(chunks) }));
    };
    const request = url.startsWith('https:') ? httpsGet(url, { ca }, onResponse) : httpGet(url, onResponse);
    request.on('error', reject);
  });
}

/** The certificate a TLS client is shown on `port`, the chain as sent. */
function servedCertificate(port: number, ca: string, servername = 'localhost'): Promise<DetailedPeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ port, host: '127.0.0.1', ca, servername }, () => {
      resolve(socket.getPeerCertificate(true));
      socket.end();
    });
    socket.on('error', reject);
  });
}

/** `openssl s_client` to the port, standard input closed at once; what it printed on standard error. */
function opensslClient(port: number, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    const client = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, ...args]);
    let said = '';
    client.stderr.on('data', (chunk: Buffer) => (said += chunk.toString()));
    client.stdout.resume();
    client.stdin.end();
    client.on('close', () => resolve(said));
  });
}

const refusedConnections = (station: Station) => station.status().totals.refusedConnections;

describe('wss:// with the local CA', () => {
  it('gives a client that trusts only the CA greeting, ticks and echo, on its own port beside ws://', async (t) => {
    const folder = tempFolder(t, 'tls');
    const { station, tlsPort } = await startTlsStation(t, await localCaTls(folder, '127.0.0.1', NAME));
    const rootPem = readFileSync(join(folder, CA_FILES.root), 'utf8');

    const overTls = await session(wssUrl(tlsPort), rootPem);
    assert.equal(overTls.greeting, '连接成功');
    assert.match(overTls.tick, /^[01]\.\d\d$/);
    assert.equal(overTls.echo, 'over TLS');
    // The plain port serves as before.
    const plain = await session(`ws://127.0.0.1:${station.port}/websocket/test`, rootPem);
    assert.equal(plain.echo, 'over TLS');
    // By name as well as by address: the certificate names localhost.
    assert.equal((await session(wssUrl(tlsPort, 'localhost'), rootPem)).greeting, '连接成功');

    const { tls, websocketUrls } = station.status().station;
    assert.deepEqual(websocketUrls, [`ws://127.0.0.1:${station.port}/websocket/test`, wssUrl(tlsPort)]);
    assert.ok(tls);
    assert.equal(tls.port, tlsPort);
    assert.equal(tls.source, 'local-ca');
    assert.deepEqual(tls.names, ['localhost', '127.0.0.1', '::1']);
    assert.equal(tls.caFingerprint256, new X509Certificate(rootPem).fingerprint256);
    // Issued from the intermediate, sent with it: a client with only the root can build the chain.
    const served = await servedCertificate(tlsPort, rootPem);
    assert.equal(served.issuer.CN, `${NAME} local intermediate CA`);
    assert.equal(served.issuerCertificate.subject.CN, `${NAME} local intermediate CA`);
    assert.equal(served.issuerCertificate.issuer.CN, `${NAME} local CA`);
  });

  it('is refused by a client that does not trust the CA, and the station counts the refusals it is told of', async (t) => {
    const folder = tempFolder(t, 'tls');
    const { station, tlsPort } = await startTlsStation(t, await localCaTls(folder, '127.0.0.1', NAME));
    // Node's client checks the chain after the handshake and just closes: nothing to count.
    const socket = new WebSocket(wssUrl(tlsPort));
    const error = await new Promise<Error & { code?: string }>((resolve) => socket.once('error', resolve));
    assert.equal(error.code, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
    // OpenSSL's (and BoringSSL's, in Android and Chromium) refuses within the handshake with an alert.
    const otherCa = await createLocalCa('Another');
    const otherRoot = join(folder, 'other-root.pem');
    writeFileSync(otherRoot, otherCa.rootPem);
    const opensslSays = await opensslClient(tlsPort, ['-verify_return_error', '-CAfile', otherRoot]);
    assert.match(opensslSays, /unable to get local issuer certificate/);
    await waitFor('the refusal counted', () => refusedConnections(station)['tls-certificate-refused'] === 1);
  });

  it('serves the CA certificate for devices to install, on the plain port and the TLS port', async (t) => {
    const folder = tempFolder(t, 'tls');
    const { station, tlsPort } = await startTlsStation(t, await localCaTls(folder, '127.0.0.1', NAME));
    const rootPem = readFileSync(join(folder, CA_FILES.root), 'utf8');
    for (const url of [
      `http://127.0.0.1:${station.port}${CA_CERTIFICATE_PATH}`,
      `https://localhost:${tlsPort}${CA_CERTIFICATE_PATH}`,
    ]) {
      const { response, body } = await fetchBody(url, rootPem);
      assert.equal(response.statusCode, 200, url);
      assert.equal(response.headers['content-type'], 'application/x-x509-ca-cert');
      assert.match(response.headers['content-disposition'] ?? '', /^attachment; filename="WS-Station-CA\.crt"$/);
      // DER, the very root in the folder.
      assert.equal(new X509Certificate(body).fingerprint256, new X509Certificate(rootPem).fingerprint256);
    }
  });

  it('keeps its CA across restarts: a device that trusted it once still connects', async (t) => {
    const folder = tempFolder(t, 'tls');
    const first = await startTlsStation(t, await localCaTls(folder, '127.0.0.1', NAME));
    const trustedOnce = readFileSync(join(folder, CA_FILES.root), 'utf8');
    const firstLeaf = await servedCertificate(first.tlsPort, trustedOnce);
    await first.station.close();

    const second = await startTlsStation(t, await localCaTls(folder, '127.0.0.1', NAME));
    assert.equal(
      second.station.status().station.tls?.caFingerprint256,
      new X509Certificate(trustedOnce).fingerprint256,
    );
    const secondLeaf = await servedCertificate(second.tlsPort, trustedOnce);
    assert.notEqual(secondLeaf.fingerprint256, firstLeaf.fingerprint256, 'a new server certificate at each start');
    assert.equal((await session(wssUrl(second.tlsPort), trustedOnce)).echo, 'over TLS');
  });

  it("takes pages from its own https:// origin, and refuses the same host's other origins", async (t) => {
    const folder = tempFolder(t, 'tls');
    const { station, tlsPort } = await startTlsStation(t, await localCaTls(folder, '127.0.0.1', NAME));
    const rootPem = readFileSync(join(folder, CA_FILES.root), 'utf8');
    assert.equal(
      (await session(wssUrl(tlsPort), rootPem, { origin: `https://127.0.0.1:${tlsPort}` })).echo,
      'over TLS',
    );
    assert.equal(
      (await session(wssUrl(tlsPort), rootPem, { origin: `https://localhost:${tlsPort}` })).echo,
      'over TLS',
    );
    for (const origin of [`http://127.0.0.1:${tlsPort}`, `https://127.0.0.1:${station.port}`, 'https://example.com']) {
      const socket = new WebSocket(wssUrl(tlsPort), { ca: rootPem, origin });
      const status = await new Promise<number>((resolve) =>
        socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0)),
      );
      assert.equal(status, 403, origin);
    }
  });
});

describe('the names a certificate from the local CA carries', () => {
  it('are localhost, loopback and the served addresses the CA may vouch for; never a public one', () => {
    assert.deepEqual(certificateNames('127.0.0.1'), ['localhost', '127.0.0.1', '::1']);
    assert.deepEqual(certificateNames('192.168.1.20'), ['localhost', '127.0.0.1', '::1', '192.168.1.20']);
    // A station bound to a public address still gets a certificate its CA can issue validly.
    assert.deepEqual(certificateNames('8.8.8.8'), ['localhost', '127.0.0.1', '::1']);
    const everywhere = certificateNames('0.0.0.0');
    for (const name of everywhere) assert.match(name, /^(localhost|[a-z0-9.-]+\.local|[\d.]+|[\da-f:]+)$/, name);
    const bare = hostname().toLowerCase();
    if (bare !== 'localhost' && !bare.endsWith('.local')) assert.ok(!everywhere.includes(bare), 'no bare host name');
  });
});

describe('a long-running station', () => {
  it('renews its certificate before it runs out, keeping its peers, and the window follows the new one', async (t) => {
    const folder = tempFolder(t, 'tls');
    const issued = await localCaTls(folder, '127.0.0.1', NAME);
    const renewals: StationTls[] = [];
    // As if issued long ago: three seconds left, so it is renewed two seconds in.
    const ageing: StationTls = {
      ...issued,
      info: { ...issued.info, notAfter: new Date(Date.now() + 3000).toISOString() },
      renew: async () => {
        const fresh = await localCaTls(folder, '127.0.0.1', NAME);
        renewals.push(fresh);
        return fresh;
      },
    };
    const { station, tlsPort } = await startTlsStation(t, ageing);
    const rootPem = readFileSync(join(folder, CA_FILES.root), 'utf8');
    const before = await servedCertificate(tlsPort, rootPem);
    assert.equal(before.fingerprint256, new X509Certificate(issued.certificatePem).fingerprint256);
    const peer = await openClient(wssUrl(tlsPort), [], { ca: rootPem });
    await waitFor('the renewal', () => renewals.length === 1, 5000);
    const [fresh] = renewals;
    assert.ok(fresh);
    const after = await servedCertificate(tlsPort, rootPem);
    assert.equal(after.fingerprint256, new X509Certificate(fresh.certificatePem).fingerprint256);
    assert.notEqual(after.fingerprint256, before.fingerprint256);
    assert.equal(station.servedCertificate(), fresh.certificatePem);
    assert.equal(station.status().station.tls?.notAfter, fresh.info.notAfter);
    // The peer connected before the renewal is still served.
    peer.socket.send('still here');
    await peer.inbox.nextMatching((message) => message.data.toString() === 'still here');
    peer.socket.close(1000);
    await closed(peer.socket);
  });
});

describe('the TLS port under hostile input', () => {
  it('drops garbage, plain HTTP and a TLS handshake flood, and keeps serving its peer', async (t) => {
    const folder = tempFolder(t, 'tls');
    const { station, tlsPort } = await startTlsStation(t, await localCaTls(folder, '127.0.0.1', NAME));
    const rootPem = readFileSync(join(folder, CA_FILES.root), 'utf8');
    const bystander = await openClient(wssUrl(tlsPort), [], { ca: rootPem });
    const echoes = async (text: string) => {
      bystander.socket.send(text);
      await bystander.inbox.nextMatching((message) => message.data.toString() === text);
    };

    const closedAfterSending = (bytes: Buffer | string) =>
      new Promise<string>((resolve) => {
        const socket = tcpConnect(tlsPort, '127.0.0.1', () => socket.write(bytes));
        let answer = '';
        socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
        socket.on('error', () => undefined);
        socket.on('close', () => resolve(answer));
      });
    // Plain HTTP to the TLS port: nothing in plain text comes back, the connection is closed.
    const plainAnswer = await closedAfterSending('GET /websocket/test HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    assert.doesNotMatch(plainAnswer, /HTTP\/1\.1/);
    await echoes('after plain HTTP');
    // Random bytes where a ClientHello should be.
    await closedAfterSending(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0xde, 0xad, 0xbe, 0xef, 0x00]));
    await closedAfterSending(Buffer.alloc(512, 0xff));
    await echoes('after garbage');

    // 200 handshakes at once, each closed as soon as it completes.
    const handshakes = Array.from(
      { length: 200 },
      () =>
        new Promise<boolean>((resolve) => {
          const socket = tlsConnect({ port: tlsPort, host: '127.0.0.1', ca: rootPem }, () => {
            socket.destroy();
            resolve(true);
          });
          socket.on('error', () => resolve(false));
        }),
    );
    await echoes('during the flood');
    assert.equal((await Promise.all(handshakes)).filter(Boolean).length, 200, 'every handshake of the flood completed');
    await echoes('after the flood');

    await waitFor('the failures counted', () => {
      const refused = refusedConnections(station);
      return refused['tls-plain-http'] === 1 && refused['tls-failed'] === 2;
    });
    assert.equal(station.peers.size, 1);
    bystander.socket.close(1000);
    await closed(bystander.socket);
  });

  it(`drops a connection whose TLS handshake is not done within ${LIMITS.tlsHandshakeTimeoutMs / 1000} s, and one that idles as long after`, async (t) => {
    const folder = tempFolder(t, 'tls');
    const { station, tlsPort } = await startTlsStation(t, await localCaTls(folder, '127.0.0.1', NAME));
    const lifetime = (firstBytes: Buffer | null) =>
      new Promise<number>((resolve) => {
        const openedAt = Date.now();
        const socket = tcpConnect(tlsPort, '127.0.0.1', () => {
          if (firstBytes !== null) socket.write(firstBytes);
        });
        socket.on('error', () => undefined);
        socket.on('close', () => resolve(Date.now() - openedAt));
      });
    // Silent once its TLS handshake is done, and silent on the plain port: closed when idle as long.
    const rootPem = readFileSync(join(folder, CA_FILES.root), 'utf8');
    const idleAfterHandshake = new Promise<number>((resolve, reject) => {
      const openedAt = Date.now();
      const socket = tlsConnect({ port: tlsPort, host: '127.0.0.1', ca: rootPem });
      socket.on('error', reject);
      socket.on('close', () => resolve(Date.now() - openedAt));
    });
    const idlePlain = new Promise<number>((resolve) => {
      const openedAt = Date.now();
      const socket = tcpConnect(station.port ?? 0, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(Date.now() - openedAt));
    });
    // One says nothing at all; one starts a ClientHello record and stalls in it.
    const [silent, stalled, idleTls, idleHttp] = await Promise.all([
      lifetime(null),
      lifetime(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00])),
      idleAfterHandshake,
      idlePlain,
    ]);
    for (const lived of [silent, stalled]) {
      assert.ok(lived >= LIMITS.tlsHandshakeTimeoutMs - 50, `dropped after ${lived} ms, not before the deadline`);
      assert.ok(lived < LIMITS.tlsHandshakeTimeoutMs + 5000, `dropped after ${lived} ms`);
    }
    for (const lived of [idleTls, idleHttp]) {
      assert.ok(
        lived >= LIMITS.idleConnectionTimeoutMs - 50,
        `closed after ${lived} ms, not before it idled that long`,
      );
      assert.ok(lived < LIMITS.idleConnectionTimeoutMs + 5000, `closed after ${lived} ms`);
    }
    assert.equal(refusedConnections(station)['tls-timeout'], 2);
  });
});

describe('a given certificate (--tls-cert, --tls-key)', () => {
  it('is served as it is, chain included, with no local CA to install', async (t) => {
    const folder = tempFolder(t, 'given');
    const companyCa = await createLocalCa('Company');
    const issued = await issueServerCertificate(companyCa, ['localhost', '127.0.0.1']);
    writeFileSync(join(folder, 'chain.pem'), issued.chainPem);
    writeFileSync(join(folder, 'key.pem'), issued.keyPem);
    const { station, tlsPort } = await startTlsStation(t, givenTls(join(folder, 'chain.pem'), join(folder, 'key.pem')));
    const served = await servedCertificate(tlsPort, companyCa.rootPem);
    assert.equal(served.fingerprint256, new X509Certificate(issued.chainPem).fingerprint256);
    assert.equal((await session(wssUrl(tlsPort), companyCa.rootPem)).echo, 'over TLS');
    const tls = station.status().station.tls;
    assert.ok(tls);
    assert.equal(tls.source, 'given');
    assert.equal(tls.caFingerprint256, null);
    assert.deepEqual(tls.names, ['localhost', '127.0.0.1']);
    const { response } = await fetchBody(`http://127.0.0.1:${station.port}${CA_CERTIFICATE_PATH}`);
    assert.equal(response.statusCode, 404);
  });
});

describe('what a given certificate is for, as the status and the Share panel say it', () => {
  /** A self-signed certificate made by OpenSSL, as people make their own: its PEM. */
  function opensslCertificate(folder: string, subject: string, extensions: string[]): string {
    const made = spawnSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      subject,
      ...extensions.flatMap((extension) => ['-addext', extension]),
      '-keyout',
      join(folder, 'key.pem'),
      '-out',
      join(folder, 'cert.pem'),
    ]);
    assert.equal(made.status, 0, made.stderr.toString());
    return readFileSync(join(folder, 'cert.pem'), 'utf8');
  }

  it('are its DNS names and addresses, in order, and nothing else it names', (t) => {
    const pem = opensslCertificate(tempFolder(t, 'names'), '/CN=Dev Box', [
      'subjectAltName=DNS:devbox.local,email:me@example.com,IP:192.168.1.20,URI:https://x.example/a,DNS:localhost,IP:fd00::1',
    ]);
    assert.deepEqual(subjectNames(new X509Certificate(pem)), ['devbox.local', '192.168.1.20', 'localhost', 'fd00::1']);
  });

  it('are its common name when it names nothing else', (t) => {
    const pem = opensslCertificate(tempFolder(t, 'names'), '/O=Company/CN=devbox.corp.example', []);
    assert.deepEqual(subjectNames(new X509Certificate(pem)), ['devbox.corp.example']);
  });
});

describe('ws-station --tls', () => {
  it('prints the wss:// addresses and the CA fingerprint, and serves them', async (t) => {
    const folder = tempFolder(t, 'cli-tls');
    const cli = startCli(t, ['--host', '127.0.0.1', '--port', '0', '--tls', '--tls-port', '0', '--tls-dir', folder]);
    const [, tlsPort = ''] = await cli.waitForOutput(/wss:\/\/127\.0\.0\.1:(\d+)\/websocket\/test/);
    const [, fingerprint = ''] = await cli.waitForOutput(/SHA-256 ([0-9A-F:]{95})/);
    const rootPem = readFileSync(join(folder, CA_FILES.root), 'utf8');
    assert.equal(fingerprint, new X509Certificate(rootPem).fingerprint256);
    assert.match(cli.output(), /install it once on each device: http:\/\/127\.0\.0\.1:\d+\/ca\.crt/);
    assert.equal((await session(wssUrl(Number(tlsPort)), rootPem)).greeting, '连接成功');
  });

  it('with --no-plain serves wss:// only', async (t) => {
    const folder = tempFolder(t, 'cli-tls');
    const cli = startCli(t, ['--host', '127.0.0.1', '--tls', '--tls-port', '0', '--no-plain', '--tls-dir', folder]);
    const [, tlsPort = ''] = await cli.waitForOutput(/wss:\/\/127\.0\.0\.1:(\d+)\/websocket\/test/);
    await cli.waitForOutput(/Press Ctrl\+C/);
    assert.doesNotMatch(cli.output(), /ws:\/\/|http:\/\//);
    const rootPem = readFileSync(join(folder, CA_FILES.root), 'utf8');
    assert.equal((await session(wssUrl(Number(tlsPort)), rootPem)).echo, 'over TLS');
  });

  it('refuses certificate files it cannot use, each in one line, with exit status 1', async (t) => {
    const folder = tempFolder(t, 'cli-given');
    const ca = await createLocalCa('Company');
    const current = await issueServerCertificate(ca, ['localhost']);
    const other = await issueServerCertificate(ca, ['localhost']);
    const expired = await issueServerCertificate(ca, ['localhost'], new Date('2020-01-01T00:00:00Z'));
    const file = (name: string, text: string) => {
      writeFileSync(join(folder, name), text);
      return join(folder, name);
    };
    const cases: [string[], RegExp][] = [
      [
        ['--tls-cert', join(folder, 'missing.pem'), '--tls-key', file('key.pem', current.keyPem)],
        /Cannot read the certificate file .*missing\.pem \(ENOENT\)\.$/,
      ],
      [
        ['--tls-cert', file('chain.pem', current.chainPem), '--tls-key', file('other.key', other.keyPem)],
        /other\.key is not the key of the certificate in .*chain\.pem\.$/,
      ],
      [
        ['--tls-cert', file('expired.pem', expired.chainPem), '--tls-key', file('expired.key', expired.keyPem)],
        /The certificate in .*expired\.pem expired on 2020-01-31T00:00:00\.000Z\.$/,
      ],
      [
        ['--tls-cert', file('garbage.pem', 'not a certificate'), '--tls-key', join(folder, 'key.pem')],
        /garbage\.pem holds no PEM certificate/,
      ],
      [
        ['--tls-cert', join(folder, 'chain.pem'), '--tls-key', file('garbage.key', 'not a key')],
        /garbage\.key holds no unencrypted PEM private key\.$/,
      ],
    ];
    for (const [args, message] of cases) {
      const run = runToExit(['--port', '0', '--host', '127.0.0.1', '--tls-port', '0', ...args]);
      assert.equal(run.status, 1, run.stderr);
      assert.equal(run.stdout, '');
      const lines = run.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, run.stderr);
      assert.match(lines[0] ?? '', message);
      assert.match(lines[0] ?? '', /^ws-station: /);
    }
  });

  it('refuses a chain it cannot serve, and takes a file holding the key and the chain together', async (t) => {
    const folder = tempFolder(t, 'cli-chain');
    const ca = await createLocalCa('Company');
    const issued = await issueServerCertificate(ca, ['localhost', '127.0.0.1']);
    const [leaf = ''] = issued.chainPem.split(/(?<=-----END CERTIFICATE-----)/);
    // A second certificate cut short: the first parses, the chain does not.
    const broken = `${leaf}\n-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIQ\n-----END CERTIFICATE-----\n`;
    writeFileSync(join(folder, 'broken.pem'), broken);
    writeFileSync(join(folder, 'key.pem'), issued.keyPem);
    const run = runToExit([
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--tls-port',
      '0',
      '--tls-cert',
      join(folder, 'broken.pem'),
      '--tls-key',
      join(folder, 'key.pem'),
    ]);
    assert.equal(run.status, 1, run.stderr);
    assert.equal(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /^ws-station: .*broken\.pem cannot be served \(/);

    // The key first, then the chain, in one file given as both.
    writeFileSync(join(folder, 'both.pem'), `${issued.keyPem.trim()}\n${issued.chainPem}`);
    const both = join(folder, 'both.pem');
    const cli = startCli(t, [
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--tls-port',
      '0',
      '--tls-cert',
      both,
      '--tls-key',
      both,
    ]);
    const [, tlsPort = ''] = await cli.waitForOutput(/wss:\/\/127\.0\.0\.1:(\d+)\/websocket\/test/);
    assert.equal((await session(wssUrl(Number(tlsPort)), ca.rootPem)).echo, 'over TLS');
  });

  it('refuses a CA folder whose files are damaged, in one line', (t) => {
    const folder = tempFolder(t, 'cli-damaged');
    for (const file of Object.values(CA_FILES)) writeFileSync(join(folder, file), 'cut short');
    const run = runToExit(['--port', '0', '--host', '127.0.0.1', '--tls', '--tls-port', '0', '--tls-dir', folder]);
    assert.equal(run.status, 1);
    assert.equal(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
    assert.match(
      run.stderr,
      /does not hold a usable CA \(ca\.crt or intermediate\.crt is not a PEM certificate\): move the folder aside/,
    );
  });

  it('refuses a half-made CA folder rather than making a new CA beside it', (t) => {
    const folder = tempFolder(t, 'cli-half');
    writeFileSync(join(folder, CA_FILES.root), 'left from an earlier CA');
    const run = runToExit(['--port', '0', '--host', '127.0.0.1', '--tls', '--tls-port', '0', '--tls-dir', folder]);
    assert.equal(run.status, 1);
    assert.match(
      run.stderr,
      /has ca\.crt but not all of ca\.crt, intermediate\.crt, intermediate\.key: move the folder aside/,
    );
    assert.equal(readFileSync(join(folder, CA_FILES.root), 'utf8'), 'left from an earlier CA');
  });

  it('says which flags go together (exit status 2)', () => {
    const keyless = runToExit(['--tls-cert', 'cert.pem']);
    assert.equal(keyless.status, 2);
    assert.match(keyless.stderr, /--tls-cert and --tls-key go together/);
    const plainless = runToExit(['--no-plain']);
    assert.equal(plainless.status, 2);
    assert.match(plainless.stderr, /--no-plain needs --tls/);
    const portless = runToExit(['--tls-port', '8443']);
    assert.equal(portless.status, 2);
    assert.match(portless.stderr, /--tls-port and --tls-dir need --tls/);
  });

  it('refuses a TLS port that is the plain port (exit status 2)', (t) => {
    const folder = tempFolder(t, 'cli-same-port');
    const same = runToExit([
      '--host',
      '127.0.0.1',
      '--port',
      '3999',
      '--tls',
      '--tls-port',
      '3999',
      '--tls-dir',
      folder,
    ]);
    assert.equal(same.status, 2, same.stderr);
    assert.equal(
      same.stderr,
      'ws-station: --tls-port 3999 is not allowed. Allowed: a port other than the plain port.\n',
    );
  });
});
