/** Who may connect from this computer, and what the status API tells it. */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, it } from 'node:test';
import { openClient } from './helpers/client';
import { rawUpgrade } from './helpers/raw-websocket';
import { endpointUrl, startTestStation } from './helpers/station';
import { waitFor } from './helpers/wait';

describe('access token', () => {
  it('is not asked of peers on loopback', async (t) => {
    const station = await startTestStation(t, { token: 'secret-token-1' });
    const { socket, inbox } = await openClient(endpointUrl(station));
    assert.equal((await inbox.next()).data.toString(), '连接成功');
    socket.close();
    assert.equal(station.status().station.tokenRequired, true);
  });
});

describe('GET /api/status', () => {
  it('shows the station, its totals and every peer to this computer', async (t) => {
    const station = await startTestStation(t, { tickMs: 20 });
    const origin = `http://localhost:${station.port}`;
    const { socket, inbox } = await openClient(endpointUrl(station), [], {
      origin,
      headers: { 'User-Agent': 'status-test/1.0' },
    });
    await inbox.next();
    socket.send('12345');
    await inbox.nextMatching((m) => m.data.toString() === '12345');
    await waitFor('a tick or two', () => station.status().totals.ticks >= 2);

    const response = await fetch(`http://127.0.0.1:${station.port}/api/status`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), null, 'no page elsewhere may read it');
    const status = (await response.json()) as ReturnType<typeof station.status>;
    assert.equal(status.station.port, station.port);
    assert.deepEqual(status.station.websocketUrls, [`ws://127.0.0.1:${station.port}/websocket/test`]);
    assert.equal(status.totals.peers, 1);
    assert.equal(status.totals.accepted, 1);
    const [peer] = status.peers;
    assert.ok(peer);
    assert.equal(peer.remoteAddress, '127.0.0.1');
    assert.equal(peer.origin, origin);
    assert.equal(peer.userAgent, 'status-test/1.0');
    assert.equal(peer.messagesIn, 1);
    assert.equal(peer.bytesIn, 5);
    assert.ok(peer.messagesOut >= 3, 'greeting, echo and ticks');
    assert.ok(Date.parse(peer.connectedAt) <= Date.now());

    socket.close();
    await waitFor('the peer to leave', () => station.peers.size === 0);
    const after = station.status().totals;
    assert.equal(after.messagesIn, 1, 'totals keep the traffic of peers that left');
    assert.equal(after.bytesIn, 5);
  });

  it('counts refused handshakes by status', async (t) => {
    const station = await startTestStation(t);
    await rawUpgrade(station.port, '/nowhere');
    await rawUpgrade(station.port, '/websocket/test', { Origin: 'http://evil.example' });
    assert.deepEqual(station.status().totals.rejected, { '403': 1, '404': 1 });
  });

  it('refuses a request whose Host is not loopback (DNS rebinding)', async (t) => {
    const station = await startTestStation(t);
    const status = await new Promise<number | undefined>((resolve, reject) => {
      request(
        {
          port: station.port,
          host: '127.0.0.1',
          path: '/api/status',
          headers: { Host: `evil.example:${station.port}` },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode);
        },
      )
        .on('error', reject)
        .end();
    });
    assert.equal(status, 403);
  });
});
