/**
 * The station's own certificate authority, made once and trusted once on a device: a root and,
 * signed by it, an intermediate, both carrying name constraints that permit only localhost,
 * .local names and private and loopback addresses (IPv4 and IPv6). The root's private key is never
 * written anywhere: once the intermediate is signed, nothing can sign under the root again, so
 * even a trust store that ignores a root's constraints (they are honoured on the intermediate)
 * can never be made to trust a name outside them. Certificates by @peculiar/x509 on Node's
 * WebCrypto; the constraints' ASN.1 by @peculiar/asn1-x509's schema, not by hand.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  GeneralName,
  GeneralSubtree,
  GeneralSubtrees,
  NameConstraints,
  id_ce_nameConstraints,
} from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';

/** ECDSA P-256 with SHA-256: accepted by every browser and phone, and fast to handshake. */
export const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
export const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** DNS names the CA may vouch for: localhost and mDNS names, and names under them. */
export const PERMITTED_DNS_NAMES = ['localhost', 'local'] as const;

/**
 * Address ranges the CA may vouch for: loopback, private (RFC 1918, RFC 4193), link-local,
 * shared address space (RFC 6598, carrier-grade NAT) and the benchmarking range (RFC 2544,
 * which isolated test links use).
 */
export const PERMITTED_RANGES = [
  '127.0.0.0/8',
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '169.254.0.0/16',
  '100.64.0.0/10',
  '198.18.0.0/15',
  '::1/128',
  'fc00::/7',
  'fe80::/10',
] as const;

const DAY_MS = 24 * 60 * 60 * 1000;
/** Long: a CA a device trusts once should not need trusting again soon. */
const CA_LIFETIME_MS = 10 * 365 * DAY_MS;
/** A device whose clock is behind must still take the CA it is installing the moment it is made. */
const CA_BACKDATE_MS = DAY_MS;

/**
 * E-mail names the CA may vouch for: none (`invalid` is a reserved name no mailbox has). Without
 * it, e-mail names would be unconstrained and the CA could vouch for anyone's S/MIME certificate.
 */
const PERMITTED_EMAIL = 'invalid';

export interface LocalCa {
  /** PEM of the root, the certificate a device installs. */
  rootPem: string;
  /** PEM of the intermediate, sent in every chain. */
  intermediatePem: string;
  /** PKCS #8 PEM of the intermediate's key, the only private key kept. */
  intermediateKeyPem: string;
}

export async function createLocalCa(name: string, now: Date = new Date()): Promise<LocalCa> {
  const rootKeys = await webcrypto.subtle.generateKey(KEY_ALGORITHM, false, ['sign', 'verify']);
  const notBefore = new Date(now.getTime() - CA_BACKDATE_MS);
  const notAfter = new Date(now.getTime() + CA_LIFETIME_MS);
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=${name} local CA`,
    notBefore,
    notAfter,
    keys: rootKeys,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      nameConstraintsExtension(),
      serverAuthOnly(),
      await x509.SubjectKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  });
  // Extractable: the intermediate's key is written to the CA folder; the root's never is.
  const intermediateKeys = await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
  const intermediate = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${name} local intermediate CA`,
    issuer: root.subject,
    notBefore,
    notAfter,
    publicKey: intermediateKeys.publicKey,
    signingKey: rootKeys.privateKey,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      nameConstraintsExtension(),
      serverAuthOnly(),
      await x509.SubjectKeyIdentifierExtension.create(intermediateKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', intermediateKeys.privateKey);
  return {
    rootPem: root.toString('pem'),
    intermediatePem: intermediate.toString('pem'),
    intermediateKeyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'),
  };
}

/**
 * Server authentication only, on the CAs themselves: Windows, macOS and OpenSSL take a CA's
 * extended key usage as the most its chain may be used for, so no code-signing or e-mail
 * certificate under it is valid, whatever it names.
 */
function serverAuthOnly(): x509.Extension {
  return new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]);
}

/** Critical, as RFC 5280 asks: a verifier that does not understand it must refuse the chain. */
function nameConstraintsExtension(): x509.Extension {
  const permitted = [
    new GeneralSubtree({ base: new GeneralName({ rfc822Name: PERMITTED_EMAIL }) }),
    ...PERMITTED_DNS_NAMES.map((name) => new GeneralSubtree({ base: new GeneralName({ dNSName: name }) })),
    // An address range is written as its address and mask bytes (RFC 5280 4.2.1.10) by the schema.
    ...PERMITTED_RANGES.map((range) => new GeneralSubtree({ base: new GeneralName({ iPAddress: range }) })),
  ];
  const value = AsnConvert.serialize(new NameConstraints({ permittedSubtrees: new GeneralSubtrees(permitted) }));
  return new x509.Extension(id_ce_nameConstraints, true, value);
}

/** 16 random bytes, the first cleared of its top bit so the DER integer stays positive. */
export function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return Buffer.from(bytes).toString('hex');
}
