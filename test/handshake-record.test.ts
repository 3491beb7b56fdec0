/**
 * What the station shows its host of handshakes: every refused upgrade with its request as sent
 * (GET /api/refusals), each peer's handshake and round trip (GET /api/peers/{id}), secrets masked,
 * and a fixed cost however many refusals arrive. Real sockets send what broken clients send.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { WEBSOCKET_ACCEPT_GUID } from '../common/protocol';
import type { PeerDetail, RefusalEntry } from '../common/station-status';
import { captureRequestHead, MASK } from '../main/station/admission/request-head';
import { LIMITS } from '../main/station/config';
import { HandshakeBook } from '../main/station/peers/handshake-book';
import { openClient } from './helpers/client';
import { rawUpgrade, sendRaw, SEED_ACCEPT, SEED_KEY } from './helpers/raw-websocket';
import { endpointUrl, headerOf, startTestStation } from './helpers/station';
import { eventually } from './helpers/wait';

const apiUrl = (port: number, path: string) => `http://127.0.0.1:${port}${path}`;

async function refusalsOf(port: number): Promise<RefusalEntry[]> {
  const response = await fetch(apiUrl(port, '/api/refusals'));
  assert.equal(response.status, 200);
  return ((await response.json()) as { refusals: RefusalEntry[] }).refusals;
}

describe('refused handshakes, as the host sees them', () => {
  it('lists each refusal with its status, its reason in words and its request as sent', async (t) => {
    const station = await startTestStation(t);
    const { port } = station;
    const cases: { marker: string; send: () => Promise<unknown>; status: number; reason: RegExp }[] = [
      {
        marker: 'wrong-path',
        send: () => rawUpgrade(port, '/nowhere', { 'X-Marker': 'wrong-path' }),
        status: 404,
        reason: /No WebSocket endpoint at \/nowhere/,
      },
      {
        marker: 'old-version',
        send: () => rawUpgrade(port, '/websocket/test', { 'X-Marker': 'old-version', 'Sec-WebSocket-Version': '8' }),
        status: 426,
        reason: /version 8 is not supported; this station speaks version 13/,
      },
      {
        marker: 'no-key',
        send: () => rawUpgrade(port, '/websocket/test', { 'X-Marker': 'no-key', 'Sec-WebSocket-Key': undefined }),
        status: 400,
        reason: /Missing or malformed Sec-WebSocket-Key/,
      },
      {
        marker: 'foreign-origin',
        send: () =>
          rawUpgrade(port, '/websocket/test', { 'X-Marker': 'foreign-origin', Origin: 'http://evil.example' }),
        status: 403,
        reason: /Origin http:\/\/evil\.example is not allowed/,
      },
      {
        marker: 'http-1.0',
        send: () => rawUpgrade(port, '/websocket/test', { 'X-Marker': 'http-1.0' }, 'GET', 'HTTP/1.0'),
        status: 400,
        reason: /needs HTTP\/1\.1, not HTTP\/1\.0/,
      },
      {
        marker: 'post',
        send: () => rawUpgrade(port, '/websocket/test', { 'X-Marker': 'post' }, 'POST'),
        status: 405,
        reason: /must be a GET/,
      },
    ];
    for (const { send } of cases) await send();

    const refusals = await refusalsOf(port);
    assert.deepEqual(
      refusals.map((entry) => headerOf(entry, 'X-Marker')),
      cases.map((one) => one.marker),
      'one entry each, newest last',
    );
    for (const [index, expected] of cases.entries()) {
      const entry = refusals[index];
      assert.ok(entry);
      assert.equal(entry.status, expected.status, expected.marker);
      assert.match(entry.reason, expected.reason);
      assert.equal(entry.address, '127.0.0.1');
      assert.ok(Math.abs(entry.time - Date.now()) < 60_000);
    }
    // Exactly as sent: the names in the sender's spelling, in its order.
    const wrongPath = refusals[0];
    assert.ok(wrongPath);
    assert.deepEqual(wrongPath.request, {
      method: 'GET',
      target: '/nowhere',
      httpVersion: 'HTTP/1.1',
      headers: [
        ['Host', `127.0.0.1:${port}`],
        ['Connection', 'Upgrade'],
        ['Upgrade', 'websocket'],
        ['Sec-WebSocket-Version', '13'],
        ['Sec-WebSocket-Key', SEED_KEY],
        ['X-Marker', 'wrong-path'],
      ],
      headersLeftOut: 0,
    });
    assert.equal(refusals[4]?.request.httpVersion, 'HTTP/1.0');
    assert.equal(refusals[5]?.request.method, 'POST');

    // Numbered as they came; a reader asks only for those after the newest it has.
    assert.deepEqual(
      refusals.map((entry) => entry.seq),
      [1, 2, 3, 4, 5, 6],
    );
    const newer = await fetch(apiUrl(port, '/api/refusals?after=4'));
    const newerMarkers = ((await newer.json()) as { refusals: RefusalEntry[] }).refusals.map((entry) =>
      headerOf(entry, 'X-Marker'),
    );
    assert.deepEqual(newerMarkers, ['http-1.0', 'post']);
    for (const after of ['abc', '-1', '1e3', '']) {
      const refused = await fetch(apiUrl(port, `/api/refusals?after=${after}`));
      assert.equal(refused.status, 400, after);
      assert.deepEqual(await refused.json(), {
        error: 'after is the seq of the newest refusal you have: a whole number',
      });
    }
  });

  it('counts and lists what ws itself refuses after the checks: deflate parameters it cannot accept', async (t) => {
    const station = await startTestStation(t, { deflate: true });
    const answer = await rawUpgrade(station.port, '/websocket/test', {
      'X-Marker': 'bad-deflate',
      'Sec-WebSocket-Extensions': 'permessage-deflate; server_max_window_bits=99',
    });
    assert.equal(answer.status, 400);
    const [entry] = await refusalsOf(station.port);
    assert.equal(headerOf(entry ?? { request: { headers: [] } }, 'X-Marker'), 'bad-deflate');
    assert.equal(entry?.reason, 'Invalid or unacceptable Sec-WebSocket-Extensions header');
    assert.deepEqual(station.status().totals.rejected, { 400: 1 });
    const client = await openClient(endpointUrl(station));
    client.socket.close();
  });

  it('masks the credentials a refused request carried: Authorization, Cookie and the token', async (t) => {
    const station = await startTestStation(t);
    await rawUpgrade(station.port, '/nowhere?token=s3cret-token&x=1', {
      Authorization: 'Bearer s3cret-bearer',
      'Proxy-Authorization': 'Basic czNjcmV0',
      Cookie: 'session=s3cret-cookie',
    });
    const [entry] = await refusalsOf(station.port);
    assert.ok(entry);
    const text = JSON.stringify(entry);
    assert.doesNotMatch(text, /s3cret|czNjcmV0/);
    assert.equal(entry.request.target, `/nowhere?token=${MASK}&x=1`);
    assert.equal(headerOf(entry, 'Authorization'), `Bearer ${MASK}`);
    assert.equal(headerOf(entry, 'Proxy-Authorization'), `Basic ${MASK}`);
    assert.equal(headerOf(entry, 'Cookie'), MASK);
  });

  it('never keeps a secret, whatever is sent (generated)', () => {
    const secret = fc.stringMatching(/^[A-Za-z0-9]{12,40}$/);
    fc.assert(
      fc.property(
        secret,
        fc.constantFrom('Authorization', 'authorization', 'PROXY-AUTHORIZATION', 'Cookie'),
        fc.constantFrom('', 'Bearer ', 'Basic ', 'a='),
        fc.constantFrom('token', 'to%6Ben'),
        (value, header, prefix, tokenName) => {
          const request = {
            method: 'GET',
            url: `/websocket/test?a=1&${tokenName}=${value}`,
            httpVersion: '1.1',
            rawHeaders: ['Host', 'x', header, `${prefix}${value}`],
          };
          assert.ok(!JSON.stringify(captureRequestHead(request)).includes(value));
          // A peer's book writes such a request masked: what it reads back is what it wrote.
          const book = new HandshakeBook(1);
          book.add(1, request, []);
          const kept = JSON.stringify(book.get(1));
          assert.ok(!kept.includes(value), kept);
          assert.ok(kept.includes(MASK));
        },
      ),
    );
  });

  it('keeps a flood of refusals with huge headers to a fixed size', async (t) => {
    const station = await startTestStation(t, { maxConnectionsPerAddress: 10_000, maxPendingPerAddress: 10_000 });
    const big = 'x'.repeat(4000);
    const lines = Array.from({ length: 100 }, (_, index) => `X-Filler-${index}: ${index}\r\n`).join('');
    const request = `GET /nowhere/${big} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Big: ${big}\r\n${lines}\r\n`;
    const rounds = 3 * LIMITS.refusalsKept;
    for (let sent = 0; sent < rounds; sent += 50) {
      await Promise.all(Array.from({ length: 50 }, () => sendRaw(station.port, request, true)));
    }
    const refusals = await refusalsOf(station.port);
    assert.equal(refusals.length, LIMITS.refusalsKept, 'the newest only');
    for (const entry of refusals) {
      assert.equal(entry.request.headers.length, LIMITS.keptHeaderLines);
      assert.equal(entry.request.headersLeftOut, 104 - LIMITS.keptHeaderLines);
      assert.ok(entry.request.target.length <= LIMITS.keptTargetChars + 40, 'target capped');
      assert.ok(entry.reason.length <= LIMITS.keptTargetChars + 40, 'reason capped: it quotes the path');
      assert.ok(
        entry.request.headers.every(([name, value]) => name.length + value.length <= 2 * LIMITS.keptValueChars + 80),
      );
      assert.match(headerOf(entry, 'X-Big') ?? '', /^x{512}… \(3488 more characters\)$/);
    }
    // The station still serves.
    const client = await openClient(endpointUrl(station));
    client.socket.close();
  });
});

describe("a peer's handshake and round trip", () => {
  it('are served with the peer: the request as sent, the 101 as written, deflate agreed, the round trip', async (t) => {
    const station = await startTestStation(t, { deflate: true, heartbeatMs: 100 });
    const client = await openClient(endpointUrl(station, '?token=peer-s3cret'), 'station.v1.json', {
      headers: { 'X-Device': 'esp32-kitchen', Authorization: 'Bearer peer-s3cret' },
      perMessageDeflate: true,
    });
    t.after(() => client.socket.close());
    const [peer] = station.peers.list();
    assert.ok(peer);
    const read = async () => (await (await fetch(apiUrl(station.port, `/api/peers/${peer.id}`))).json()) as PeerDetail;
    await eventually('a round trip measured', async () => (await read()).rttMs !== null, 5000);
    const detail = await read();
    assert.equal(detail.id, peer.id);
    assert.equal(detail.protocol, 'station.v1.json');
    assert.ok(detail.rttMs && detail.rttMs.last >= 0 && detail.rttMs.median >= 0);
    const handshake = detail.handshake;
    assert.ok(handshake);
    assert.equal(handshake.request.method, 'GET');
    assert.equal(handshake.request.target, `/websocket/test?token=${MASK}`);
    assert.equal(headerOf(handshake, 'X-Device'), 'esp32-kitchen');
    assert.equal(headerOf(handshake, 'Authorization'), `Bearer ${MASK}`);
    assert.equal(headerOf(handshake, 'Sec-WebSocket-Protocol'), 'station.v1.json');
    assert.match(headerOf(handshake, 'Sec-WebSocket-Extensions') ?? '', /permessage-deflate/);
    assert.doesNotMatch(JSON.stringify(detail), /peer-s3cret/);

    const key = headerOf(handshake, 'Sec-WebSocket-Key') ?? '';
    const accept = createHash('sha1')
      .update(key + WEBSOCKET_ACCEPT_GUID)
      .digest('base64');
    const answered = Object.fromEntries(handshake.response.headers.map(([name, value]) => [name.toLowerCase(), value]));
    assert.equal(handshake.response.status, 101);
    assert.equal(answered['sec-websocket-accept'], accept);
    assert.equal(answered.upgrade, 'websocket');
    assert.equal(answered['sec-websocket-protocol'], 'station.v1.json');
    assert.match(answered['sec-websocket-extensions'] ?? '', /^permessage-deflate/);
    // Worked through for a person: the key, the GUID, the SHA-1 and its base64.
    assert.deepEqual(handshake.accept, {
      key,
      guid: WEBSOCKET_ACCEPT_GUID,
      sha1Hex: Buffer.from(accept, 'base64').toString('hex'),
      accept,
    });
  });

  it('answer 404 for a peer that is not there, and 403 to a foreign Origin', async (t) => {
    const station = await startTestStation(t);
    assert.equal((await fetch(apiUrl(station.port, '/api/peers/12345'))).status, 404);
    for (const path of ['/api/refusals', '/api/peers/1']) {
      const response = await fetch(apiUrl(station.port, path), { headers: { Origin: 'http://evil.example' } });
      assert.equal(response.status, 403, path);
    }
  });

  it('keep the newest connected peers, each exactly as sent, however peers come and go (generated)', () => {
    // Latin-1, as Node's parser makes header strings; under the caps, so nothing is cut.
    const latin1 = (minLength: number, maxLength: number) =>
      fc.string({
        unit: fc.integer({ min: 1, max: 0xff }).map((code) => String.fromCharCode(code)),
        minLength,
        maxLength,
      });
    const header = fc.tuple(latin1(0, 40), latin1(20, 200));
    const operation = fc.oneof(
      { weight: 3, arbitrary: fc.record({ add: fc.array(header, { minLength: 1, maxLength: 6 }) }) },
      { weight: 2, arbitrary: fc.record({ leaves: fc.nat(30) }) },
    );
    // An entry here is at most 3,000 bytes, so the newest always fits; churn makes the buffer compact.
    const ENTRY_MAX = 3000;
    const sizes = fc.record({
      capacity: fc.integer({ min: 1, max: 24 }),
      // Half the cases with room in bytes for every slot, where the slots alone decide.
      arenaBytes: fc.oneof(fc.integer({ min: ENTRY_MAX, max: 8000 }), fc.constant(0)),
    });
    fc.assert(
      fc.property(
        sizes,
        fc.array(operation, { minLength: 30, maxLength: 120 }),
        ({ capacity, arenaBytes: drawn }, operations) => {
          const arenaBytes = drawn === 0 ? capacity * ENTRY_MAX : drawn;
          const book = new HandshakeBook(capacity, arenaBytes);
          /** Connected peers, oldest first, with what each sent. */
          const connected = new Map<number, [string, string][]>();
          /** What a book limited by slots alone keeps: the model when bytes never run short. */
          let modelKept: number[] = [];
          let added = 0;
          for (const step of operations) {
            if ('leaves' in step) {
              // The leaves-th oldest connected peer leaves.
              const leaving = [...connected.keys()][step.leaves % Math.max(1, connected.size)];
              if (leaving === undefined) continue;
              book.forget(leaving);
              connected.delete(leaving);
              modelKept = modelKept.filter((peer) => peer !== leaving);
              continue;
            }
            const id = ++added;
            const headers = step.add.map(([name, value]) => [`X-${name}`, value] as [string, string]);
            const request = { method: 'GET', url: '/websocket/test', httpVersion: '1.1', rawHeaders: headers.flat() };
            book.add(id, request, ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket']);
            connected.set(id, headers);
            modelKept = [...modelKept, id].slice(-capacity);
            assert.ok(
              JSON.stringify(book.get(id)?.request.headers) === JSON.stringify(headers),
              `peer ${id}, the newest`,
            );
          }
          const order = [...connected.keys()];
          const kept = order.filter((peer) => book.get(peer) !== null);
          for (const peer of kept) {
            const handshake = book.get(peer);
            assert.ok(
              JSON.stringify(handshake?.request.headers) === JSON.stringify(connected.get(peer)),
              `peer ${peer}`,
            );
            assert.ok(JSON.stringify(handshake?.response.headers) === '[["Upgrade","websocket"]]', `peer ${peer}: 101`);
          }
          assert.ok(kept.length <= capacity, 'at most as many as there are slots');
          // Only ever the oldest make room: those kept are the newest of the connected peers.
          assert.deepEqual(kept, order.slice(order.length - kept.length), 'the newest connected');
          // With room for every peer in bytes, only the slots limit them.
          if (arenaBytes >= capacity * ENTRY_MAX) assert.deepEqual(kept, modelKept, 'as the slots alone decide');
        },
      ),
      // A failing case is reported as found: shrinking cases this long takes minutes.
      { endOnFailure: true },
    );
  });

  it('keep a long-connected peer while others come and go, and make room only by the oldest', () => {
    const book = new HandshakeBook(4, 1200);
    const request = (device: string, filler = '') => ({
      method: 'GET',
      url: '/websocket/test',
      httpVersion: '1.1',
      rawHeaders: ['X-Device', device, 'X-Filler', filler],
    });
    book.add(1, request('stays'), ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket']);
    for (let id = 2; id < 1000; id++) {
      book.add(id, request(`visitor ${id}`, 'x'.repeat(id % 300)), []);
      book.forget(id);
    }
    assert.equal(book.get(1)?.request.headers[0]?.[1], 'stays', 'the only peer connected is kept');
    for (const id of [1001, 1002, 1003]) book.add(id, request(`new ${id}`), []);
    assert.ok(book.get(1), 'four slots: still room');
    book.add(1004, request('fifth'), []);
    assert.equal(book.get(1), null, 'the oldest made room');
    assert.equal(book.get(1004)?.request.headers[0]?.[1], 'fifth');
    book.forget(1004);
    assert.equal(book.get(1004), null, 'a peer leaving takes its handshake');
    // Bytes: with a slot free, a handshake still takes room from the oldest until it fits.
    book.add(1005, request('large', 'y'.repeat(500)), []);
    book.forget(1002);
    book.add(1006, request('larger', 'z'.repeat(500)), []);
    assert.equal(book.get(1001), null, 'pushed out for bytes');
    assert.equal(book.get(1003)?.request.headers[0]?.[1], 'new 1003');
    assert.equal(book.get(1005)?.request.headers[1]?.[1], 'y'.repeat(500));
    assert.equal(book.get(1006)?.request.headers[1]?.[1], 'z'.repeat(500));
  });

  it('cap and mask what they keep as refusals are capped: lines, values, the target; the accept still worked', () => {
    const book = new HandshakeBook();
    const rawHeaders = ['Sec-WebSocket-Key', SEED_KEY, 'Cookie', 'id=s3cret'];
    for (let line = 0; line < 100; line++) rawHeaders.push(`X-Line-${line}`, 'v'.repeat(line === 0 ? 4000 : 1));
    book.add(
      7,
      { method: 'GET', url: `/websocket/test?token=s3cret&pad=${'p'.repeat(3000)}`, httpVersion: '1.1', rawHeaders },
      [],
    );
    const kept = book.get(7);
    assert.ok(kept);
    assert.equal(kept.request.headers.length, LIMITS.keptHeaderLines);
    assert.equal(kept.request.headersLeftOut, 102 - LIMITS.keptHeaderLines);
    assert.match(kept.request.headers[2]?.[1] ?? '', /^v{512}… \(3488 more characters\)$/);
    assert.ok(kept.request.target.length <= LIMITS.keptTargetChars + 40);
    assert.ok(kept.request.target.startsWith(`/websocket/test?token=${MASK}&pad=`));
    assert.doesNotMatch(JSON.stringify(kept), /s3cret/);
    assert.equal(kept.accept.key, SEED_KEY);
    assert.equal(kept.accept.accept, SEED_ACCEPT);
  });
});
