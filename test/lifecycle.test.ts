/** Stopping the station: every peer hears 1001 (going away), promptly, and the port is free again. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { it } from 'node:test';
import { parseStationConfig } from '../main/station/config';
import { startPlainStation } from './helpers/station';
import { startCliStation } from './helpers/cli';
import { closed, openClient } from './helpers/client';
import { closeCodeOf, encodeFrame, rawUpgrade, readUntilClose } from './helpers/raw-websocket';
import { waitFor } from './helpers/wait';

it('close() sends 1001 to every peer, drops one that never answers, and frees the port', async () => {
  const station = await startPlainStation(parseStationConfig({ host: '127.0.0.1', port: 0 }));
  const url = `ws://127.0.0.1:${station.port}/websocket/test`;
  const polite = await Promise.all([openClient(url), openClient(url, 'station.v1.json')]);
  // A raw peer that reads the close frame but never answers it.
  const deaf = await rawUpgrade(station.port, '/websocket/test');
  const deafFrames = readUntilClose(deaf.socket, deaf.rest);
  const deafGone = once(deaf.socket, 'close');

  const startedAt = Date.now();
  const closing = station.close();
  for (const { code, reason } of await Promise.all(polite.map(({ socket }) => closed(socket)))) {
    assert.equal(code, 1001);
    assert.equal(reason, 'Station shutting down');
  }
  assert.equal(closeCodeOf((await deafFrames).at(-1)), 1001);
  await closing;
  await deafGone;
  assert.ok(Date.now() - startedAt < 2000, `closed in ${Date.now() - startedAt} ms`);
  assert.equal(station.peers.size, 0);

  const reuse = createServer().listen(station.port, '127.0.0.1');
  await once(reuse, 'listening');
  reuse.close();
});

it('exits within a few seconds of SIGTERM whatever its connections are doing', async (t) => {
  const station = await startCliStation(t, ['--quiet']);
  const url = `ws://127.0.0.1:${station.port}/websocket/test`;
  const polite = await openClient(url);
  // Never answers the Close.
  const deaf = await rawUpgrade(station.port, '/websocket/test');
  // Reads nothing, so echoes pile up and the station stops reading from it.
  const stalled = await openClient(url);
  stalled.socket.pause();
  for (let i = 0; i < 12; i += 1) stalled.socket.send(randomBytes(1024 * 1024));
  // Half a message, never finished.
  const fragmenter = await rawUpgrade(station.port, '/websocket/test');
  fragmenter.socket.write(encodeFrame(0x1, Buffer.from('never finished'), { fin: false }));
  // Half a handshake, never finished.
  const halfHandshake = connect(station.port, '127.0.0.1');
  halfHandshake.on('error', () => undefined);
  halfHandshake.write('GET /websocket/test HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n');
  await once(halfHandshake, 'connect');
  t.after(() => {
    for (const socket of [deaf.socket, fragmenter.socket, halfHandshake]) socket.destroy();
    stalled.socket.terminate();
  });

  const exit = once(station.child, 'exit');
  const politeClosed = closed(polite.socket);
  const signalledAt = Date.now();
  station.child.kill('SIGTERM');
  const [exitCode] = (await exit) as [number | null];
  const elapsed = Date.now() - signalledAt;
  assert.equal(exitCode, 0);
  assert.ok(elapsed < 3000, `exited ${elapsed} ms after SIGTERM`);
  assert.equal((await politeClosed).code, 1001);
});

it('takes no message after its Close has gone out, and echoes every one it took before', async () => {
  const station = await startPlainStation(parseStationConfig({ host: '127.0.0.1', port: 0, tickMs: 60_000 }));
  const peer = await rawUpgrade(station.port, '/websocket/test');
  const frames = readUntilClose(peer.socket, peer.rest);
  peer.socket.write(encodeFrame(0x1, Buffer.from('before the close')));
  await waitFor('the message to be taken', () => station.status().totals.messagesIn === 1);
  const closing = station.close();
  const received = await frames;
  // Sent after the station's Close arrived, before answering it: not taken, not echoed.
  peer.socket.write(encodeFrame(0x1, Buffer.from('after the close')));
  peer.socket.write(encodeFrame(0x8, Buffer.from([0x03, 0xe9])));
  await closing;
  assert.deepEqual(
    received.slice(0, -1).map((frame) => frame.payload.toString()),
    ['连接成功', 'before the close'],
  );
  assert.equal(closeCodeOf(received.at(-1)), 1001);
  assert.equal(station.status().totals.messagesIn, 1);
  peer.socket.destroy();
});
