/**
 * The station.v1.json messages that carry text, written straight into a Buffer: the very bytes
 * JSON.stringify gives, for any text, and no error for a message whose escaped form is longer
 * than a V8 string may be.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { encodeJsonEcho, encodeJsonHost, jsonEchoBytesAtMost } from '../main/station/peers/json-text';

/** Text heavy in what JSON escapes: control characters, quotes, backslashes, and any Unicode. */
const text = fc.string({
  unit: fc.oneof(
    fc.integer({ min: 0, max: 0x1f }).map((code) => String.fromCharCode(code)),
    fc.constantFrom('"', '\\', '/', '\u007f', '\u2028', '\u2029', 'é', '中'),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 200,
});

describe('the station.v1.json messages that carry text', () => {
  it('is byte for byte what JSON.stringify makes of { type: "echo", data }', () => {
    fc.assert(
      fc.property(text, (data) => {
        const echo = encodeJsonEcho(Buffer.from(data, 'utf8'));
        assert.equal(echo.toString('utf8'), JSON.stringify({ type: 'echo', data }));
        assert.ok(echo.length <= jsonEchoBytesAtMost(Buffer.byteLength(data)));
      }),
      { numRuns: 2000 },
    );
  });

  it('writes the host message as JSON.stringify makes of { type: "host", data, time }', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 0, max: 2 ** 45 }), (data, time) => {
        const message = encodeJsonHost(Buffer.from(data, 'utf8'), time);
        assert.equal(message.toString('utf8'), JSON.stringify({ type: 'host', data, time }));
      }),
      { numRuns: 1000 },
    );
  });

  it('takes six bytes for a control character at worst, and stays within its bound', () => {
    const message = Buffer.alloc(1000, 0x01);
    assert.equal(encodeJsonEcho(message).length, jsonEchoBytesAtMost(message.length));
  });

  it('echoes a message whose escaped form no JavaScript string could hold', () => {
    // 90 MiB of control characters escape to 540 MiB, past V8's string limit on 64-bit systems
    // (2^29 - 24 characters), where JSON.stringify throws a RangeError.
    const message = Buffer.alloc(90 * 1024 * 1024, 0x01);
    assert.ok(jsonEchoBytesAtMost(message.length) > 2 ** 29 - 24);
    const echo = encodeJsonEcho(message);
    assert.equal(echo.length, jsonEchoBytesAtMost(message.length));
    assert.equal(echo.subarray(0, 29).toString(), '{"type":"echo","data":"\\u0001');
    assert.equal(echo.subarray(-8).toString(), '\\u0001"}');
  });
});
