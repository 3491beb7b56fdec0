/**
 * The station.v1.json messages that carry a text, the echo `{"type":"echo","data":"…"}` and the
 * host's `{"type":"host","data":"…","time":…}`, written straight into one Buffer: the bytes
 * JSON.stringify would give (the text is valid UTF-8, so only `"`, `\` and control characters need
 * escaping), without a string up to six times the text's length on the way, which for a large
 * message is more than V8 allows in one string.
 */

const ECHO_HEAD = Buffer.from('{"type":"echo","data":"');
const ECHO_TAIL = Buffer.from('"}');
const HOST_HEAD = Buffer.from('{"type":"host","data":"');
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
  return ECHO_HEAD.length + MAX_ESCAPE_BYTES * messageBytes + ECHO_TAIL.length;
}

/** The echo of the UTF-8 text `text`, as one Buffer. */
export function encodeJsonEcho(text: Buffer): Buffer {
  return encodeWithText(ECHO_HEAD, text, ECHO_TAIL);
}

/** The host's message `text` (UTF-8), sent at `time` (epoch milliseconds), as one Buffer. */
export function encodeJsonHost(text: Buffer, time: number): Buffer {
  return encodeWithText(HOST_HEAD, text, Buffer.from(`","time":${time}}`));
}

/** `head`, then `text` escaped as the inside of a JSON string, then `tail`. */
function encodeWithText(head: Buffer, text: Buffer, tail: Buffer): Buffer {
  let length = head.length + tail.length + text.length;
  for (let i = 0; i < text.length; i += 1) {
    const escape = ESCAPES[text[i] ?? 0] ?? 0;
    if (escape !== 0) length += escape === 1 ? MAX_ESCAPE_BYTES - 1 : 1;
  }
  const echo = Buffer.allocUnsafe(length);
  let at = head.copy(echo, 0);
  if (length === head.length + tail.length + text.length) {
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
  tail.copy(echo, at);
  return echo;
}
