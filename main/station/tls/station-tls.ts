/**
 * What the station's TLS listener serves: a certificate issued from the local CA for the names it
 * can be reached by now, or a certificate the person gave (--tls-cert, --tls-key), checked before
 * it is used. Either way one clear sentence when it cannot be used.
 */
import 'reflect-metadata';
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BlockList, isIP, isIPv6 } from 'node:net';
import { createSecureContext } from 'node:tls';
import * as x509 from '@peculiar/x509';
import type { StationTlsInfo, TlsFileKind } from '../../../common/station-status';
import { isWildcardHost, LOOPBACK_IPV4, ownHostnames, reachableAddresses } from '../addresses';
import { CaFolderError, ensureLocalCa } from './ca-folder';
import { PERMITTED_RANGES } from './local-ca';
import { issueServerCertificate } from './server-certificate';

export interface StationTls {
  /** PEM: the server's certificate, then the certificates that chain it to its root. */
  certificatePem: string;
  keyPem: string;
  /** The local CA's root in DER, served at GET /ca.crt; null for a given certificate. */
  caCertificate: Buffer | null;
  /** What the status and the banner say about it (the port is the station's). */
  info: Omit<StationTlsInfo, 'port'>;
  /**
   * A fresh certificate like this one, for a station that runs longer than its certificate
   * lasts (the local CA's); null when it cannot be renewed (a given certificate).
   */
  renew: (() => Promise<StationTls>) | null;
}

/** A certificate, key or CA folder that cannot be used, in one sentence. */
export class TlsSetupError extends Error {
  constructor(
    message: string,
    /** Which of the person's files is at fault, for a form to mark; the CA folder otherwise. */
    readonly file: TlsFileKind | 'ca-folder' = 'ca-folder',
  ) {
    super(message);
    this.name = 'TlsSetupError';
  }
}

const permittedAddresses = new BlockList();
for (const range of PERMITTED_RANGES) {
  const [network = '', prefix = ''] = range.split('/');
  permittedAddresses.addSubnet(network, Number(prefix), isIPv6(network) ? 'ipv6' : 'ipv4');
}

/** An address the local CA may vouch for (a public one would make the whole certificate invalid). */
function isPermittedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return permittedAddresses.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/** A name the CA's constraints allow: localhost, or a .local name of DNS labels. */
const PERMITTED_NAME = /^(localhost|([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+local)$/;

/**
 * The names a certificate for a station bound to `host` carries: localhost, the host's .local name
 * (a bare host name is outside the constraints, so it would void the certificate), and every
 * address it answers on that the CA may vouch for. A loopback-only station names loopback only.
 */
export function certificateNames(host: string): string[] {
  const names = ['localhost'];
  if (isWildcardHost(host)) names.push(...ownHostnames().filter((name) => PERMITTED_NAME.test(name)));
  const addresses = [LOOPBACK_IPV4, '::1', ...reachableAddresses(host)];
  return [...new Set([...names, ...addresses.filter(isPermittedAddress)])];
}

/** The local CA in `folder` (made there on first use) and a server certificate issued from it now. */
export async function localCaTls(folder: string, host: string, name: string): Promise<StationTls> {
  let ca;
  try {
    ca = await ensureLocalCa(folder, name);
  } catch (error) {
    if (error instanceof CaFolderError) throw new TlsSetupError(error.message);
    const code = (error as NodeJS.ErrnoException).code;
    throw new TlsSetupError(`Cannot use ${folder} for the local CA (${code ?? (error as Error).message})`);
  }
  const names = certificateNames(host);
  try {
    const root = new X509Certificate(ca.rootPem);
    const server = await issueServerCertificate(ca, names);
    const leaf = new X509Certificate(server.chainPem);
    return {
      certificatePem: server.chainPem,
      keyPem: server.keyPem,
      caCertificate: root.raw,
      info: {
        source: 'local-ca',
        caFingerprint256: root.fingerprint256,
        names,
        notAfter: new Date(leaf.validTo).toISOString(),
      },
      renew: () => localCaTls(folder, host, name),
    };
  } catch (error) {
    throw new TlsSetupError(`The local CA in ${folder} could not issue a certificate (${(error as Error).message})`);
  }
}

/** A given certificate (PEM, chain allowed) and its key, used as they are once they pass the checks. */
export function givenTls(certificateFile: string, keyFile: string, now: Date = new Date()): StationTls {
  // The certificates in the file, in order (a file may also hold the key, before or after them).
  const certificatePem = readText(certificateFile, 'certificate').match(PEM_CERTIFICATE)?.join('\n') ?? '';
  const keyText = readText(keyFile, 'key');
  const keyPem = PEM_PRIVATE_KEY.exec(keyText)?.[0] ?? keyText;
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(certificatePem);
  } catch {
    throw new TlsSetupError(`${certificateFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`, 'certificate');
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    throw new TlsSetupError(`${keyFile} holds no unencrypted PEM private key`, 'key');
  }
  if (!leaf.checkPrivateKey(key)) {
    throw new TlsSetupError(`${keyFile} is not the key of the certificate in ${certificateFile}`, 'key');
  }
  const validTo = new Date(leaf.validTo);
  if (validTo < now) {
    throw new TlsSetupError(`The certificate in ${certificateFile} expired on ${validTo.toISOString()}`, 'certificate');
  }
  const validFrom = new Date(leaf.validFrom);
  if (validFrom > now) {
    throw new TlsSetupError(
      `The certificate in ${certificateFile} is not valid before ${validFrom.toISOString()}`,
      'certificate',
    );
  }
  // The whole chain as the TLS server will load it: a broken certificate after the first is found here.
  try {
    createSecureContext({ cert: certificatePem, key: keyPem });
  } catch (error) {
    throw new TlsSetupError(`${certificateFile} cannot be served (${(error as Error).message})`, 'certificate');
  }
  return {
    certificatePem,
    keyPem,
    caCertificate: null,
    info: { source: 'given', caFingerprint256: null, names: subjectNames(leaf), notAfter: validTo.toISOString() },
    renew: null,
  };
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
/** PKCS #8, or a traditional RSA or EC key. */
const PEM_PRIVATE_KEY = /-----BEGIN ((RSA|EC) )?PRIVATE KEY-----[\s\S]+?-----END ((RSA|EC) )?PRIVATE KEY-----/;

function readText(file: string, what: TlsFileKind): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new TlsSetupError(`Cannot read the ${what} file ${file} (${code})`, what);
  }
}

/**
 * The DNS names and addresses a certificate is for (its subjectAltName, read by @peculiar/x509
 * rather than from Node's text form, which quotes and mixes kinds); its subject's CN when it has
 * none of those.
 */
export function subjectNames(certificate: X509Certificate): string[] {
  const parsed = new x509.X509Certificate(certificate.raw);
  const alternative = parsed.getExtension(x509.SubjectAlternativeNameExtension)?.names.items ?? [];
  const names = alternative.filter(({ type }) => type === 'dns' || type === 'ip').map(({ value }) => value);
  return names.length > 0 ? names : parsed.subjectName.getField('CN');
}
