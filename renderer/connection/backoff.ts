/** When to try again after an unasked-for close: exponential steps from 0.5 s up to 30 s. */
export const BACKOFF = { initialMs: 500, maxMs: 30_000 } as const;

/**
 * The delay before reconnect attempt `attempt` (from 1): a random point in the upper half of the
 * exponential step ("equal jitter"), so many clients of a restarted station do not retry in lockstep.
 */
export function backoffDelay(attempt: number, random = Math.random): number {
  const step = Math.min(BACKOFF.maxMs, BACKOFF.initialMs * 2 ** (attempt - 1));
  return Math.round(step / 2 + random() * (step / 2));
}
