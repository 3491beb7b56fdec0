/**
 * The host talks to its peers through the loopback API: sends reach exactly whom they name, in
 * each wire format, bytes intact; closes carry the host's code; every refusal leaves every peer
 * untouched; the traffic record is readable per peer and stays bounded under a flood.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { describe, it } from 'node:test';
import { RECORD_ENTRIES } from '../main/station/peers/traffic-record';
import type { Station } from '../main/station/station';
import { closed, openClient, parseJson, type Client } from './helpers/client';
import { endpointUrl, startTestStation } from './helpers/station';
import { waitFor } from './helpers/wait';

interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** A request to the station's API with full control of the headers (Host and Origin included). */
function api(
  station: Station,
  method: string,
  path: string,
  body?: { type: string; data: string | Buffer },
  headers: Record<string, string> = {},
): Promise<ApiAnswer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port: station.port,
        method,
        path,
        headers: { ...(body ? { 'Content-Type': body.type } : {}), ...headers },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: JSON.parse(text || '{}') as never }),
        );
      },
    );
    request.on('error', reject);
    request.end(body?.data);
  });
}

/** A plain peer and a station.v1.json peer, past their greetings. */
async function twoPeers(station: Station): Promise<{ plain: Client; json: Client }> {
  const plain = await openClient(endpointUrl(station));
  const json = await openClient(endpointUrl(station), 'station.v1.json');
  await plain.inbox.next();
  await json.inbox.nextJson('welcome');
  return { plain, json };
}

/** Nothing arrives (ticks are slowed out of the way) within a short wait. */
async function assertNothingArrives(...clients: Client[]): Promise<void> {
  for (const client of clients) {
    await assert.rejects(client.inbox.next(300), /no message within/, 'the peer received nothing');
  }
}

describe('the host API', () => {
  it('broadcasts text and JSON as text, and bytes as binary, in each wire format', async (t) => {
    const station = await startTestStation(t, { tickMs: 60_000 });
    const { plain, json } = await twoPeers(station);

    const text = await api(station, 'POST', '/api/broadcast', { type: 'text/plain; charset=utf-8', data: '你好 host' });
    assert.deepEqual(text, { status: 200, body: { reached: 2, skipped: 0 } });
    const plainText = await plain.inbox.next();
    assert.equal(plainText.isBinary, false);
    assert.equal(plainText.data.toString(), '你好 host');
    const hostMessage = parseJson(await json.inbox.next());
    assert.equal(hostMessage.type, 'host');
    assert.equal(hostMessage.data, '你好 host');
    assert.equal(typeof hostMessage.time, 'number');

    await api(station, 'POST', '/api/broadcast', { type: 'application/json', data: '{"a": [1, 2]}' });
    assert.equal((await plain.inbox.next()).data.toString(), '{"a": [1, 2]}');
    assert.equal(parseJson(await json.inbox.next()).data, '{"a": [1, 2]}');

    const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe]);
    await api(station, 'POST', '/api/broadcast', { type: 'application/octet-stream', data: bytes });
    for (const client of [plain, json]) {
      const received = await client.inbox.next();
      assert.equal(received.isBinary, true);
      assert.ok(received.data.equals(bytes));
    }
    plain.socket.close();
    json.socket.close();
  });

  it('sends to exactly the peer it names, and closes a peer with the host code and reason', async (t) => {
    const station = await startTestStation(t, { tickMs: 60_000 });
    const { plain, json } = await twoPeers(station);
    const [plainPeer] = station.peers.list();
    assert.ok(plainPeer);

    const sent = await api(station, 'POST', `/api/peers/${plainPeer.id}/messages`, {
      type: 'text/plain',
      data: 'only you',
    });
    assert.deepEqual(sent.body, { reached: 1, skipped: 0 });
    assert.equal((await plain.inbox.next()).data.toString(), 'only you');
    await assertNothingArrives(json);

    const gone = closed(plain.socket);
    const close = await api(
      station,
      'DELETE',
      `/api/peers/${plainPeer.id}?code=4001&reason=${encodeURIComponent('bye ✓')}`,
    );
    assert.equal(close.status, 200);
    assert.deepEqual(await gone, { code: 4001, reason: 'bye ✓' });
    json.socket.close();
  });

  it('refuses, touching no peer: invalid JSON, unknown peer, bad code or reason, too large, other types', async (t) => {
    const station = await startTestStation(t, { tickMs: 60_000, maxPayload: 1024 });
    const { plain, json } = await twoPeers(station);
    const [peer] = station.peers.list();
    assert.ok(peer);
    const refusals: [string, Promise<ApiAnswer>, number, RegExp][] = [
      [
        'invalid JSON',
        api(station, 'POST', '/api/broadcast', { type: 'application/json', data: '{"a":' }),
        400,
        /Not valid JSON/,
      ],
      [
        'unknown peer',
        api(station, 'POST', '/api/peers/999/messages', { type: 'text/plain', data: 'x' }),
        404,
        /No peer 999/,
      ],
      ['not a peer id', api(station, 'DELETE', '/api/peers/abc'), 404, /No peer abc/],
      [
        'reserved code',
        api(station, 'DELETE', `/api/peers/${peer.id}?code=1001`),
        400,
        /Close code 1001 is not allowed/,
      ],
      [
        'code out of range',
        api(station, 'DELETE', `/api/peers/${peer.id}?code=5000`),
        400,
        /use 1000, or 3000 to 4999/,
      ],
      [
        'long reason',
        api(station, 'DELETE', `/api/peers/${peer.id}?code=4000&reason=${'x'.repeat(124)}`),
        400,
        /at most 123 bytes/,
      ],
      [
        'too large',
        api(station, 'POST', '/api/broadcast', { type: 'text/plain', data: 'x'.repeat(1025) }),
        413,
        /at most 1024|larger than peers accept/,
      ],
      [
        'far too large',
        api(station, 'POST', '/api/broadcast', { type: 'text/plain', data: 'x'.repeat(100_000) }),
        413,
        /larger than peers accept/,
      ],
      [
        'other type',
        api(station, 'POST', '/api/broadcast', { type: 'text/html', data: '<b>' }),
        400,
        /text\/plain, application\/json or application\/octet-stream/,
      ],
      [
        'not UTF-8',
        api(station, 'POST', '/api/broadcast', { type: 'text/plain', data: Buffer.from([0xff]) }),
        400,
        /valid UTF-8/,
      ],
      [
        'foreign Host',
        api(station, 'POST', '/api/broadcast', { type: 'text/plain', data: 'x' }, { Host: 'evil.example' }),
        403,
        /loopback Host/,
      ],
      [
        'foreign Origin',
        api(station, 'POST', '/api/broadcast', { type: 'text/plain', data: 'x' }, { Origin: 'http://evil.example' }),
        403,
        /pages at http:\/\/evil\.example/,
      ],
    ];
    for (const [name, answer, status, message] of refusals) {
      const { status: got, body } = await answer;
      assert.equal(got, status, name);
      assert.match(String(body.error), message, name);
    }
    await assertNothingArrives(plain, json);
    assert.equal(station.peers.size, 2, 'no peer was closed');
    // The station's own page may use the API.
    const own = await api(
      station,
      'POST',
      '/api/broadcast',
      { type: 'text/plain', data: 'ok' },
      {
        Origin: `http://127.0.0.1:${station.port}`,
      },
    );
    assert.equal(own.status, 200);
    plain.socket.close();
    json.socket.close();
  });

  it('keeps a record per peer, oldest first, ticks left out, bounded under a flood', async (t) => {
    const station = await startTestStation(t, { tickMs: 50 });
    const { plain, json } = await twoPeers(station);
    const [plainPeer, jsonPeer] = station.peers.list();
    assert.ok(plainPeer && jsonPeer);
    plain.socket.send('from the peer');
    await plain.inbox.nextMatching((m) => m.data.toString() === 'from the peer');
    await api(station, 'POST', `/api/peers/${plainPeer.id}/messages`, {
      type: 'application/octet-stream',
      data: Buffer.from([1, 2]),
    });
    await plain.inbox.nextMatching((m) => m.isBinary);

    const record = await api(station, 'GET', `/api/peers/${plainPeer.id}/messages`);
    const entries = record.body.messages as Record<string, unknown>[];
    assert.deepEqual(
      entries.map((entry) => [entry.direction, entry.kind, entry.preview]),
      [
        ['out', 'greeting', '连接成功'],
        ['in', 'message', 'from the peer'],
        ['out', 'echo', 'from the peer'],
        ['out', 'host', '0102'],
      ],
    );

    // A flood from the JSON peer pushes older entries out; the record never holds more than its bound.
    for (let i = 0; i < RECORD_ENTRIES; i += 1) json.socket.send(`flood ${i}`);
    await waitFor(
      'the flood to be taken',
      () => (station.peers.get(jsonPeer.id)?.messagesIn ?? 0) >= RECORD_ENTRIES,
      20_000,
    );
    const flooded = (await api(station, 'GET', `/api/peers/${jsonPeer.id}/messages`)).body.messages as unknown[];
    assert.ok(flooded.length <= RECORD_ENTRIES, `${flooded.length} entries`);
    assert.equal((await api(station, 'GET', `/api/peers/${plainPeer.id}/messages`)).status, 200, 'still connected');
    assert.deepEqual((await api(station, 'GET', `/api/peers/${plainPeer.id}/messages`)).body.messages, []);
    plain.socket.close();
    json.socket.close();
  });
});
