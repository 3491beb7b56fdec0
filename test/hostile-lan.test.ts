/**
 * Hostile hosts on the LAN, each a network namespace of its own: slow headers, a connection
 * flood, token guessing. One host must never deny the station to the others: a loopback client,
 * the served page and a friendly host on another link keep being served throughout.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseStationConfig } from '../main/station/config';
import { startPlainStation } from './helpers/station';
import type { PlainStation } from '../main/station/station';
import { openClient } from './helpers/client';
import { createLanHost, lanUnavailableReason, type LanHost } from './helpers/lan-host';

const TOKEN = 'hostile-lan-token-7';
const unavailable = lanUnavailableReason();

describe('hostile hosts on the LAN', { skip: unavailable ?? false }, () => {
  let attacker: LanHost;
  let friend: LanHost;
  let station: PlainStation;
  const endpoint = (host: LanHost, token: string | null = TOKEN) =>
    `ws://${host.stationAddress}:${station.port}/websocket/test${token === null ? '' : `?token=${token}`}`;

  /** The others are still served: loopback echo, the page, and the friendly host's ticks. */
  async function assertOthersServed(what: string): Promise<void> {
    const local = await openClient(`ws://127.0.0.1:${station.port}/websocket/test`);
    local.socket.send(what);
    await local.inbox.nextMatching((m) => m.data.toString() === what, 5000);
    local.socket.close();
    const page = await fetch(`http://127.0.0.1:${station.port}/`);
    assert.equal(page.status, 200, 'the page is served');
    const result = await friend.peer({ kind: 'ws', url: endpoint(friend), send: what });
    assert.equal(result.status, 101, `the friendly host is served: ${JSON.stringify(result)}`);
    assert.ok((result.received as string[]).includes(what));
  }

  before(async () => {
    attacker = createLanHost(0);
    friend = createLanHost(1);
    // Every network: both links and loopback reach it (the token keeps strangers out meanwhile).
    station = await startPlainStation(
      parseStationConfig({
        host: '0.0.0.0',
        port: 0,
        token: TOKEN,
        tickMs: 100,
        maxPendingPerAddress: 32,
        maxConnectionsPerAddress: 100,
        tokenLockoutMs: 3000,
      }),
    );
  });

  after(async () => {
    await station.close();
    attacker.remove();
    friend.remove();
  });

  it('caps slow-header connections from one host and drops them at the headers deadline', async () => {
    const attack = attacker.peer({
      kind: 'slow-headers',
      host: attacker.stationAddress,
      port: station.port,
      count: 200,
      forMs: 8000,
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await assertOthersServed('during slow headers');
    const result = (await attack) as {
      resetEarly: number;
      answered408: number;
      closedAfterMs: number[];
      stillOpen: number;
    };
    assert.ok(result.resetEarly >= 150, `dropped on arrival beyond the cap: ${JSON.stringify(result)}`);
    assert.equal(result.stillOpen, 0, 'none outlived the deadline');
    assert.ok(result.answered408 > 0, 'the admitted ones got 408 at the deadline');
    for (const lived of result.closedAfterMs) assert.ok(lived < 7500, `closed after ${lived} ms`);
    assert.ok((station.status().totals.refusedConnections['pending-per-address'] ?? 0) >= 150);
  });

  it('caps the open connections of one host; the rest of the LAN is served', async () => {
    const attack = attacker.peer({ kind: 'flood', url: endpoint(attacker), count: 300, holdMs: 3000 });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await assertOthersServed('during a flood');
    const result = (await attack) as { opened: number; refused: number; stillOpen: number };
    assert.equal(result.opened, 100, `opened up to the cap: ${JSON.stringify(result)}`);
    assert.equal(result.refused, 200);
    assert.ok((station.status().totals.refusedConnections['open-per-address'] ?? 0) >= 200);
  });

  it('locks out a host after 10 wrong tokens (429, before any comparison), then lets the right one in', async () => {
    const lockoutsBefore = station.status().totals.tokenLockouts;
    for (let attempt = 0; attempt < 10; attempt += 1) {
      assert.deepEqual(await attacker.peer({ kind: 'ws', url: endpoint(attacker, `wrong-token-${attempt}0`) }), {
        status: 401,
      });
    }
    assert.deepEqual(await attacker.peer({ kind: 'ws', url: endpoint(attacker, 'wrong-token-again') }), {
      status: 429,
    });
    assert.deepEqual(
      await attacker.peer({ kind: 'ws', url: endpoint(attacker) }),
      { status: 429 },
      'even the right one',
    );
    assert.equal(station.status().totals.tokenLockouts, lockoutsBefore + 1);
    await assertOthersServed('during a lockout');

    await new Promise((resolve) => setTimeout(resolve, 3000));
    const afterwards = await attacker.peer({ kind: 'ws', url: endpoint(attacker) });
    assert.equal(afterwards.status, 101, 'the right token works after the cooling period');
  });
});
