/**
 * GET CA_CERTIFICATE_PATH: the local CA's root certificate for a device to install, on every
 * port (the plain one is where a device that does not trust the CA yet can fetch it). DER with
 * the type phones open as a certificate to install (iOS as a profile, Android as a CA).
 */
import express from 'express';
import { CA_CERTIFICATE_PATH } from '../../../common/protocol';
import { APP_NAME } from '../../app-info';

export const CA_CERTIFICATE_TYPE = 'application/x-x509-ca-cert';

/** `caCertificate` null: no local CA in use (TLS off, or a given certificate), answered 404 in words. */
export function createCaRouter(caCertificate: Buffer | null): express.Router {
  const router = express.Router();
  router.get(CA_CERTIFICATE_PATH, (_request, response) => {
    if (caCertificate === null) {
      response
        .status(404)
        .type('text/plain')
        .send(`${APP_NAME} is not using its local CA (TLS is off, or serves a certificate it was given).\n`);
      return;
    }
    response
      .status(200)
      .type(CA_CERTIFICATE_TYPE)
      .set('Content-Disposition', `attachment; filename="${APP_NAME.replaceAll(' ', '-')}-CA.crt"`)
      .send(caCertificate);
  });
  return router;
}
