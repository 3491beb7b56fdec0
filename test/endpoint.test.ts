/** What a peer of /websocket/test receives: greeting, ticks, echoes, in both wire formats. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, it } from 'node:test';
import { TICK_SENT_CHANNEL, type TickSent } from '../main/station/diagnostics';
import { openClient, parseJson, type Client, type Received } from './helpers/client';
import { encodeFrame, rawUpgrade, readUntilClose } from './helpers/raw-websocket';
import { endpointUrl, startTestStation } from './helpers/station';

const GREETING_BYTES = Buffer.from([0xe8, 0xbf, 0x9e, 0xe6, 0x8e, 0xa5, 0xe6, 0x88, 0x90, 0xe5, 0x8a, 0x9f]);
const TICK_PATTERN = /^[01]\.\d\d$/;
const isTick = (m: Received) => !m.isBinary && TICK_PATTERN.test(m.data.toString());

describe('plain text wire (no subprotocol, as the seed)', () => {
  it('greets with the text frame 连接成功, exactly those bytes', async (t) => {
    const station = await startTestStation(t, { tickMs: 60_000 });
    const { socket, inbox } = await openClient(endpointUrl(station));
    const greeting = await inbox.next();
    assert.equal(greeting.isBinary, false);
    assert.deepEqual(greeting.data, GREETING_BYTES);
    assert.equal(greeting.data.toString(), '连接成功');
    assert.equal(socket.protocol, '');
    socket.close();
  });

  it('sends every peer the same tick values from one shared schedule', async (t) => {
    const tickMs = 50;
    const station = await startTestStation(t, { tickMs });
    const peers = await Promise.all([1, 2, 3].map(() => openClient(endpointUrl(station))));
    const collect = (client: Client) => {
      const ticks: { value: string; at: number }[] = [];
      client.socket.on('message', (data: Buffer) => {
        if (TICK_PATTERN.test(data.toString())) ticks.push({ value: data.toString(), at: performance.now() });
      });
      return ticks;
    };
    const seen = peers.map(collect);
    const ticksBefore = station.status().totals.ticks;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const ticksSent = station.status().totals.ticks - ticksBefore;
    for (const p of peers) p.socket.close();

    // About 1000 / 50 = 20 ticks; each one tick of the shared schedule, whatever the number of peers.
    assert.ok(ticksSent >= 15 && ticksSent <= 21, `${ticksSent} ticks in 1 s at ${tickMs} ms`);
    const [first, ...others] = seen.map((ticks) => ticks.map((tick) => tick.value));
    assert.ok(first && first.length >= 15, `peer received ${first?.length} ticks`);
    for (const other of others) {
      // All started listening at once; the last tick may still be in flight to some of them.
      const common: number = Math.min(first.length, other.length) - 1;
      assert.deepEqual(other.slice(0, common), first.slice(0, common));
    }
    for (const value of first) assert.match(value, TICK_PATTERN);
    const gaps = seen[0]?.slice(1).map((tick, i) => tick.at - (seen[0]?.[i]?.at ?? 0)) ?? [];
    const meanGap = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    assert.ok(Math.abs(meanGap - tickMs) < 10, `mean gap ${meanGap.toFixed(1)} ms`);
  });

  it('publishes each tick’s slot and send time on the ws-station:tick-sent diagnostics channel', async (t) => {
    const tickMs = 50;
    const published: TickSent[] = [];
    const onTick = (message: unknown) => published.push(message as TickSent);
    subscribe(TICK_SENT_CHANNEL, onTick);
    t.after(() => unsubscribe(TICK_SENT_CHANNEL, onTick));
    const station = await startTestStation(t, { tickMs });
    const { socket, inbox } = await openClient(endpointUrl(station));
    await inbox.next();
    published.length = 0;
    await inbox.nextMatching(isTick);
    await inbox.nextMatching(isTick);
    socket.close();
    assert.ok(published.length >= 1, `${published.length} ticks published`);
    for (const tick of published) {
      assert.equal(tick.peers, 1);
      // Node's timers keep whole milliseconds of loop time, so a tick may begin just before its slot.
      assert.ok(tick.sentAt > tick.slotAt - 1.5, `sent ${tick.sentAt - tick.slotAt} ms after its slot`);
    }
    // Slots lie on the one schedule: whole periods apart.
    for (const [i, tick] of published.slice(1).entries()) {
      const periods = (tick.slotAt - (published[i]?.slotAt ?? NaN)) / tickMs;
      assert.ok(Math.abs(periods - Math.round(periods)) < 1e-6 && periods >= 1, `slots ${periods} periods apart`);
    }
  });

  it('echoes text as text and binary as binary, byte-exact: empty, unicode, 1 MiB', async (t) => {
    const station = await startTestStation(t, { tickMs: 60_000 });
    const { socket, inbox } = await openClient(endpointUrl(station));
    await inbox.next();
    const cases: { data: Buffer; binary: boolean }[] = [
      { data: Buffer.from('hello'), binary: false },
      { data: Buffer.alloc(0), binary: false },
      { data: Buffer.alloc(0), binary: true },
      { data: Buffer.from('连接成功 ✓ 𝄞 émoji 🚀'), binary: false },
      { data: Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80]), binary: true },
      { data: Buffer.from('0.42'), binary: false },
      { data: Buffer.from('x'.repeat(1024 * 1024)), binary: false },
      { data: randomBytes(1024 * 1024), binary: true },
    ];
    for (const { data, binary } of cases) socket.send(data, { binary });
    for (const { data, binary } of cases) {
      const echo = await inbox.next();
      assert.equal(echo.isBinary, binary, `frame type of a ${data.length}-byte message`);
      assert.ok(echo.data.equals(data), `bytes of a ${data.length}-byte message`);
    }
    socket.close();
  });

  it('keeps each peer’s echoes in order with 50 clients sending at once', async (t) => {
    const station = await startTestStation(t, { tickMs: 20 });
    const clients = await Promise.all(Array.from({ length: 50 }, () => openClient(endpointUrl(station))));
    const perClient = 200;
    await Promise.all(
      clients.map(async ({ socket, inbox }, c) => {
        for (let i = 0; i < perClient; i++) socket.send(`client ${c} message ${i}`);
        for (let i = 0; i < perClient; i++) {
          const echo = await inbox.nextMatching((m) => !isTick(m) && m.data.toString() !== '连接成功', 10_000);
          assert.equal(echo.data.toString(), `client ${c} message ${i}`);
        }
        socket.close();
      }),
    );
    assert.equal(station.status().totals.messagesIn, 50 * perClient);
  });
});

describe(`subprotocol station.v1.json`, () => {
  it('is selected when offered, and speaks JSON: welcome, tick, echo', async (t) => {
    const station = await startTestStation(t, { tickMs: 50 });
    const { socket, inbox } = await openClient(endpointUrl(station), ['other.v0', 'station.v1.json']);
    assert.equal(socket.protocol, 'station.v1.json');

    const welcome = parseJson(await inbox.next());
    assert.deepEqual(Object.keys(welcome).sort(), ['peerId', 'text', 'tickMs', 'time', 'type']);
    assert.equal(welcome.type, 'welcome');
    assert.equal(welcome.text, '连接成功');
    assert.equal(welcome.tickMs, 50);

    const tick = await inbox.nextJson('tick');
    const next = await inbox.nextJson('tick');
    assert.match(String(tick.value), TICK_PATTERN);
    assert.equal(next.seq, Number(tick.seq) + 1);
    assert.ok(Math.abs(Number(tick.time) - Date.now()) < 1000);

    // An echo of text that looks like a tick is still told apart from a tick.
    socket.send('0.42');
    const echo = await inbox.nextJson('echo');
    assert.deepEqual(echo, { type: 'echo', data: '0.42' });
    socket.send('连接成功 🚀');
    assert.equal((await inbox.nextJson('echo')).data, '连接成功 🚀');

    const bytes = randomBytes(64);
    socket.send(bytes);
    const binaryEcho = await inbox.nextMatching((m) => m.isBinary);
    assert.ok(binaryEcho.data.equals(bytes));
    socket.close();
  });

  it('is not selected when not offered: no protocol in the 101, and the wire stays plain text', async (t) => {
    const station = await startTestStation(t, { tickMs: 60_000 });
    const response = await rawUpgrade(station.port, '/websocket/test', { 'Sec-WebSocket-Protocol': 'other.v0' });
    assert.equal(response.status, 101);
    assert.equal(response.headers['sec-websocket-protocol'], undefined);
    response.socket.write(encodeFrame(0x8, Buffer.from([0x03, 0xe8])));
    const [greeting] = await readUntilClose(response.socket, response.rest);
    assert.ok(greeting);
    assert.equal(greeting.opcode, 0x1);
    assert.equal(greeting.payload.toString(), '连接成功');
    response.socket.destroy();
  });
});
