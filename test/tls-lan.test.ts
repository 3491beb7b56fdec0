/**
 * wss:// from other hosts of a LAN link (network namespaces): a peer that trusts only the CA
 * connects to the station's LAN address and verifies that name, and a host that opens TLS
 * connections and never speaks is held to the per-address limits before any TLS work is done.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LIMITS, parseStationConfig } from '../main/station/config';
import { startStation, type Station } from '../main/station/station';
import { CA_FILES } from '../main/station/tls/ca-folder';
import { localCaTls } from '../main/station/tls/station-tls';
import { createLanHost, lanUnavailableReason, type LanHost } from './helpers/lan-host';
import { tempFolder } from './helpers/temp-folder';

const unavailable = lanUnavailableReason();
const MAX_PENDING = 8;

describe('wss:// on the LAN', { skip: unavailable ?? false }, () => {
  let attacker: LanHost;
  let friend: LanHost;
  let station: Station;
  let tlsPort: number;
  let rootPem: string;
  const cleanups: (() => void)[] = [];
  const wss = (host: LanHost) => `wss://${host.stationAddress}:${tlsPort}/websocket/test`;

  before(async () => {
    attacker = createLanHost(0);
    friend = createLanHost(1);
    const folder = tempFolder({ after: (cleanup) => cleanups.push(cleanup) }, 'tls-lan');
    // Every network, so the certificate names each link's address.
    const tls = await localCaTls(folder, '0.0.0.0', 'WS Station');
    rootPem = readFileSync(join(folder, CA_FILES.root), 'utf8');
    station = await startStation(
      parseStationConfig({ host: '0.0.0.0', port: 0, tlsPort: 0, tickMs: 100, maxPendingPerAddress: MAX_PENDING }),
      { tls },
    );
    tlsPort = station.tlsPort ?? 0;
  });

  after(async () => {
    await station.close();
    attacker.remove();
    friend.remove();
    for (const cleanup of cleanups) cleanup();
  });

  it("verifies the station's LAN address against the certificate and gets greeting, ticks and echo", async () => {
    assert.ok(station.status().station.tls?.names.includes(friend.stationAddress));
    const result = await friend.peer({ kind: 'ws', url: wss(friend), ca: rootPem, send: 'from the LAN over TLS' });
    assert.equal(result.status, 101, JSON.stringify(result));
    const received = result.received as string[];
    assert.equal(received[0], '连接成功');
    assert.ok(received.includes('from the LAN over TLS'));
    // Without the CA the peer refuses the station, as a device that has not installed it would.
    const untrusting = await friend.peer({ kind: 'ws', url: wss(friend) });
    assert.match(String(untrusting.error), /unable to get local issuer certificate/);
  });

  it('drops silent TLS connections over the pending limit on arrival, the rest at the handshake deadline', async () => {
    const before = { ...station.status().totals.refusedConnections };
    const attack = attacker.peer({
      kind: 'silent-connections',
      host: attacker.stationAddress,
      port: tlsPort,
      count: 40,
      forMs: LIMITS.tlsHandshakeTimeoutMs + 2000,
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const during = await friend.peer({ kind: 'ws', url: wss(friend), ca: rootPem, send: 'during the attack' });
    assert.ok((during.received as string[] | undefined)?.includes('during the attack'), JSON.stringify(during));
    const result = (await attack) as { resetEarly: number; closedAfterMs: number[]; stillOpen: number };
    assert.equal(result.resetEarly, 40 - MAX_PENDING, JSON.stringify(result));
    assert.equal(result.closedAfterMs.length, MAX_PENDING);
    for (const lived of result.closedAfterMs)
      assert.ok(lived >= LIMITS.tlsHandshakeTimeoutMs - 100, `closed after ${lived} ms`);
    assert.equal(result.stillOpen, 0);
    const refused = station.status().totals.refusedConnections;
    assert.equal((refused['pending-per-address'] ?? 0) - (before['pending-per-address'] ?? 0), 40 - MAX_PENDING);
    assert.equal((refused['tls-timeout'] ?? 0) - (before['tls-timeout'] ?? 0), MAX_PENDING);
    // Every one of them, closed, gave its place back: the same host is served again.
    const afterwards = await attacker.peer({ kind: 'ws', url: wss(attacker), ca: rootPem, send: 'served again' });
    assert.ok((afterwards.received as string[] | undefined)?.includes('served again'), JSON.stringify(afterwards));
  });
});
