/** An HTTP head as text, the way it crossed the wire: for the log and the desktop window. */
import type { RequestHead } from './station-status';

/** "GET /websocket/test HTTP/1.1" */
export function requestLine({ method, target, httpVersion }: RequestHead): string {
  return `${method} ${target} ${httpVersion}`;
}

/** "Name: value" */
export function headerLine([name, value]: readonly [string, string]): string {
  return `${name}: ${value}`;
}
