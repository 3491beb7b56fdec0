/**
 * The last handlers of every HTTP request: a path nothing serves gets 404, and whatever reached
 * express as an error gets a plain status and one line, never a stack. Client errors (a path
 * that cannot be decoded, say) keep the status express gave them; anything else is a bug,
 * reported to the guard as a 500. Both answer at once: express's own final handler would
 * first wait for a request body that may never come.
 */
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { STATUS_CODES } from 'node:http';
import type { EscapedErrors } from '../escaped-errors';

export function createErrorHandler(escaped: EscapedErrors): ErrorRequestHandler {
  return (error: unknown, request, response, _next) => {
    const status = clientErrorStatus(error);
    if (status === null) escaped.report(`${request.method} request`, error);
    if (response.headersSent) {
      response.destroy();
      return;
    }
    answer(response, status ?? 500);
  };
}

export function createNotFoundHandler(): RequestHandler {
  return (request, response) => answer(response, 404, `Nothing here at ${request.path}`);
}

function answer(response: Response, status: number, text = STATUS_CODES[status] ?? 'Error'): void {
  // A body the request announced and has not sent will not be read: end the connection after.
  if (!response.req.complete) response.set('Connection', 'close');
  response.status(status).type('text/plain').send(`${text}\n`);
}

/** The 4xx status express or one of its middlewares attached to the error, if any. */
function clientErrorStatus(error: unknown): number | null {
  if (typeof error !== 'object' || error === null) return null;
  const status =
    (error as { status?: unknown; statusCode?: unknown }).status ?? (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : null;
}
