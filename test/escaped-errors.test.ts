/**
 * The last-resort guard: an error a handler lets out (a bug, here planted in a listener) is
 * logged once, counted, closes only the peer concerned with 1011, and the station keeps serving.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { closed, openClient } from './helpers/client';
import { endpointUrl, startTestStation } from './helpers/station';

it('logs an escaped error once, closes only that peer with 1011, and keeps serving', async (t) => {
  const logged = t.mock.method(console, 'error', () => undefined);
  const station = await startTestStation(t, { tickMs: 60_000 });
  const bystander = await openClient(endpointUrl(station));
  station.peers.on('connect', (peer) => {
    if (peer.id > 1) throw new Error('planted bug in a connect listener');
  });
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const victim = await openClient(endpointUrl(station));
    const { code, reason } = await closed(victim.socket);
    assert.equal(code, 1011);
    assert.equal(reason, 'Internal error');
  }
  assert.equal(station.status().internalErrors, 2);
  assert.equal(logged.mock.callCount(), 1, 'the same error is logged once');
  assert.match(String(logged.mock.calls[0]?.arguments[0]), /internal error in admitting a peer .*planted bug/);

  bystander.socket.send('still served');
  const echo = await bystander.inbox.nextMatching((m) => m.data.toString() === 'still served');
  assert.equal(echo.isBinary, false);
  bystander.socket.close();
});
