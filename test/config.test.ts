/** The settings: defaults as documented, and one clear message for every refused value. */
import assert from 'node:assert/strict';
import { totalmem } from 'node:os';
import { describe, it } from 'node:test';
import { ConfigError, DEFAULT_CONFIG, generateToken, parseStationConfig } from '../main/station/config';

describe('station config', () => {
  it('has the documented defaults', () => {
    assert.deepEqual(
      { ...DEFAULT_CONFIG },
      {
        port: 3000,
        host: '0.0.0.0',
        tickMs: 1000,
        maxPayload: 1024 * 1024,
        heartbeatMs: 30_000,
        maxPeers: 10_000,
        maxConnectionsPerAddress: 1000,
        maxPendingPerAddress: 64,
        maxMessagesPerSecond: 0,
        tokenLockoutMs: 60_000,
        // An eighth of the computer's memory in whole MiB, at most 1 GiB.
        memoryBudget: Math.min(2 ** 30, Math.floor(totalmem() / 8 / 2 ** 20) * 2 ** 20),
        messageDeadlineMs: 30_000,
        deflate: false,
        allowedOrigins: [],
        token: null,
        tlsPort: 3443,
        plain: true,
      },
    );
  });

  it('takes numbers and booleans as they come from a command line', () => {
    const config = parseStationConfig({ port: '0', tickMs: '250', deflate: 'true', host: '::1' });
    assert.equal(config.port, 0);
    assert.equal(config.tickMs, 250);
    assert.equal(config.deflate, true);
    assert.equal(config.host, '::1');
  });

  const refused: [string, Record<string, unknown>, RegExp][] = [
    ['port above 65535', { port: 70000 }, /^Invalid port: 70000\. Allowed: an integer from 0 to 65535/],
    ['port not a number', { port: 'http' }, /^Invalid port: "http"\./],
    ['empty port', { port: '' }, /^Invalid port: ""\./],
    ['fractional tick', { tickMs: 1.5 }, /^Invalid tickMs: 1\.5\. Allowed: milliseconds between ticks/],
    ['tick too fast', { tickMs: 5 }, /^Invalid tickMs: 5\./],
    ['host not an address', { host: 'my laptop' }, /^Invalid host: "my laptop"\. Allowed: an IP address/],
    ['negative payload', { maxPayload: -1 }, /^Invalid maxPayload: -1\./],
    ['zero peers', { maxPeers: 0 }, /^Invalid maxPeers: 0\./],
    ['heartbeat too short', { heartbeatMs: 10 }, /^Invalid heartbeatMs: 10\./],
    ['memory budget too small', { memoryBudget: 1000 }, /^Invalid memoryBudget: 1000\. Allowed: bytes the station/],
    [
      // One message arriving (5 MiB) and a JSON echo that may be six times one (30 MiB) do not fit.
      'memory budget below a message and its echo',
      { memoryBudget: 32 * 2 ** 20, maxPayload: 5 * 2 ** 20 },
      /^Invalid memoryBudget: 33554432\. Allowed: .* at least seven times the largest message/,
    ],
    [
      // Without deflate 40 MiB would do; with it, the message may inflate to 5 MiB more.
      'memory budget below a message, what it inflates to and its echo',
      { memoryBudget: 40 * 2 ** 20, maxPayload: 5 * 2 ** 20, deflate: true },
      /^Invalid memoryBudget: 41943040\. Allowed: .*; with maxPayload 5242880 and deflate on, at least 42663961\.$/,
    ],
    ['message deadline too short', { messageDeadlineMs: 10 }, /^Invalid messageDeadlineMs: 10\./],
    ['deflate not a boolean', { deflate: 'yes' }, /^Invalid deflate: "yes"\. Allowed: true or false/],
    ['TLS port above 65535', { tlsPort: 65536 }, /^Invalid tlsPort: 65536\. Allowed: an integer from 0 to 65535/],
    [
      'plain not a boolean',
      { plain: 'no' },
      /^Invalid plain: "no"\. Allowed: true or false; false only while TLS is on/,
    ],
    [
      'origin with a path',
      { allowedOrigins: ['http://ok.example', 'http://a.example/page'] },
      /^Invalid allowedOrigins: "http:\/\/a\.example\/page"\./,
    ],
    ['origin not http', { allowedOrigins: ['ftp://a.example'] }, /^Invalid allowedOrigins: "ftp:\/\/a\.example"\./],
    ['short token', { token: 'abc' }, /^Invalid token: "abc"\. Allowed: null \(no token\) or 8 to 256 characters/],
    ['token with spaces', { token: 'has spaces in it' }, /^Invalid token: "has spaces in it"\./],
    ['unknown setting', { prot: 3000 }, /^Invalid setting name: "prot"\. Allowed: one of port, host, tickMs/],
  ];
  for (const [name, input, message] of refused) {
    it(`refuses ${name}, naming the setting, the value and what is allowed`, () => {
      assert.throws(
        () => parseStationConfig(input),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }

  it('generates URL-safe tokens that it accepts', () => {
    const token = generateToken();
    assert.notEqual(token, generateToken());
    assert.equal(parseStationConfig({ token }).token, token);
    assert.equal(encodeURIComponent(token), token);
  });
});
