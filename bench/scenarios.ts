/**
 * The load scenarios, run inside the load-generator process against one server's port. Each
 * returns plain numbers; percentiles come from an HDR histogram (hdr-histogram-js).
 */
import * as hdr from 'hdr-histogram-js';
import { WebSocket } from 'ws';

const TICK = /^[01]\.\d\d$/;

/** The endpoint a scenario loads: its URL, and for wss:// the only CA trusted (verification stays on). */
export interface Target {
  url: string;
  ca?: string;
}

export interface Percentiles {
  p50: number;
  p99: number;
  p999?: number;
  max: number;
}

function percentiles(samplesMicros: number[]): Percentiles {
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
  });
  for (const sample of samplesMicros) histogram.recordValue(Math.max(1, Math.round(sample)));
  const ms = (micros: number) => micros / 1000;
  const result = {
    p50: ms(histogram.getValueAtPercentile(50)),
    p99: ms(histogram.getValueAtPercentile(99)),
    p999: ms(histogram.getValueAtPercentile(99.9)),
    max: ms(histogram.maxValue),
  };
  histogram.destroy();
  return result;
}

/**
 * Connects and resolves once the greeting arrived. The listener is there before the handshake
 * completes: the greeting can come in the same packet as the 101 and be emitted right after 'open'.
 */
function openGreeted(target: Target): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(target.url, { perMessageDeflate: false, ...(target.ca ? { ca: target.ca } : {}) });
    socket.once('message', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Opens `count` peers, `batch` at a time, each resolved once its greeting arrived. */
async function openPeers(
  target: Target,
  count: number,
  batch: number,
  onMessage?: (socket: WebSocket, data: Buffer) => void,
) {
  const peers: WebSocket[] = [];
  for (let opened = 0; opened < count; opened += batch) {
    const group = Array.from({ length: Math.min(batch, count - opened) }, async () => {
      const socket = await openGreeted(target);
      if (onMessage) socket.on('message', (data: Buffer) => onMessage(socket, data));
      return socket;
    });
    peers.push(...(await Promise.all(group)));
  }
  return peers;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** 1. Echo throughput: connections each keeping `window` small text messages in flight. */
export async function echoThroughput(target: Target, connections: number, window: number, durationMs: number) {
  const payload = 'x'.repeat(32);
  let echoed = 0;
  let running = true;
  const peers = await openPeers(target, connections, connections, (socket, data) => {
    if (data.length !== payload.length) return; // a tick
    echoed += 1;
    if (running) socket.send(payload);
  });
  const started = performance.now();
  for (const socket of peers) for (let i = 0; i < window; i++) socket.send(payload);
  await sleep(durationMs);
  running = false;
  const seconds = (performance.now() - started) / 1000;
  for (const socket of peers) socket.terminate();
  return { messagesPerSecond: echoed / seconds };
}

/** 2. Echo latency: one connection at a paced rate; round trips in ms. */
export async function echoLatency(target: Target, ratePerSecond: number, durationMs: number) {
  const socket = await openGreeted(target);
  const sentAt = new Map<string, number>();
  const samples: number[] = [];
  socket.on('message', (data: Buffer) => {
    const sent = sentAt.get(data.toString());
    if (sent === undefined) return;
    samples.push((performance.now() - sent) * 1000);
    sentAt.delete(data.toString());
  });
  const started = performance.now();
  let sent = 0;
  // Paced by the clock, not by timer counts: catch up to where the schedule says we should be.
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(
        Math.floor(((performance.now() - started) / 1000) * ratePerSecond),
        (durationMs / 1000) * ratePerSecond,
      );
      for (; sent < due; sent++) {
        const id = `m${sent}`;
        sentAt.set(id, performance.now());
        socket.send(id);
      }
      if (performance.now() - started >= durationMs) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  await sleep(200);
  socket.terminate();
  return { ...percentiles(samples), samples: samples.length };
}

/**
 * 3. Tick fan-out: `peers` connections receiving ticks. Lateness of an arrival is its distance from
 * the schedule the first tick set (first arrival + n × tickMs, the nearer n). A shared schedule
 * keeps every peer close to it; one timer per connection scatters peers across the interval.
 */
export async function tickFanOut(
  target: Target,
  peerCount: number,
  durationMs: number,
  tickMs: number,
  phase: (name: 'measure-start' | 'measure-end') => void = () => undefined,
) {
  const arrivals: number[] = [];
  let recording = false;
  const peers = await openPeers(target, peerCount, 100, (_socket, data) => {
    if (recording && data.length === 4 && TICK.test(data.toString())) arrivals.push(performance.now());
  });
  await sleep(tickMs);
  phase('measure-start');
  recording = true;
  await sleep(durationMs);
  recording = false;
  phase('measure-end');
  // Let the runner read the server's figures while every peer is still connected.
  await sleep(200);
  for (const socket of peers) socket.terminate();
  if (arrivals.length === 0) return { peers: peerCount, ticksReceived: 0, ...percentiles([]) };
  const first = arrivals.reduce((earliest, at) => Math.min(earliest, at), Infinity);
  const lateness = arrivals.map((at) => {
    const offset = (at - first) % tickMs;
    return Math.min(offset, tickMs - offset) * 1000;
  });
  return { peers: peerCount, ticksReceived: arrivals.length, ...percentiles(lateness) };
}

/** 4. Handshake rate: connections opened `batch` at a time, each until its greeting, then closed. */
export async function handshakeRate(target: Target, total: number, batch: number) {
  const started = performance.now();
  for (let opened = 0; opened < total; opened += batch) {
    const group = await openPeers(target, Math.min(batch, total - opened), batch);
    for (const socket of group) socket.terminate();
  }
  return { handshakesPerSecond: total / ((performance.now() - started) / 1000) };
}

/** 5. Large messages: 1 MiB binary echoed back, one at a time. */
export async function largeEcho(target: Target, bytes: number, durationMs: number) {
  const socket = await openGreeted(target);
  const payload = Buffer.alloc(bytes, 7);
  let echoedBytes = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    socket.on('message', (data: Buffer) => {
      if (data.length !== bytes) return;
      echoedBytes += data.length;
      if (performance.now() - started < durationMs) socket.send(payload);
      else resolve();
    });
    socket.send(payload);
  });
  const seconds = (performance.now() - started) / 1000;
  socket.terminate();
  return { megabytesPerSecond: echoedBytes / 1024 / 1024 / seconds };
}
