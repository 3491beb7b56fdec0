/**
 * A certificate of the person's own for the station to serve (as --tls-cert/--tls-key or the
 * window's "My own certificate" take it): issued by a CA of its own that nothing here trusts, a
 * company's say, and written as PEM files.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLocalCa, type LocalCa } from '../../main/station/tls/local-ca';
import { issueServerCertificate, type ServerCertificate } from '../../main/station/tls/server-certificate';

export interface GivenCertificate {
  ca: LocalCa;
  issued: ServerCertificate;
  /** The certificate and its chain, and the key: `<name>.pem` and `<name>.key` in the folder. */
  certFile: string;
  keyFile: string;
}

export async function writeGivenCertificate(
  folder: string,
  names: string[],
  options: { name?: string; ca?: LocalCa; now?: Date } = {},
): Promise<GivenCertificate> {
  const ca = options.ca ?? (await createLocalCa('Company'));
  const issued = await issueServerCertificate(ca, names, options.now);
  const certFile = join(folder, `${options.name ?? 'devbox'}.pem`);
  const keyFile = join(folder, `${options.name ?? 'devbox'}.key`);
  writeFileSync(certFile, issued.chainPem);
  writeFileSync(keyFile, issued.keyPem);
  return { ca, issued, certFile, keyFile };
}
