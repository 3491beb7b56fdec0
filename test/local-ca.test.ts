/**
 * The local CA and the server certificates it issues, checked the way devices check them: by
 * OpenSSL (`openssl verify`, as Android and Linux do) and by Node's TLS client against a real
 * HTTPS server, with verification on.
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { webcrypto } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as x509 from '@peculiar/x509';
import { get, createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { CA_FILES, CaFolderError, ensureLocalCa } from '../main/station/tls/ca-folder';
import { createLocalCa, KEY_ALGORITHM, PERMITTED_RANGES, SIGNING, type LocalCa } from '../main/station/tls/local-ca';
import { intermediateSigningKey, issueServerCertificate } from '../main/station/tls/server-certificate';
import { tempFolder } from './helpers/temp-folder';

/** `openssl verify` of a leaf against the root, the intermediate given as untrusted: its last line. */
function opensslVerify(t: TestContext, ca: LocalCa, leafPem: string, options: string[] = []): string {
  const folder = tempFolder(t, 'openssl');
  const write = (name: string, pem: string) => {
    const path = join(folder, name);
    writeFileSync(path, pem);
    return path;
  };
  const args = [
    'verify',
    ...options,
    '-CAfile',
    write('root.pem', ca.rootPem),
    '-untrusted',
    write('int.pem', ca.intermediatePem),
  ];
  try {
    return execFileSync('openssl', [...args, write('leaf.pem', leafPem)], { stdio: 'pipe' })
      .toString()
      .trim();
  } catch (error) {
    return String((error as { stdout?: Buffer }).stdout ?? '') + String((error as { stderr?: Buffer }).stderr ?? '');
  }
}

const leafOf = (chainPem: string) => `${chainPem.split(/(?<=-----END CERTIFICATE-----)/)[0]?.trim()}\n`;

function text(pem: string): string {
  return execFileSync('openssl', ['x509', '-noout', '-text'], { input: pem }).toString();
}

describe('the local CA', () => {
  it('vouches for localhost, .local names and private addresses, and for nothing else', async (t) => {
    const ca = await createLocalCa('WS Station');
    const lan = await issueServerCertificate(ca, ['localhost', 'station.local', '127.0.0.1', '192.168.1.20', '::1']);
    assert.match(opensslVerify(t, ca, leafOf(lan.chainPem)), /: OK$/);
    // What someone holding the intermediate's key could sign: refused by the constraints.
    for (const name of ['example.com', 'localhost.example.com', '8.8.8.8', '2001:4860:4860::8888']) {
      const outside = await issueServerCertificate(ca, [name]);
      assert.match(opensslVerify(t, ca, leafOf(outside.chainPem)), /permitted subtree violation/, name);
    }
  });

  it('puts the constraints, critical, on the root and the intermediate; only the intermediate signs leaves', async () => {
    const ca = await createLocalCa('WS Station');
    for (const pem of [ca.rootPem, ca.intermediatePem]) {
      const described = text(pem);
      assert.match(
        described,
        /X509v3 Name Constraints: critical\s+Permitted:\s+email:invalid\s+DNS:localhost\s+DNS:local\s/,
      );
      // Server authentication is all the chain may be used for, in the stores that read a CA's EKU.
      assert.match(described, /X509v3 Extended Key Usage: \n\s+TLS Web Server Authentication\n/);
      assert.match(described, /IP:192\.168\.0\.0\/255\.255\.0\.0/);
      assert.match(described, /IP:FC00:0:0:0:0:0:0:0\/FE00:0:0:0:0:0:0:0/);
      assert.equal(described.match(/IP:/g)?.length, PERMITTED_RANGES.length);
      assert.match(described, /Certificate Sign, CRL Sign/);
    }
    assert.match(text(ca.rootPem), /CA:TRUE, pathlen:1/);
    assert.match(text(ca.intermediatePem), /CA:TRUE, pathlen:0/);
    // The root's key was never exported: the only private key there is is the intermediate's.
    assert.equal(
      Object.keys(ca)
        .filter((key) => /key/i.test(key))
        .join(),
      'intermediateKeyPem',
    );
  });

  it('issues a short-lived server certificate that a TLS client verifies against the root', async (t) => {
    const ca = await createLocalCa('WS Station');
    const now = new Date('2026-12-04T08:00:00Z');
    const issued = await issueServerCertificate(ca, ['localhost', '127.0.0.1'], now);
    const described = text(leafOf(issued.chainPem));
    assert.match(described, /Not Before: Dec {2}4 07:00:00 2026 GMT/, 'backdated an hour for clocks that lag');
    assert.match(described, /Not After : Jan {2}3 08:00:00 2027 GMT/);
    assert.match(described, /TLS Web Server Authentication/);
    assert.match(described, /DNS:localhost, IP Address:127\.0\.0\.1/);
    assert.match(described, /CA:FALSE/);

    const current = await issueServerCertificate(ca, ['localhost', '127.0.0.1']);
    const server = createServer({ cert: current.chainPem, key: current.keyPem }, (_request, response) =>
      response.end('over TLS'),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => server.close());
    const { port } = server.address() as AddressInfo;
    const fetched = (servername: string) =>
      new Promise<string>((resolve, reject) => {
        get({ host: '127.0.0.1', port, ca: ca.rootPem, servername, path: '/' }, (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () => resolve(body));
        }).on('error', reject);
      });
    assert.equal(await fetched('localhost'), 'over TLS');
    await assert.rejects(fetched('elsewhere.local'), /Hostname\/IP does not match certificate's altnames/);
  });

  it('cannot vouch for e-mail even with its key, and is valid from a day before it was made', async (t) => {
    const now = new Date('2026-12-04T08:00:00Z');
    const ca = await createLocalCa('WS Station', now);
    assert.match(text(ca.rootPem), /Not Before: Dec {2}3 08:00:00 2026 GMT/, 'for devices whose clock lags');
    // What someone holding the intermediate's key could sign: an S/MIME certificate for anyone.
    const signingKey = await intermediateSigningKey(ca);
    const keys = await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
    const smime = await x509.X509CertificateGenerator.create({
      serialNumber: '01',
      subject: 'CN=ceo',
      issuer: new x509.X509Certificate(ca.intermediatePem).subject,
      notBefore: now,
      notAfter: new Date(now.getTime() + 86_400_000),
      publicKey: keys.publicKey,
      signingKey,
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.emailProtection]),
        new x509.SubjectAlternativeNameExtension([{ type: 'email', value: 'ceo@bank.example' }]),
      ],
    });
    const verdict = opensslVerify(t, ca, smime.toString('pem'), ['-purpose', 'smimesign', '-attime', '1796457600']);
    assert.doesNotMatch(verdict, /: OK$/);
    assert.match(verdict, /permitted subtree violation|unsupported certificate purpose/);
  });

  it('is made once in its folder, its key readable by the owner only, and refuses a folder with half a CA', async (t) => {
    const folder = join(tempFolder(t, 'tls'), 'ca');
    const made = await ensureLocalCa(folder, 'WS Station');
    assert.equal(statSync(join(folder, CA_FILES.intermediateKey)).mode & 0o777, 0o600);
    const again = await ensureLocalCa(folder, 'WS Station');
    assert.deepEqual(again, made, 'the same CA at the next start');

    const half = tempFolder(t, 'tls-half');
    writeFileSync(join(half, CA_FILES.root), made.rootPem);
    await assert.rejects(ensureLocalCa(half, 'WS Station'), CaFolderError);
    await assert.rejects(ensureLocalCa(half, 'WS Station'), /move the folder aside to make a new CA/);
  });

  it('refuses a folder whose files do not fit together, in words', async (t) => {
    const made = await createLocalCa('WS Station');
    const other = await createLocalCa('Other');
    const cases: [Partial<LocalCa>, RegExp][] = [
      [{ rootPem: 'truncated' }, /ca\.crt or intermediate\.crt is not a PEM certificate/],
      [{ intermediateKeyPem: 'not a key' }, /intermediate\.key is not a PEM private key/],
      [{ intermediateKeyPem: other.intermediateKeyPem }, /intermediate\.key is not the intermediate's key/],
      [{ rootPem: other.rootPem }, /ca\.crt did not sign intermediate\.crt/],
    ];
    for (const [changed, message] of cases) {
      const folder = tempFolder(t, 'tls-mixed');
      const files = { ...made, ...changed };
      writeFileSync(join(folder, CA_FILES.root), files.rootPem);
      writeFileSync(join(folder, CA_FILES.intermediate), files.intermediatePem);
      writeFileSync(join(folder, CA_FILES.intermediateKey), files.intermediateKeyPem);
      await assert.rejects(ensureLocalCa(folder, 'WS Station'), (error: Error) => {
        assert.ok(error instanceof CaFolderError);
        assert.match(error.message, message);
        assert.match(error.message, /move the folder aside to make a new CA$/);
        return true;
      });
    }
  });

  it('is made once when two stations start on an empty folder at the same moment', async (t) => {
    const folder = join(tempFolder(t, 'tls-race'), 'ca');
    const [first, second] = await Promise.all([
      ensureLocalCa(folder, 'WS Station'),
      ensureLocalCa(folder, 'WS Station'),
    ]);
    assert.equal(second.rootPem, first.rootPem, 'both use the CA that was moved in');
    assert.equal(readFileSync(join(folder, CA_FILES.root), 'utf8'), first.rootPem);
    assert.deepEqual(readdirSync(join(folder, '..')), ['ca'], 'nothing left aside');
  });
});
