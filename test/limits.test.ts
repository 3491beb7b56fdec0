/** Bad peers and slow peers: each is dealt with by the RFC's close code, and nobody else notices. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { closed, openClient, parseJson, type Client } from './helpers/client';
import { closeCodeOf, encodeFrame, rawUpgrade, readUntilClose } from './helpers/raw-websocket';
import { endpointUrl, startTestStation } from './helpers/station';
import { waitFor } from './helpers/wait';
import type { PlainStation } from '../main/station/station';

const MiB = 1024 * 1024;

/** A peer that keeps chatting; asserts it still gets its echo after someone else misbehaved. */
async function assertStillServed(bystander: Client): Promise<void> {
  bystander.socket.send('still here?');
  const echo = await bystander.inbox.nextMatching((m) => m.data.toString() === 'still here?');
  assert.equal(echo.isBinary, false);
}

async function rawPeer(station: PlainStation) {
  const response = await rawUpgrade(station.port, '/websocket/test');
  assert.equal(response.status, 101);
  return response;
}

describe('limits and malformed input', () => {
  it('closes a peer that sends more than maxPayload with 1009; others carry on', async (t) => {
    const station = await startTestStation(t, { maxPayload: MiB, tickMs: 60_000 });
    const bystander = await openClient(endpointUrl(station));
    const offender = await openClient(endpointUrl(station));
    offender.socket.send(Buffer.alloc(MiB)); // exactly the limit: accepted
    assert.equal((await offender.inbox.nextMatching((m) => m.isBinary)).data.length, MiB);
    offender.socket.send(Buffer.alloc(MiB + 1));
    const { code } = await closed(offender.socket);
    assert.equal(code, 1009);
    await assertStillServed(bystander);
    bystander.socket.close();
  });

  it('closes a peer that sends invalid UTF-8 in a text frame with 1007; others carry on', async (t) => {
    const station = await startTestStation(t, { tickMs: 60_000 });
    const bystander = await openClient(endpointUrl(station));
    const raw = await rawPeer(station);
    raw.socket.write(encodeFrame(0x1, Buffer.from([0x68, 0x69, 0xff, 0xfe])));
    const frames = await readUntilClose(raw.socket, raw.rest);
    assert.equal(closeCodeOf(frames.at(-1)), 1007);
    raw.socket.destroy();
    await assertStillServed(bystander);
    bystander.socket.close();
  });

  it('closes a peer that breaks framing with 1002: unmasked frame, unknown opcode', async (t) => {
    const station = await startTestStation(t, { tickMs: 60_000 });
    const bystander = await openClient(endpointUrl(station));
    for (const frame of [encodeFrame(0x1, Buffer.from('hi'), { mask: false }), encodeFrame(0x3, Buffer.from('hi'))]) {
      const raw = await rawPeer(station);
      raw.socket.write(frame);
      const frames = await readUntilClose(raw.socket, raw.rest);
      assert.equal(closeCodeOf(frames.at(-1)), 1002);
      raw.socket.destroy();
    }
    await assertStillServed(bystander);
    await waitFor('broken peers to be removed', () => station.peers.size === 1);
    bystander.socket.close();
  });
});

describe('heartbeat', () => {
  it('terminates a peer that does not answer pings and frees its place; answering peers stay', async (t) => {
    const heartbeatMs = 100;
    const station = await startTestStation(t, { heartbeatMs, tickMs: 60_000 });
    const silent = await openClient(endpointUrl(station), [], { autoPong: false });
    const healthy = await openClient(endpointUrl(station));
    const started = Date.now();
    const { code } = await closed(silent.socket);
    assert.equal(code, 1006, 'terminated without a close handshake');
    assert.ok(Date.now() - started < 4 * heartbeatMs, 'reaped within two heartbeat rounds');
    await waitFor('the silent peer to leave the registry', () => station.peers.size === 1);
    await new Promise((resolve) => setTimeout(resolve, 3 * heartbeatMs));
    assert.equal(healthy.socket.readyState, healthy.socket.OPEN);
    await assertStillServed(healthy);
    healthy.socket.close();
  });
});

describe('a peer that stops reading', () => {
  it('skips its ticks and pauses its echoes: memory stays bounded and no echo is lost', async (t) => {
    const station = await startTestStation(t, { tickMs: 10, heartbeatMs: 60_000 });
    const reader = await openClient(endpointUrl(station), 'station.v1.json');
    await reader.inbox.nextJson('welcome');
    reader.socket.pause(); // stop reading from the station, like a stalled client

    const sent = Array.from({ length: 40 }, () => randomBytes(MiB));
    for (const data of sent) reader.socket.send(data);
    const peer = [...station.peers][0];
    assert.ok(peer);
    let maxBuffered = 0;
    const watch = setInterval(() => (maxBuffered = Math.max(maxBuffered, peer.socket.bufferedAmount)), 5);
    t.after(() => clearInterval(watch));
    await waitFor('ticks to be skipped', () => peer.ticksSkipped >= 20, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    clearInterval(watch);

    // Bounded: the pause threshold (4 MiB) plus the echo that crossed it, however much is still coming.
    assert.ok(maxBuffered <= 5 * MiB + 1024, `station buffered ${maxBuffered} bytes for one stalled peer`);
    assert.ok(peer.socket.isPaused, 'the station stopped reading from the stalled peer');
    assert.ok(peer.messagesIn < sent.length, 'the station had not taken in everything yet');

    // Reading again: every echo arrives intact and in order, and each gap in the ticks is
    // announced by a notice that counts it.
    reader.socket.resume();
    let echoes = 0;
    let lastSeq = 0;
    let pendingNotice: Record<string, unknown> | undefined;
    let noticedSkips = 0;
    let noticesChecked = 0;
    while (echoes < sent.length || noticesChecked === 0) {
      const message = await reader.inbox.next(10_000);
      if (message.isBinary) {
        assert.ok(message.data.equals(sent[echoes] ?? Buffer.alloc(0)), `echo ${echoes} intact and in order`);
        echoes += 1;
        continue;
      }
      const json = parseJson(message);
      if (json.type === 'error') {
        assert.equal(json.code, 'ticks-skipped');
        pendingNotice = json;
        noticedSkips += Number(json.count);
      } else if (json.type === 'tick') {
        if (pendingNotice) {
          assert.equal(Number(json.seq) - lastSeq - 1, pendingNotice.count, 'the notice counts the gap in seq');
          pendingNotice = undefined;
          noticesChecked += 1;
        }
        lastSeq = Number(json.seq);
      }
    }
    assert.equal(noticedSkips, peer.ticksSkipped);
    reader.socket.close();
  });
});
