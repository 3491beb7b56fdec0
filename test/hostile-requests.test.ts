/**
 * Requests an attacker on the LAN would send by hand: targets that cannot be parsed, paths that
 * are not the endpoint's canonical form, HTTP/1.0, malformed list headers. Each gets its HTTP
 * status, never a 101, and the station keeps serving everyone else.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startCliStation } from './helpers/cli';
import { openClient, type Client } from './helpers/client';
import { rawUpgrade } from './helpers/raw-websocket';
import { endpointUrl, startTestStation } from './helpers/station';

async function assertStillServed(bystander: Client, text: string): Promise<void> {
  bystander.socket.send(text);
  const echo = await bystander.inbox.nextMatching((m) => m.data.toString() === text);
  assert.equal(echo.isBinary, false);
}

/** Targets that are not a URL path (or an absolute http/ws URI with a valid host and port). */
const UNPARSEABLE_TARGETS = [
  'http://a:99999/websocket/test',
  'http://a:70000/websocket/test',
  'http://[/websocket/test',
  'http:///websocket/test',
  'ftp://a/websocket/test',
  '//[/x',
  '//%',
  '/websocket/%zz',
  '/websocket\\test',
  '/websocket/test#x',
  '*',
];
/** Refused by Node's own HTTP parser before the station sees them (400, no body). */
const REFUSED_BY_NODE = ['websocket/test', '/websocket/te st', '/websocket/test\u0000'];

/** Paths a normalising parser would take for the endpoint: refused, byte-for-byte matching only. */
const NON_CANONICAL_PATHS = [
  '/websocket/./test',
  '/x/../websocket/test',
  '/websocket/%2e/test',
  '/websocket/%74est',
  '/websocket/test/',
  '//websocket/test',
  '/WEBSOCKET/TEST',
  '/websocket/test/.',
  '/websocket;/test',
];

describe('hostile requests', () => {
  for (const token of [[], ['--token', 'hostile-test-token']]) {
    it(`answers targets it cannot parse with 400 and keeps running${token.length ? ' (with a token)' : ''}`, async (t) => {
      const station = await startCliStation(t, ['--quiet', ...token]);
      const bystander = await openClient(`ws://127.0.0.1:${station.port}/websocket/test`);
      for (const target of UNPARSEABLE_TARGETS) {
        const response = await rawUpgrade(station.port, target);
        assert.equal(response.status, 400, target);
        assert.match(response.body, /request (target|path|query)/, target);
      }
      for (const target of REFUSED_BY_NODE) {
        assert.equal((await rawUpgrade(station.port, target)).status, 400, target);
      }
      assert.equal(station.child.exitCode, null, 'the station is still running');
      assert.doesNotMatch(station.output(), /internal error|TypeError/);
      await assertStillServed(bystander, 'after the bad targets');
      bystander.socket.close();
    });
  }

  it('refuses every non-canonical spelling of the endpoint with 404: no 101, no unlisted socket', async (t) => {
    // Room for exactly one peer: a single socket ws held outside the registry would take it.
    const station = await startTestStation(t, { maxPeers: 1, tickMs: 60_000 });
    for (const path of NON_CANONICAL_PATHS) {
      const response = await rawUpgrade(station.port, path);
      assert.equal(response.status, 404, path);
    }
    assert.equal(station.status().totals.rejected['404'], NON_CANONICAL_PATHS.length);
    const peer = await openClient(endpointUrl(station));
    assert.equal((await peer.inbox.next()).data.toString(), '连接成功');
    assert.equal(station.status().totals.peers, 1);
    peer.socket.close();
  });

  it('serves the endpoint named by an absolute URI (RFC 6455 4.1), path and query as vetted', async (t) => {
    const station = await startTestStation(t, { host: '0.0.0.0', token: 'absolute-form-token' });
    const target = `ws://127.0.0.1:${station.port}/websocket/test?token=absolute-form-token`;
    const response = await rawUpgrade(station.port, target);
    assert.equal(response.status, 101);
    response.socket.destroy();
    const elsewhere = await rawUpgrade(station.port, `http://127.0.0.1:${station.port}/websocket/other`);
    assert.equal(elsewhere.status, 404);
  });

  it('refuses an HTTP/1.0 upgrade with 400: RFC 6455 requires HTTP/1.1', async (t) => {
    const station = await startTestStation(t);
    const response = await rawUpgrade(station.port, '/websocket/test', {}, 'GET', 'HTTP/1.0');
    assert.equal(response.status, 400);
    assert.match(response.body, /needs HTTP\/1\.1/);
  });

  for (const deflate of [false, true]) {
    it(`refuses malformed Sec-WebSocket-Extensions and -Protocol with 400 (deflate ${deflate ? 'on' : 'off'})`, async (t) => {
      const station = await startTestStation(t, { deflate });
      const cases: Record<string, string>[] = [
        { 'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits; =' },
        { 'Sec-WebSocket-Extensions': 'a b' },
        { 'Sec-WebSocket-Extensions': ',' },
        { 'Sec-WebSocket-Extensions': 'x;y="not a token"' },
        { 'Sec-WebSocket-Protocol': 'station.v1.json chat' },
        { 'Sec-WebSocket-Protocol': '' },
      ];
      for (const headers of cases) {
        const response = await rawUpgrade(station.port, '/websocket/test', headers);
        assert.equal(response.status, 400, JSON.stringify(headers));
        assert.match(response.body, /Malformed Sec-WebSocket-(Extensions|Protocol)/);
      }
      // Well-formed offers of what the station does not use still connect.
      const unknown = await rawUpgrade(station.port, '/websocket/test', {
        'Sec-WebSocket-Extensions': 'x-unknown; a=1, permessage-deflate; client_max_window_bits',
        'Sec-WebSocket-Protocol': 'chat, station.v1.json',
      });
      assert.equal(unknown.status, 101);
      assert.equal(unknown.headers['sec-websocket-protocol'], 'station.v1.json');
      assert.equal(unknown.headers['sec-websocket-extensions'] !== undefined, deflate);
      unknown.socket.destroy();
    });
  }
});
