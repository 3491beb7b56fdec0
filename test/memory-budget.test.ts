/**
 * What hostile peers can make the station hold: unread echoes and messages never finished.
 * The station-wide budget closes the largest holders with 1008, the deadline closes a peer that
 * never completes its message, and a bystander is served throughout.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { constants, deflateRawSync } from 'node:zlib';
import { JSON_SUBPROTOCOL } from '../common/protocol';
import { leastMemoryBudget } from '../main/station/config';
import { FRAGMENT_BYTES } from '../main/station/peers/input-meter';
import { jsonEchoBytesAtMost } from '../main/station/peers/json-text';
import { closed, openClient, parseJson, type Client } from './helpers/client';
import {
  closeCodeOf,
  encodeFrame,
  rawUpgrade,
  readUntilClose,
  type RawResponse,
  type ServerFrame,
} from './helpers/raw-websocket';
import { endpointUrl, startTestStation } from './helpers/station';
import { waitFor } from './helpers/wait';

const MiB = 1024 * 1024;

async function assertStillServed(bystander: Client, text: string): Promise<void> {
  bystander.socket.send(text);
  const echo = await bystander.inbox.nextMatching((m) => m.data.toString() === text, 5000);
  assert.equal(echo.isBinary, false);
}

/** The first `bytes` of one text frame announced as `announced` bytes long, never finished. */
function unfinishedFrame(announced: number, bytes: number): Buffer {
  const whole = encodeFrame(0x1, Buffer.alloc(announced, 0x61));
  return whole.subarray(0, bytes);
}

describe('memory budget', () => {
  it('closes the peers holding the most unread echoes with 1008 once the station is over budget', async (t) => {
    const budget = 16 * MiB;
    const station = await startTestStation(t, { memoryBudget: budget, maxPayload: MiB, tickMs: 60_000 });
    const bystander = await openClient(endpointUrl(station));
    const hoarders = await Promise.all(Array.from({ length: 6 }, () => openClient(endpointUrl(station))));
    const hoarderClosed = hoarders.map(({ socket }) => closed(socket));
    for (const { socket } of hoarders) {
      socket.pause(); // never reads an echo
      for (let i = 0; i < 12; i += 1) socket.send(randomBytes(MiB));
    }
    await waitFor(
      'the budget to close the largest holders',
      () => station.status().memory.closedOverBudget >= 2,
      15_000,
    );
    // Once the closed holders are gone, what the station holds is back within the budget.
    await waitFor('held memory to be within the budget', () => station.status().memory.usedBytes <= budget, 5000);
    const { memory } = station.status();
    assert.equal(memory.budgetBytes, budget);
    assert.ok(memory.closedOverBudget < hoarders.length, 'only as many holders as needed were closed');
    await assertStillServed(bystander, 'served while others hoard');
    for (const { socket } of hoarders) socket.terminate();
    await Promise.all(hoarderClosed);
    bystander.socket.close();
  });

  it('counts partial messages against the budget and closes the largest with a 1008 it can read', async (t) => {
    const budget = 16 * MiB;
    const station = await startTestStation(t, { memoryBudget: budget, maxPayload: 2 * MiB, tickMs: 60_000 });
    const bystander = await openClient(endpointUrl(station));
    const holders = await Promise.all(Array.from({ length: 13 }, () => rawUpgrade(station.port, '/websocket/test')));
    const largest = holders.at(-1);
    assert.ok(largest);
    const largestClosed = readUntilClose(largest.socket, largest.rest);
    // Twelve hold 1.2 MiB each; the last goes over the budget as it passes 1.6 MiB, and is then the largest.
    for (const holder of holders.slice(0, -1)) holder.socket.write(unfinishedFrame(2 * MiB, 1.2 * MiB));
    await waitFor('14 MiB of input held', () => station.status().memory.heldInputBytes >= 14 * MiB, 5000);
    largest.socket.write(unfinishedFrame(2 * MiB, 1.9 * MiB));

    const frames = await largestClosed;
    assert.equal(closeCodeOf(frames.at(-1)), 1008);
    assert.match(frames.at(-1)?.payload.subarray(2).toString() ?? '', /^Station memory budget exceeded/);
    await waitFor('held memory to be within the budget', () => station.status().memory.usedBytes <= budget, 5000);
    assert.ok(station.status().memory.heldInputBytes >= 14 * MiB, 'the twelve smaller holders are still held');
    assert.equal(station.status().memory.closedOverBudget, 1);
    await assertStillServed(bystander, 'served while others send half messages');
    for (const holder of holders) holder.socket.destroy();
    bystander.socket.close();
  });

  it('closes a peer that does not finish its message within the deadline with 1008', async (t) => {
    const station = await startTestStation(t, { messageDeadlineMs: 1000, tickMs: 60_000 });
    const bystander = await openClient(endpointUrl(station));
    // One sends the first fragment of a message and no more; one sends half of a single frame.
    const fragmenter = await rawUpgrade(station.port, '/websocket/test');
    const halfFrame = await rawUpgrade(station.port, '/websocket/test');
    const closes = [fragmenter, halfFrame].map((peer) => readUntilClose(peer.socket, peer.rest));
    const startedAt = Date.now();
    fragmenter.socket.write(encodeFrame(0x1, Buffer.from('the start of'), { fin: false }));
    halfFrame.socket.write(unfinishedFrame(64 * 1024, 1000));
    for (const frames of await Promise.all(closes)) {
      assert.equal(closeCodeOf(frames.at(-1)), 1008);
      assert.equal(frames.at(-1)?.payload.subarray(2).toString(), 'Message not completed within 1 s');
    }
    const elapsed = Date.now() - startedAt;
    assert.ok(elapsed >= 1000 && elapsed < 3000, `closed after ${elapsed} ms`);
    assert.equal(station.status().memory.closedOverDeadline, 2);
    // A peer that finishes its messages, however slowly they trickle in, is left alone.
    await assertStillServed(bystander, 'served after the deadline closes');
    fragmenter.socket.destroy();
    halfFrame.socket.destroy();
    bystander.socket.close();
  });

  it('leaves a peer alone that completes each message, and a paused peer waiting on the station', async (t) => {
    const station = await startTestStation(t, { messageDeadlineMs: 1000, tickMs: 60_000 });
    const slow = await rawUpgrade(station.port, '/websocket/test');
    const frame = encodeFrame(0x2, randomBytes(3000));
    // Each message takes 0.6 s to arrive, five in a row: 3 s of continuous partial input.
    for (let message = 0; message < 5; message += 1) {
      for (let offset = 0; offset < frame.length; offset += 1000) {
        slow.socket.write(frame.subarray(offset, offset + 1000));
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    await waitFor('five messages', () => station.status().totals.messagesIn === 5);
    assert.equal(station.status().memory.closedOverDeadline, 0);
    assert.equal(station.status().totals.peers, 1);
    slow.socket.destroy();
  });
});

/** Frames that fooled the count of held input before: it must count what ws really holds. */
describe('framing tricks against the memory budget', () => {
  const PING = encodeFrame(0x9, Buffer.alloc(0));

  /** `count` fragments of one text message, `size` bytes each, a ping after every one, never finished. */
  function fragmentsAndPings(count: number, size: number, first = true): Buffer {
    const parts: Buffer[] = [];
    for (let i = 0; i < count; i += 1) {
      parts.push(encodeFrame(first && i === 0 ? 0x1 : 0x0, Buffer.alloc(size, 0x61), { fin: false }), PING);
    }
    return Buffer.concat(parts);
  }

  /** The Close frames the peers got, as they come (a peer that was not closed adds none). */
  function closesOf(peers: RawResponse[]): ServerFrame[] {
    const told: ServerFrame[] = [];
    for (const peer of peers) {
      readUntilClose(peer.socket, peer.rest).then(
        (frames) => told.push(...frames.slice(-1)),
        () => undefined,
      );
    }
    return told;
  }

  it('counts the fragments of a message held while pings come between them, and closes the largest with 1008', async (t) => {
    const budget = 16 * MiB;
    const station = await startTestStation(t, {
      memoryBudget: budget,
      maxPayload: 2 * MiB,
      messageDeadlineMs: 60_000,
      tickMs: 60_000,
    });
    const bystander = await openClient(endpointUrl(station));
    const holders = await Promise.all(Array.from({ length: 9 }, () => rawUpgrade(station.port, '/websocket/test')));
    const told = closesOf(holders);
    // 9 × 1.9 MiB of fragments, 1000 bytes each (ws allows 16,384 per message): over the budget,
    // though every ping "completes" something.
    for (const holder of holders) holder.socket.write(fragmentsAndPings(Math.floor((1.9 * MiB) / 1000), 1000));
    await waitFor('the budget to close a holder', () => station.status().memory.closedOverBudget >= 1, 15_000);
    await waitFor('held memory to be within the budget', () => station.status().memory.usedBytes <= budget, 5000);
    await waitFor('the holder to be told why', () => told.length >= 1);
    for (const frame of told) {
      assert.equal(closeCodeOf(frame), 1008);
      assert.match(frame.payload.subarray(2).toString(), /^Station memory budget exceeded/);
    }
    assert.ok(station.status().memory.heldInputBytes > 8 * 1.9 * MiB * 0.9, 'the others are still counted');
    await assertStillServed(bystander, 'served while others hide fragments behind pings');
    for (const holder of holders) holder.socket.destroy();
    bystander.socket.close();
  });

  it('keeps the deadline running for a fragmented message while pings keep arriving', async (t) => {
    const station = await startTestStation(t, { messageDeadlineMs: 1000, tickMs: 60_000 });
    const peer = await rawUpgrade(station.port, '/websocket/test');
    const frames = readUntilClose(peer.socket, peer.rest);
    const startedAt = Date.now();
    let first = true;
    const feed = setInterval(() => {
      peer.socket.write(fragmentsAndPings(1, 119, first));
      first = false;
    }, 100);
    try {
      const received = await frames;
      const close = received.at(-1);
      assert.equal(closeCodeOf(close), 1008);
      assert.equal(close?.payload.subarray(2).toString(), 'Message not completed within 1 s');
      const elapsed = Date.now() - startedAt;
      assert.ok(elapsed >= 1000 && elapsed < 3000, `closed after ${elapsed} ms`);
      assert.ok(
        received.some((frame) => frame.opcode === 0xa),
        'its pings were answered meanwhile',
      );
    } finally {
      clearInterval(feed);
      peer.socket.destroy();
    }
    assert.equal(station.status().memory.closedOverDeadline, 1);
  });

  it('keeps the deadline running, with at most one deadline of grace, while a peer owes its message rate', async (t) => {
    const station = await startTestStation(t, { messageDeadlineMs: 1000, maxMessagesPerSecond: 10, tickMs: 60_000 });
    const peer = await rawUpgrade(station.port, '/websocket/test');
    const frames = readUntilClose(peer.socket, peer.rest);
    const startedAt = Date.now();
    // A message started, then 300 pings: 29 s owed, reading held all that time.
    peer.socket.write(
      Buffer.concat([
        encodeFrame(0x1, Buffer.from('begun'), { fin: false }),
        ...Array.from({ length: 300 }, () => PING),
      ]),
    );
    try {
      const received = await frames;
      assert.equal(closeCodeOf(received.at(-1)), 1008);
      assert.equal(received.at(-1)?.payload.subarray(2).toString(), 'Message not completed within 1 s');
      const elapsed = Date.now() - startedAt;
      assert.ok(elapsed >= 1000 && elapsed < 4000, `closed after ${elapsed} ms`);
      assert.ok(station.status().totals.slowedForMessageRate >= 1, 'it was slowed');
    } finally {
      peer.socket.destroy();
    }
  });

  it('counts the start of a message that came in the same write as the end of the one before', async (t) => {
    const station = await startTestStation(t, { messageDeadlineMs: 1000, tickMs: 60_000 });
    const peer = await rawUpgrade(station.port, '/websocket/test');
    const frames = readUntilClose(peer.socket, peer.rest);
    const startedAt = Date.now();
    const next = unfinishedFrame(64 * 1024, 1000);
    peer.socket.write(Buffer.concat([encodeFrame(0x1, Buffer.from('complete')), next]));
    await waitFor('the started message to be counted', () => station.status().peers[0]?.heldInputBytes === next.length);
    const received = await frames;
    assert.ok(
      received.some((frame) => frame.opcode === 0x1 && frame.payload.toString() === 'complete'),
      'the complete one was echoed',
    );
    assert.equal(closeCodeOf(received.at(-1)), 1008);
    assert.equal(received.at(-1)?.payload.subarray(2).toString(), 'Message not completed within 1 s');
    const elapsed = Date.now() - startedAt;
    assert.ok(elapsed >= 1000 && elapsed < 3000, `closed after ${elapsed} ms`);
    peer.socket.destroy();
  });

  it('counts a compressed message in progress as what it may inflate to', async (t) => {
    const budget = 17 * MiB;
    const station = await startTestStation(t, {
      deflate: true,
      memoryBudget: budget,
      maxPayload: 2 * MiB,
      tickMs: 60_000,
    });
    const bystander = await openClient(endpointUrl(station));
    // The first fragment of a message that inflates to almost 2 MiB: about 2 KB on the wire.
    const compressed = deflateRawSync(Buffer.alloc(2 * MiB - 1024), { finishFlush: constants.Z_SYNC_FLUSH });
    const firstFragment = encodeFrame(0x2, compressed, { fin: false });
    firstFragment[0] = (firstFragment[0] ?? 0) | 0x40; // RSV1: compressed (RFC 7692)
    const holders = await Promise.all(
      Array.from({ length: 10 }, () =>
        rawUpgrade(station.port, '/websocket/test', { 'Sec-WebSocket-Extensions': 'permessage-deflate' }),
      ),
    );
    for (const holder of holders) assert.match(holder.headers['sec-websocket-extensions'] ?? '', /permessage-deflate/);
    const told = closesOf(holders);
    for (const holder of holders) holder.socket.write(firstFragment);
    // 10 × 2 MiB counted, 20 KB on the wire: the budget closes some, until the rest fit.
    await waitFor('the budget to close holders', () => station.status().memory.closedOverBudget >= 2, 5000);
    await waitFor('held memory to be within the budget', () => station.status().memory.usedBytes <= budget, 5000);
    await waitFor('the holders to be told why', () => told.length === station.status().memory.closedOverBudget);
    for (const frame of told) {
      assert.equal(closeCodeOf(frame), 1008);
      assert.match(frame.payload.subarray(2).toString(), /^Station memory budget exceeded/);
    }
    await assertStillServed(bystander, 'served while others inflate');
    for (const holder of holders) holder.socket.destroy();
    bystander.socket.close();
  });

  it('counts what ws keeps for each fragment, so that a message in tiny fragments cannot hide its weight', async (t) => {
    const budget = 16 * MiB;
    const station = await startTestStation(t, { memoryBudget: budget, messageDeadlineMs: 60_000, tickMs: 60_000 });
    const bystander = await openClient(endpointUrl(station));
    const holders = await Promise.all(Array.from({ length: 10 }, () => rawUpgrade(station.port, '/websocket/test')));
    const told = closesOf(holders);
    // 16,000 one-byte fragments (ws allows 16,384 a message): 112 KB on the wire, and 16,000
    // objects ws keeps, 1.8 MB of them: ten such peers are over the budget.
    const fragments = 16_000;
    for (const holder of holders) {
      holder.socket.write(
        Buffer.concat(
          Array.from({ length: fragments }, (_, i) =>
            encodeFrame(i === 0 ? 0x1 : 0x0, Buffer.from('a'), { fin: false }),
          ),
        ),
      );
    }
    await waitFor('the budget to close holders', () => station.status().memory.closedOverBudget >= 2, 15_000);
    await waitFor('the holders to be told why', () => told.length >= 2);
    for (const frame of told) {
      assert.equal(closeCodeOf(frame), 1008);
      assert.match(frame.payload.subarray(2).toString(), /^Station memory budget exceeded/);
    }
    await waitFor('held memory to be within the budget', () => station.status().memory.usedBytes <= budget, 5000);
    assert.ok(station.status().memory.heldInputBytes >= fragments * FRAGMENT_BYTES, 'the one left is counted whole');
    await assertStillServed(bystander, 'served while others send one byte a fragment');
    for (const holder of holders) holder.socket.destroy();
    bystander.socket.close();
  });

  it('stops counting what a peer sends after its Close, or after it broke the protocol', async (t) => {
    const station = await startTestStation(t, { tickMs: 60_000 });
    const afterClose = await rawUpgrade(station.port, '/websocket/test');
    const afterError = await rawUpgrade(station.port, '/websocket/test');
    const answers = [afterClose, afterError].map((peer) => readUntilClose(peer.socket, peer.rest));
    // Half-open: each goes on writing pings after the station has answered and ended its side,
    // 100,000 with its last frame and 100,000 more later, which ws reads only to discard.
    const pings = Buffer.concat(Array.from({ length: 100_000 }, () => PING));
    const write = (peer: RawResponse, bytes: Buffer) => new Promise((resolve) => peer.socket.write(bytes, resolve));
    for (const peer of [afterClose, afterError]) peer.socket.allowHalfOpen = true;
    await write(afterClose, Buffer.concat([encodeFrame(0x8, Buffer.from([0x03, 0xe8])), pings]));
    await write(afterError, Buffer.concat([encodeFrame(0x3, Buffer.from('opcode 3 is reserved')), pings]));
    const [closeAnswer, errorAnswer] = await Promise.all(answers);
    assert.equal(closeCodeOf(closeAnswer?.at(-1)), 1000);
    assert.equal(closeCodeOf(errorAnswer?.at(-1)), 1002);
    await Promise.all([afterClose, afterError].map((peer) => write(peer, pings)));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const held = station.status().peers.map((peer) => peer.heldInputBytes);
    assert.equal(held.length, 2, 'both are still there until the close timeout drops them');
    for (const bytes of held) assert.ok(bytes < 1024, `still counted as holding ${bytes} bytes`);
    for (const peer of [afterClose, afterError]) peer.socket.destroy();
  });

  it('echoes two of the largest messages that escape worst in station.v1.json to a peer that reads late', async (t) => {
    const budget = 32 * MiB;
    // The largest message the budget allows: one arriving while the echo of the one before waits.
    let maxPayload = Math.floor(budget / 7);
    while (leastMemoryBudget(maxPayload, false) > budget) maxPayload -= 1;
    const station = await startTestStation(t, { memoryBudget: budget, maxPayload, tickMs: 60_000 });
    const client = await openClient(endpointUrl(station), JSON_SUBPROTOCOL);
    await client.inbox.nextJson('welcome');
    // It reads nothing until both are sent, so the first echo is queued while the second arrives.
    client.socket.pause();
    const text = '\u0001'.repeat(maxPayload);
    client.socket.send(text);
    client.socket.send(text);
    await waitFor('the first echo to be queued', () => (station.status().peers[0]?.bufferedAmount ?? 0) > 4 * MiB);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    client.socket.resume();
    for (let i = 0; i < 2; i += 1) {
      const echo = await client.inbox.nextMatching((m) => parseJson(m).type === 'echo', 20_000);
      assert.equal(echo.data.length, jsonEchoBytesAtMost(maxPayload), 'six bytes for each control character');
      assert.equal(parseJson(echo).data, text);
    }
    const { memory, internalErrors } = station.status();
    assert.equal(memory.closedOverBudget, 0);
    assert.equal(internalErrors, 0);
    client.socket.close();
  });
});
