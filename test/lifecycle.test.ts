/** Stopping the station: every peer hears 1001 (going away), and the port is free again. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { it } from 'node:test';
import { parseStationConfig } from '../main/station/config';
import { startStation } from '../main/station/station';
import { closed, openClient } from './helpers/client';
import { rawUpgrade, readUntilClose, closeCodeOf } from './helpers/raw-websocket';

it('close() sends 1001 to every peer, drops one that never answers, and frees the port', async () => {
  const station = await startStation(parseStationConfig({ host: '127.0.0.1', port: 0 }));
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
