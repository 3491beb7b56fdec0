/**
 * Why a TLS connection ended before it carried a request, from the error Node's TLS server
 * reports ('tlsClientError'), in the station's few kinds (common/station-status.ts, TlsFailure).
 */
import type { TlsFailure } from '../../../common/station-status';

/** The alerts a client sends when it does not accept the server's certificate (RFC 8446, 6.2). */
const CERTIFICATE_ALERTS = new Set([
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED',
  'ERR_SSL_TLSV1_ALERT_ACCESS_DENIED',
]);

/** The kind of failure, or null when the peer simply went away (or the station dropped it itself). */
export function tlsFailureOf(error: NodeJS.ErrnoException): TlsFailure | null {
  const code = error.code ?? '';
  if (code === 'ECONNRESET' || code === 'EPIPE') return null;
  if (code === 'ERR_TLS_HANDSHAKE_TIMEOUT') return 'tls-timeout';
  if (code === 'ERR_SSL_HTTP_REQUEST') return 'tls-plain-http';
  if (CERTIFICATE_ALERTS.has(code)) return 'tls-certificate-refused';
  return 'tls-failed';
}
