/**
 * Which server certificates the desktop window accepts beyond Chromium's own judgement: exactly
 * the one its station serves now, on this computer's loopback, and no other. Decided here in plain
 * Node; the Electron layer hands it Chromium's requests (session.setCertificateVerifyProc,
 * docs/api/session.md) and passes the verdict back. Never a blanket "ignore certificate errors".
 */
import { X509Certificate } from 'node:crypto';
import { isLoopbackHostname } from '../station/addresses';

/** setCertificateVerifyProc's answers: 0 accepts, -2 rejects, -3 leaves it to Chromium's own verification. */
export const ACCEPT_CERTIFICATE = 0;
export const REJECT_CERTIFICATE = -2;
export const CHROMIUM_DECIDES = -3;

/** What of Chromium's request this needs: the name asked for and the server's certificate (PEM). */
export interface CertificateRequest {
  hostname: string;
  certificate: { data: string };
}

/**
 * `servedFingerprint256`: SHA-256 of the certificate the station serves (X509Certificate's form),
 * or null while it serves none. While it serves one, loopback is the station's: any other
 * certificate there is refused, even one the system would trust (another local server's, with an
 * mkcert or company root), so no other program's https page passes for the window's own. Other
 * hosts are left to Chromium, which trusts what the system trusts and nothing more.
 */
export function certificateVerdict(request: CertificateRequest, servedFingerprint256: string | null): number {
  if (servedFingerprint256 === null || !isLoopbackHostname(request.hostname)) return CHROMIUM_DECIDES;
  let presented: X509Certificate;
  try {
    presented = new X509Certificate(request.certificate.data);
  } catch {
    return REJECT_CERTIFICATE;
  }
  return presented.fingerprint256 === servedFingerprint256 ? ACCEPT_CERTIFICATE : REJECT_CERTIFICATE;
}
