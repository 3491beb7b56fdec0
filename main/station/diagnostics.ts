/**
 * What the station publishes on Node's diagnostics channels, for tools that watch it from the
 * same process (the benchmarks do). Publishing costs nothing while no one subscribes.
 */
import { channel } from 'node:diagnostics_channel';

/** After every tick: when its slot was, and when its last frame was handed to the sockets. */
export const TICK_SENT_CHANNEL = 'ws-station:tick-sent';

export interface TickSent {
  /** The tick's slot on the shared schedule, performance.now() time. */
  slotAt: number;
  /** When the last peer's frame was handed to its socket, performance.now() time. */
  sentAt: number;
  peers: number;
}

export const tickSent = channel(TICK_SENT_CHANNEL);
