/**
 * The station.v1.json echo of a text message, `{"type":"echo","data":"…"}`, written straight into
 * one Buffer: the bytes JSON.stringify would give (ws has checked that the text is valid UTF-8, so
 * only `"`, `\` and control characters need escaping), without a string up to six times the
 * message's length on the way, which for a large message is more than V8 allows in one string.
 */

const PREFIX = Buffer.from('{"type":"echo","data":"');
const SUFFIX = Buffer.from('"}');
/** The longest escape, `\u001f`, for one byte of the message. */
const MAX_ESCAPE_BYTES = 6;

/** For each byte: 0 when it stands for itself, else the letter of its two-byte escape, or 1 for \u00XX. */
const ESCAPES = new Uint8Array(256);
for (let byte = 0; byte < 0x20; byte += 1) ESCAPES[byte] = 1;
for (const [byte, letter] of [
  [0x08, 'b'],
  [0x09, 't'],
  [0x0a, 'n'],
  [0x0c, 'f'],
  [0x0d, 'r'],
  [0x22, '"'],
  [0x5c, '\\'],
] as const) {
  ESCAPES[byte] = letter.charCodeAt(0);
}
const HEX = Buffer.from('0123456789abcdef');

/** The most bytes the echo of a text message of `messageBytes` can take. */
export function jsonEchoBytesAtMost(messageBytes: number): number {
  return PREFIX.length + MAX_ESCAPE_BYTES * messageBytes + SUFFIX.length;
}

/** The echo of the UTF-8 text `text`, as one Buffer. */
export function encodeJsonEcho(text: Buffer): Buffer {
  let length = PREFIX.length + SUFFIX.length + text.length;
  for (let i = 0; i < text.length; i += 1) {
    const escape = ESCAPES[text[i] ?? 0] ?? 0;
    if (escape !== 0) length += escape === 1 ? MAX_ESCAPE_BYTES - 1 : 1;
  }
  const echo = Buffer.allocUnsafe(length);
  let at = PREFIX.copy(echo, 0);
  if (length === PREFIX.length + SUFFIX.length + text.length) {
    at += text.copy(echo, at);
  } else {
    for (let i = 0; i < text.length; i += 1) {
      const byte = text[i] ?? 0;
      const escape = ESCAPES[byte] ?? 0;
      if (escape === 0) {
        echo[at++] = byte;
      } else if (escape === 1) {
        // \u00XX
        echo[at++] = 0x5c;
        echo[at++] = 0x75;
        echo[at++] = 0x30;
        echo[at++] = 0x30;
        echo[at++] = HEX[byte >> 4] ?? 0;
        echo[at++] = HEX[byte & 0xf] ?? 0;
      } else {
        echo[at++] = 0x5c;
        echo[at++] = escape;
      }
    }
  }
  SUFFIX.copy(echo, at);
  return echo;
}
