/**
 * The station's server certificate, issued by the local CA's intermediate at each start for the
 * names it serves under now (localhost, the host name, every address), so a new DHCP address
 * needs no new trust. Short-lived: a copied key is worth little for long.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';
import { KEY_ALGORITHM, randomSerial, SIGNING, type LocalCa } from './local-ca';

const DAY_MS = 24 * 60 * 60 * 1000;
export const SERVER_CERTIFICATE_LIFETIME_MS = 30 * DAY_MS;
/** Clocks of phones and laptops differ by minutes; a certificate valid only from now would fail them. */
const BACKDATE_MS = 60 * 60 * 1000;

export interface ServerCertificate {
  /** The server's certificate, then the intermediate: the chain a TLS server sends. */
  chainPem: string;
  keyPem: string;
}

/** The intermediate's key, ready to sign (not extractable again). */
export function intermediateSigningKey(ca: LocalCa): Promise<webcrypto.CryptoKey> {
  return webcrypto.subtle.importKey(
    'pkcs8',
    x509.PemConverter.decodeFirst(ca.intermediateKeyPem),
    KEY_ALGORITHM,
    false,
    ['sign'],
  );
}

export async function issueServerCertificate(
  ca: LocalCa,
  names: readonly string[],
  now: Date = new Date(),
): Promise<ServerCertificate> {
  const intermediate = new x509.X509Certificate(ca.intermediatePem);
  const signingKey = await intermediateSigningKey(ca);
  const keys = await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
  const unique = [...new Set(names)];
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${unique[0] ?? 'localhost'}`,
    issuer: intermediate.subject,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + SERVER_CERTIFICATE_LIFETIME_MS),
    publicKey: keys.publicKey,
    signingKey,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        unique.map((name) => (isIP(name) === 0 ? { type: 'dns', value: name } : { type: 'ip', value: name })),
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(intermediate),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return {
    chainPem: `${certificate.toString('pem')}\n${ca.intermediatePem}\n`,
    keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'),
  };
}
