/**
 * Server-side fan-out lateness, measured inside each server: for every tick, the time from its
 * slot (when its timer was due) until its last frame was handed to the sockets. Unlike lateness
 * at the load generator, it does not include the generator's own time to take the ticks in.
 */
import { percentile } from '../statistics';

const samples: number[] = [];

export function recordFanOut(slotAt: number, sentAt = performance.now()): void {
  samples.push(sentAt - slotAt);
}

/**
 * A repeating timer's slots as Node schedules them: each next one is the period after the
 * previous callback began (Node's intervals drift by design), the first a period after start.
 */
export function intervalSlots(periodMs: number): () => number {
  let nextSlot = performance.now() + periodMs;
  return () => {
    const slot = nextSlot;
    nextSlot = performance.now() + periodMs;
    return slot;
  };
}

/** p50 and p99 of the samples since the last call, which starts a new window. */
export function takeFanOut(): { serverFanOutP50: number; serverFanOutP99: number } {
  const window = samples.splice(0);
  return { serverFanOutP50: percentile(window, 50), serverFanOutP99: percentile(window, 99) };
}
