/** Turning what a person typed into something to send, or into the reason it cannot be sent. */
import type { MessageKey } from './i18n';

export type SendMode = 'text' | 'json' | 'binary';

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: MessageKey; detail?: string };

export function parseOutgoing(mode: SendMode, input: string): Parsed<string | Uint8Array> {
  if (mode === 'text') return { ok: true, value: input };
  if (mode === 'json') {
    try {
      JSON.parse(input);
      return { ok: true, value: input };
    } catch (error) {
      return describeJsonError((error as Error).message);
    }
  }
  return parseHex(input);
}

/**
 * The parser's English message, in words the page can translate: where it went wrong when the
 * engine says (V8: "at position N"), or that the text ends too early.
 */
function describeJsonError(message: string): Parsed<never> {
  const position = /position (\d+)/.exec(message)?.[1];
  if (position !== undefined) return { ok: false, error: 'jsonErrorAt', detail: String(Number(position) + 1) };
  if (/end of (JSON )?(input|data)|unterminated/i.test(message)) return { ok: false, error: 'jsonErrorEnd' };
  return { ok: false, error: 'invalidJson' };
}

export function parseHex(input: string): Parsed<Uint8Array> {
  const digits = input.replace(/\s+/g, '').replace(/^0x/i, '');
  if (digits === '') return { ok: false, error: 'emptyBinary' };
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(digits)) return { ok: false, error: 'invalidHex' };
  const bytes = new Uint8Array(digits.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return { ok: true, value: bytes };
}

/** Bytes shown as hex are kept up to this many (the rest is an ellipsis). */
export const BINARY_HEX_KEPT_BYTES = 4096;

/** Up to `limit` bytes as spaced hex, with an ellipsis when there were more. */
export function toHex(bytes: Uint8Array, limit = bytes.length): string {
  const shown = Array.from(bytes.subarray(0, limit), (byte) => byte.toString(16).padStart(2, '0')).join(' ');
  return bytes.length > limit ? `${shown} …` : shown;
}

export interface CloseRequest {
  code?: number;
  reason?: string;
}

/**
 * What WebSocket.close() accepts (WHATWG): no code, or 1000, or 3000–4999; a reason of at most
 * 123 UTF-8 bytes. Checked here so the person gets words instead of an exception.
 */
export function parseCloseRequest(codeInput: string, reasonInput: string): Parsed<CloseRequest> {
  const request: CloseRequest = {};
  if (codeInput.trim() !== '') {
    const code = Number(codeInput.trim());
    if (!Number.isInteger(code) || (code !== 1000 && (code < 3000 || code > 4999))) {
      return { ok: false, error: 'invalidCloseCode' };
    }
    request.code = code;
  }
  if (reasonInput !== '') {
    if (new TextEncoder().encode(reasonInput).length > 123) return { ok: false, error: 'reasonTooLong' };
    // The API refuses a reason without a code; 1000 (normal) is what the person means.
    request.code ??= 1000;
    request.reason = reasonInput;
  }
  return { ok: true, value: request };
}
