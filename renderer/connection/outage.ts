/**
 * One stretch of time in which the page could not (re)connect: it is shown as one banner and one
 * log row that counts the attempts, not as three rows per attempt.
 */
import type { StationReach } from './station-probe';

export class Outage {
  attempts = 0;
  /** What the station's HTTP side said during the last attempt. */
  reach: StationReach = 'unknown';
  /** The log row that stands for the whole outage. */
  entryId: number | undefined;

  constructor(readonly since: number) {}

  /** Up, yet the handshake failed: the station refused it (a token, the Origin, or full). */
  get refused(): boolean {
    return this.reach === 'up';
  }
}
