/**
 * What hostile peers can make the station hold: unread echoes and messages never finished.
 * The station-wide budget closes the largest holders with 1008, the deadline closes a peer that
 * never completes its message, and a bystander is served throughout.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { closed, openClient, type Client } from './helpers/client';
import { closeCodeOf, encodeFrame, rawUpgrade, readUntilClose } from './helpers/raw-websocket';
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
    const station = await startTestStation(t, { memoryBudget: budget, maxPayload: 8 * MiB, tickMs: 60_000 });
    const bystander = await openClient(endpointUrl(station));
    const holders = await Promise.all([0, 1, 2].map(() => rawUpgrade(station.port, '/websocket/test')));
    const [first, second, third] = holders;
    assert.ok(first && second && third);
    const thirdClosed = readUntilClose(third.socket, third.rest);
    // Two hold 5 MiB each; the third goes over the budget as it passes 6 MiB, and is then the largest.
    first.socket.write(unfinishedFrame(8 * MiB, 5 * MiB));
    second.socket.write(unfinishedFrame(8 * MiB, 5 * MiB));
    await waitFor('10 MiB of partial input', () => station.status().memory.partialInputBytes >= 10 * MiB, 5000);
    third.socket.write(unfinishedFrame(8 * MiB, 7 * MiB));

    const frames = await thirdClosed;
    assert.equal(closeCodeOf(frames.at(-1)), 1008);
    assert.match(frames.at(-1)?.payload.subarray(2).toString() ?? '', /^Station memory budget exceeded/);
    await waitFor('held memory to be within the budget', () => station.status().memory.usedBytes <= budget, 5000);
    assert.ok(station.status().memory.partialInputBytes >= 10 * MiB, 'the two smaller holders are still held');
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
