/**
 * The message rate's one timer, alone: it resumes a slowed peer once it has paid its time back,
 * and once stopped it is never armed again, so that a station closing under a flood can end.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EscapedErrors } from '../main/station/escaped-errors';
import { MessageRate } from '../main/station/peers/message-rate';
import { PauseReason, type Peer } from '../main/station/peers/peer';

/** What MessageRate reads and calls of a peer, and what it was told. */
function fakePeer() {
  const calls: string[] = [];
  const peer = {
    rateTokens: 0,
    rateCheckedAt: 0,
    holdReading: (reason: PauseReason) => calls.push(`hold ${reason}`),
    releaseReading: (reason: PauseReason) => calls.push(`release ${reason}`),
  };
  return { peer: peer as unknown as Peer, calls };
}

const timeouts = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

describe('the message rate timer', () => {
  it('holds a peer that owes time and releases it once paid', async () => {
    const rate = new MessageRate(100, new EscapedErrors());
    const { peer, calls } = fakePeer();
    rate.admit(peer);
    rate.take(peer, 110); // a second's worth and 10 more: 100 ms owed
    assert.deepEqual(calls, [`hold ${PauseReason.messageRate}`]);
    await new Promise((resolve) => setTimeout(resolve, 250));
    assert.deepEqual(calls, [`hold ${PauseReason.messageRate}`, `release ${PauseReason.messageRate}`]);
    rate.stop();
  });

  it('arms no timer once stopped, whatever is taken afterwards', () => {
    const rate = new MessageRate(10, new EscapedErrors());
    const before = timeouts();
    const { peer: first } = fakePeer();
    rate.admit(first);
    rate.take(first, 1000); // owes 99 s: the timer is armed far ahead
    assert.equal(timeouts(), before + 1);
    rate.stop();
    assert.equal(timeouts(), before);
    // Reading goes on while the station closes: a peer owing less must not arm it again.
    const { peer: second } = fakePeer();
    rate.admit(second);
    rate.take(second, 11);
    assert.equal(timeouts(), before);
  });
});
