/** A real peer on another host of a LAN link: token and Origin rules as a person's other machine meets them. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Station } from '../main/station/station';
import { CHROMIUM_PATH, launchBrowser, openPage } from './helpers/browser';
import { createLanHost, lanUnavailableReason, type LanHost } from './helpers/lan-host';
import type { LanPeerRequest } from './helpers/lan-peer';
import { parseStationConfig } from '../main/station/config';
import { headerOf } from './helpers/station';
import { waitFor } from './helpers/wait';
import { hostMessage, sendToPeers } from '../main/station/peers/host-actions';
import { startStation } from '../main/station/station';

const TOKEN = 'lan-test-token-42';
const unavailable = lanUnavailableReason();

describe('a peer on the LAN', { skip: unavailable ?? false }, () => {
  let lan: LanHost;
  let station: Station;
  let endpoint: string;
  const peer = (request: LanPeerRequest) => lan.peer(request);

  before(async () => {
    lan = createLanHost();
    station = await startStation(parseStationConfig({ host: lan.stationAddress, port: 0, token: TOKEN, tickMs: 50 }));
    endpoint = `ws://${lan.stationAddress}:${station.port}/websocket/test`;
  });

  after(async () => {
    await station.close();
    lan.remove();
  });

  it('is refused with 401 without the token, or with a wrong one; the host sees each request, the token masked', async () => {
    const before = station.refusals.list().at(-1)?.seq ?? 0;
    const marker = { 'X-Marker': 'lan-token' };
    assert.deepEqual(await peer({ kind: 'ws', url: endpoint, headers: marker }), { status: 401 });
    assert.deepEqual(await peer({ kind: 'ws', url: `${endpoint}?token=wrong-token-00`, headers: marker }), {
      status: 401,
    });
    assert.deepEqual(
      await peer({ kind: 'ws', url: endpoint, headers: { ...marker, Authorization: 'Bearer wrong-token-00' } }),
      { status: 401 },
    );
    const refused = station.refusals.list(before);
    assert.deepEqual(
      refused.map(({ address, status, request }) => [address.replace(/^::ffff:/, ''), status, request.target]),
      [
        [lan.peerAddress, 401, '/websocket/test'],
        [lan.peerAddress, 401, '/websocket/test?token=•••'],
        [lan.peerAddress, 401, '/websocket/test'],
      ],
    );
    for (const entry of refused) {
      assert.match(entry.reason, /token/i);
      assert.equal(headerOf(entry, 'X-Marker'), 'lan-token');
      assert.doesNotMatch(JSON.stringify(entry), /wrong-token-00/, 'the token guessed is not kept');
    }
    assert.equal(headerOf(refused[2] ?? { request: { headers: [] } }, 'Authorization'), 'Bearer •••');
  });

  it('gets greeting, ticks and echo with the token in the query', async () => {
    const result = await peer({ kind: 'ws', url: `${endpoint}?token=${TOKEN}`, send: 'from the LAN' });
    assert.equal(result.status, 101);
    const received = result.received as string[];
    assert.equal(received[0], '连接成功');
    assert.ok(
      received.some((m) => /^[01]\.\d\d$/.test(m)),
      `a tick among ${JSON.stringify(received)}`,
    );
    assert.ok(received.includes('from the LAN'));
  });

  it('is seen by the station at its LAN address', async () => {
    const seen = new Promise<string>((resolve) => station.peers.once('connect', (p) => resolve(p.remoteAddress)));
    await peer({ kind: 'ws', url: endpoint, headers: { Authorization: `Bearer ${TOKEN}` } });
    assert.equal((await seen).replace(/^::ffff:/, ''), lan.peerAddress);
  });

  it("accepts a browser page served from the station's LAN address, refuses another site's", async () => {
    const ownPage = `http://${lan.stationAddress}:${station.port}`;
    const url = `${endpoint}?token=${TOKEN}`;
    assert.equal((await peer({ kind: 'ws', url, headers: { Origin: ownPage } })).status, 101);
    assert.deepEqual(await peer({ kind: 'ws', url, headers: { Origin: 'http://evil.example' } }), { status: 403 });
  });

  it('speaks the JSON subprotocol across the link', async () => {
    const result = await peer({ kind: 'ws', url: `${endpoint}?token=${TOKEN}`, protocol: 'station.v1.json' });
    assert.equal(result.protocol, 'station.v1.json');
    assert.equal((JSON.parse((result.received as string[])[0] ?? '{}') as { type: string }).type, 'welcome');
  });

  it('opens the served client page in a browser on the LAN host, connected with the token', async (t) => {
    const browser = await launchBrowser(t, lan.browserLauncher(CHROMIUM_PATH));
    const page = `http://${lan.stationAddress}:${station.port}/`;
    const withToken = await openPage(browser, `${page}?token=${TOKEN}`);
    await withToken.page.locator('#state-pill', { hasText: 'OPEN 1' }).waitFor({ timeout: 5000 });
    await withToken.page.locator('.log-row[data-kind="tick"]').first().waitFor({ timeout: 5000 });
    await withToken.page.locator('#message').fill('hello from the LAN host');
    await withToken.page.locator('#message').press('Enter');
    await withToken.page.locator('.log-row[data-kind="echo"]', { hasText: 'hello from the LAN host' }).waitFor();
    assert.ok(
      station.peers.list().some((p) => p.remoteAddress.endsWith(lan.peerAddress) && p.origin === page.slice(0, -1)),
    );

    const refusedBefore = station.status().totals.rejected['401'] ?? 0;
    const withoutToken = await openPage(browser, page);
    await withoutToken.page.locator('#last-error', { hasText: 'access token' }).waitFor({ timeout: 5000 });
    assert.ok((station.status().totals.rejected['401'] ?? 0) > refusedBefore);
    assert.equal(station.peers.size, 1, 'only the page with the token is connected');
  });

  it("gets what the station's host sends, in its wire format", async () => {
    const listening = peer({
      kind: 'ws',
      url: `${endpoint}?token=${TOKEN}`,
      protocol: 'station.v1.json',
      listenMs: 1500,
    });
    const before = station.peers.size;
    await waitFor('the LAN peer to connect', () => station.peers.size > before, 4000);
    // This station listens on the link only, where the loopback API is not; the host's rules are the same.
    const sent = sendToPeers(station.peers, hostMessage('text', Buffer.from('to the whole LAN'), 1024));
    assert.equal(sent.reached, station.peers.size);
    const result = await listening;
    const hosted = (result.received as string[])
      .map((text) => JSON.parse(text) as Record<string, unknown>)
      .filter((m) => m.type === 'host');
    assert.deepEqual(
      hosted.map((m) => m.data),
      ['to the whole LAN'],
    );
  });

  it('cannot read the status API, the traffic record or send probes: this computer only', async () => {
    const nonce = 'b'.repeat(32);
    for (const path of ['/api/status', `/api/probe?nonce=${nonce}`, '/api/peers/1/messages']) {
      const result = await peer({ kind: 'http', url: `http://${lan.stationAddress}:${station.port}${path}` });
      assert.equal(result.status, 403, path);
      assert.match(String(result.body), /this computer only/);
    }
    assert.equal(station.answeredProbe(nonce), false);
    const broadcast = await peer({
      kind: 'http',
      url: `http://${lan.stationAddress}:${station.port}/api/broadcast`,
      method: 'POST',
      body: 'from the LAN, not the host',
    });
    assert.equal(broadcast.status, 403);
  });
});
