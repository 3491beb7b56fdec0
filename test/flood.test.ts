/**
 * A flood of tiny messages, as an attacker on the LAN would send it: connections writing 1-byte
 * text frames as fast as TCP takes them, reading their echoes. Each peer gets a fair share of the
 * station's event loop, so a bystander's ticks and echoes, new handshakes and shutdown stay on
 * time, whether the flood comes from this computer or from a LAN host (a network namespace).
 * On top, an optional message rate slows a fast peer without closing it or losing a message.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { WebSocket } from 'ws';
import { parseStationConfig } from '../main/station/config';
import { startPlainStation } from './helpers/station';
import type { PlainStation } from '../main/station/station';
import { startCliStation } from './helpers/cli';
import { openClient } from './helpers/client';
import { createLanHost, lanUnavailableReason, runLocalPeer, type LanHost } from './helpers/lan-host';
import type { LanPeerRequest } from './helpers/lan-peer';
import { eventually, waitFor } from './helpers/wait';

const TICK_MS = 200;
/** "Within about a second": what a person watching the bystander may wait, whatever the flood. */
const ON_TIME_MS = 1000;
const FLOOD_MS = 4000;
const TICK = /^[01]\.\d\d$/;

interface BystanderView {
  /** The longest wait between two ticks. */
  longestTickGapMs: number;
  /** The slowest echo of the probes sent every 250 ms. */
  slowestEchoMs: number;
  echoes: number;
  /** The slowest handshake of new connections opened every 500 ms. */
  slowestHandshakeMs: number;
  handshakes: number;
}

/** Watches `url` as a person's client would while `during` runs: ticks, echoes, new connections. */
async function watchAsBystander(url: string, during: Promise<unknown>): Promise<BystanderView> {
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  let lastTickAt = 0;
  const view: BystanderView = {
    longestTickGapMs: 0,
    slowestEchoMs: 0,
    echoes: 0,
    slowestHandshakeMs: 0,
    handshakes: 0,
  };
  socket.on('message', (data: Buffer) => {
    const text = data.toString();
    const now = performance.now();
    if (TICK.test(text)) {
      if (lastTickAt !== 0) view.longestTickGapMs = Math.max(view.longestTickGapMs, now - lastTickAt);
      lastTickAt = now;
    } else if (text.startsWith('probe ')) {
      view.slowestEchoMs = Math.max(view.slowestEchoMs, now - Number(text.slice(6)));
      view.echoes += 1;
    }
  });
  const probes = setInterval(() => socket.send(`probe ${performance.now()}`), 250);
  const openings = setInterval(() => {
    const startedAt = performance.now();
    const newcomer = new WebSocket(url);
    newcomer.once('message', () => {
      view.slowestHandshakeMs = Math.max(view.slowestHandshakeMs, performance.now() - startedAt);
      view.handshakes += 1;
      newcomer.close();
    });
    newcomer.on('error', () => undefined);
  }, 500);
  await during;
  clearInterval(probes);
  clearInterval(openings);
  // The last probe's echo.
  await new Promise((resolve) => setTimeout(resolve, 300));
  socket.close();
  return view;
}

function assertOnTime(t: TestContext, view: BystanderView, flood: Record<string, unknown>, connections: number): void {
  // What was measured, in the test report: the figures a person watching the bystander would see.
  t.diagnostic(`bystander ${JSON.stringify(view)}; flood ${JSON.stringify(flood)}`);
  assert.ok(view.longestTickGapMs < TICK_MS + ON_TIME_MS, `ticks kept coming: ${JSON.stringify(view)}`);
  assert.ok(view.echoes >= (FLOOD_MS / 250) * 0.75, `the bystander's probes were echoed: ${JSON.stringify(view)}`);
  assert.ok(view.slowestEchoMs < ON_TIME_MS, `echoes stayed prompt: ${JSON.stringify(view)}`);
  assert.ok(view.handshakes >= (FLOOD_MS / 500) * 0.75, `new peers got in: ${JSON.stringify(view)}`);
  assert.ok(view.slowestHandshakeMs < ON_TIME_MS, `handshakes stayed prompt: ${JSON.stringify(view)}`);
  assert.equal(flood.upgraded, connections, `every flooding connection was accepted: ${JSON.stringify(flood)}`);
  // 3 bytes an echo: the flood was real, and served too (fairly, not starved).
  assert.ok(Number(flood.bytesReceived) > 150_000, `the flood was echoed: ${JSON.stringify(flood)}`);
}

describe('a flood of tiny messages', () => {
  it('from this computer leaves ticks, echoes and handshakes on time for everyone else', async (t) => {
    const station = await startPlainStation(parseStationConfig({ host: '127.0.0.1', port: 0, tickMs: TICK_MS }));
    t.after(() => station.close());
    const connections = 20;
    const request: LanPeerRequest = {
      kind: 'message-flood',
      host: '127.0.0.1',
      port: station.port,
      path: '/websocket/test',
      connections,
      forMs: FLOOD_MS,
    };
    const flood = runLocalPeer(request);
    const view = await watchAsBystander(`ws://127.0.0.1:${station.port}/websocket/test`, flood);
    assertOnTime(t, view, await flood, connections);
    assert.equal(station.status().internalErrors, 0);
  });

  it('stops the station within a second of SIGTERM, every peer told 1001', async (t) => {
    const cli = await startCliStation(t, ['--quiet', '--tick-ms', String(TICK_MS)]);
    const url = `ws://127.0.0.1:${cli.port}/websocket/test`;
    const closedAt: { code: number; at: number }[] = [];
    const peers = await Promise.all(
      Array.from(
        { length: 200 },
        () =>
          new Promise<WebSocket>((resolve, reject) => {
            const socket = new WebSocket(url);
            socket.once('open', () => resolve(socket));
            socket.once('error', reject);
            socket.once('close', (code) => closedAt.push({ code, at: performance.now() }));
          }),
      ),
    );
    const flood = runLocalPeer({
      kind: 'message-flood',
      host: '127.0.0.1',
      port: cli.port,
      path: '/websocket/test',
      connections: 5,
      forMs: 3000,
    });
    // Let the flood take hold first: every flooder connected, then half a second of flooding.
    const status = async () =>
      (await (await fetch(`http://127.0.0.1:${cli.port}/api/status`)).json()) as { totals: { peers: number } };
    await eventually('the flooders to connect', async () => (await status()).totals.peers === peers.length + 5);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const exited = new Promise<number>((resolve) => cli.child.once('exit', () => resolve(performance.now())));
    const signalledAt = performance.now();
    cli.child.kill('SIGTERM');
    const exitedAt = await exited;
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(closedAt.length, peers.length, 'every peer was closed');
    for (const { code, at } of closedAt) {
      assert.equal(code, 1001);
      assert.ok(at - signalledAt < ON_TIME_MS, `a 1001 arrived ${Math.round(at - signalledAt)} ms after SIGTERM`);
    }
    // Flooders do not answer the Close: they are dropped after the 1 s grace, then it exits.
    assert.ok(exitedAt - signalledAt < 3 * ON_TIME_MS, `exited ${Math.round(exitedAt - signalledAt)} ms after SIGTERM`);
    assert.equal(cli.child.exitCode, 0);
    const result = await flood;
    assert.equal(result.upgraded, 5);
    assert.equal(result.closedByStation, 5, 'the flooders were dropped by the station, not by their own timer');
  });
});

describe('the message rate limit', () => {
  it('slows a peer that sends faster than the limit, without closing it or losing a message', async (t) => {
    const station = await startPlainStation(
      parseStationConfig({ host: '127.0.0.1', port: 0, tickMs: 60_000, maxMessagesPerSecond: 50 }),
    );
    t.after(() => station.close());
    const url = `ws://127.0.0.1:${station.port}/websocket/test`;
    const fast = await openClient(url);
    const bystander = await openClient(url);
    const echoes: string[] = [];
    let lastEchoAt = 0;
    fast.socket.on('message', (data: Buffer) => {
      if (!data.toString().startsWith('m')) return;
      echoes.push(data.toString());
      lastEchoAt = performance.now();
    });
    // 150 messages in three bursts 50 ms apart: a second's worth goes at once, the rest owes 2 s.
    const startedAt = performance.now();
    const sent = Array.from({ length: 150 }, (_, i) => `m${i}`);
    for (let burst = 0; burst < 3; burst += 1) {
      for (const text of sent.slice(burst * 50, burst * 50 + 50)) fast.socket.send(text);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // Meanwhile everyone else is served at once.
    bystander.socket.send('not slowed');
    const bystanderSentAt = performance.now();
    await bystander.inbox.nextMatching((m) => m.data.toString() === 'not slowed', 2000);
    assert.ok(performance.now() - bystanderSentAt < 500, 'the bystander was not slowed');
    await waitFor('every message echoed', () => echoes.length === sent.length, 10_000);
    assert.deepEqual(echoes, sent, 'every message echoed, in order');
    assert.ok(
      lastEchoAt - startedAt >= 800,
      `held back: the last echo came ${Math.round(lastEchoAt - startedAt)} ms in`,
    );
    assert.equal(fast.socket.readyState, WebSocket.OPEN, 'slowed, not closed');
    assert.ok(station.status().totals.slowedForMessageRate >= 1);
    fast.socket.close();
    bystander.socket.close();
  });

  it('keeps a slowed peer through heartbeats: its pong waits behind what it sent', async (t) => {
    const station = await startPlainStation(
      parseStationConfig({ host: '127.0.0.1', port: 0, tickMs: 60_000, heartbeatMs: 300, maxMessagesPerSecond: 20 }),
    );
    t.after(() => station.close());
    const fast = await openClient(`ws://127.0.0.1:${station.port}/websocket/test`);
    let closedWith: number | null = null;
    fast.socket.on('close', (code: number) => (closedWith = code));
    const echoes: string[] = [];
    fast.socket.on('message', (data: Buffer) => {
      if (data.toString().startsWith('m')) echoes.push(data.toString());
    });
    // 80 at once at 20 a second: read in one go, then reading is held for 3 s, ten heartbeat
    // rounds; the message after them is read (and echoed) only once that time is paid.
    const sent = Array.from({ length: 81 }, (_, i) => `m${i}`);
    for (const text of sent.slice(0, -1)) fast.socket.send(text);
    await new Promise((resolve) => setTimeout(resolve, 100));
    fast.socket.send(sent.at(-1) ?? '');
    await waitFor('every message echoed', () => echoes.length === sent.length || closedWith !== null, 10_000);
    assert.equal(closedWith, null, 'not dropped by the heartbeat while slowed');
    assert.deepEqual(echoes, sent);
    fast.socket.close();
  });

  it('is off unless set: the same bursts are echoed at once', async (t) => {
    const station = await startPlainStation(parseStationConfig({ host: '127.0.0.1', port: 0, tickMs: 60_000 }));
    t.after(() => station.close());
    const fast = await openClient(`ws://127.0.0.1:${station.port}/websocket/test`);
    let echoes = 0;
    fast.socket.on('message', (data: Buffer) => {
      if (data.toString().startsWith('m')) echoes += 1;
    });
    const startedAt = performance.now();
    for (let i = 0; i < 150; i += 1) fast.socket.send(`m${i}`);
    await waitFor('every message echoed', () => echoes === 150, 5000);
    assert.ok(performance.now() - startedAt < 800, 'not held back');
    assert.equal(station.status().totals.slowedForMessageRate, 0);
    fast.socket.close();
  });
});

const unavailable = lanUnavailableReason();

describe('a flood of tiny messages from a LAN host', { skip: unavailable ?? false }, () => {
  let lan: LanHost;
  let station: PlainStation;

  before(async () => {
    lan = createLanHost();
    station = await startPlainStation(parseStationConfig({ host: '0.0.0.0', port: 0, tickMs: TICK_MS }));
  });

  after(async () => {
    await station.close();
    lan.remove();
  });

  it('from twenty connections of one address, with no token, leaves everyone else on time', async (t) => {
    const connections = 20;
    const flood = lan.peer({
      kind: 'message-flood',
      host: lan.stationAddress,
      port: station.port,
      path: '/websocket/test',
      connections,
      forMs: FLOOD_MS,
    });
    const view = await watchAsBystander(`ws://127.0.0.1:${station.port}/websocket/test`, flood);
    assertOnTime(t, view, await flood, connections);
    assert.equal(station.status().internalErrors, 0);
  });
});
