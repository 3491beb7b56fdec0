/**
 * 6. A client page in Chromium under a steady stream of messages: the station's own client page
 * against the seed article's page (`innerHTML +=` for every message). The station pushes
 * `ratePerSecond` host messages a second to the page's socket, paced by the clock and independent
 * of the page, so a page that falls behind is measured falling behind. What a person would notice
 * is measured: frames painted during the load, the longest main-thread stall, how long the page
 * takes to answer a key press once the load stops, and how many of the messages it has shown.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium } from 'playwright';
import { parseStationConfig } from '../main/station/config';
import { sendToPeers } from '../main/station/peers/host-actions';
import { startStation } from '../main/station/station';

export const PAGES = ['station-client', 'seed-page'] as const;
export type PageKind = (typeof PAGES)[number];

export interface PageFigures {
  /** Frames the page painted per second while the load ran (requestAnimationFrame callbacks). */
  framesPerSecond: number;
  longTasksOver50ms: number;
  /** The longest time the main thread gave no frame: the worst long task or frame gap. */
  longestStallMs: number;
  /** From the end of the load until the page handled a key press; NaN past the wait. */
  inputDelayMs: number;
  /** From the end of the load until the page's script had taken in every message; NaN past the wait. */
  catchUpMs: number;
  /** Messages the station handed to the page's socket. */
  messagesSent: number;
  /** Messages the page's script had taken in when last read (caught up, or at the end of the wait). */
  messagesReceived: number;
  /** Of those, the ones the page lists (ours keeps the newest LOG_CAPACITY by design). */
  messagesListed: number;
  domNodes: number;
  jsHeapMB: number;
}

/** Every load message starts with this, so each page's count can tell them from ticks. */
const LOAD_PREFIX = 'load ';
/** Sent once after the load. */
const END_MARKER = 'end of load';

const SEED_PAGE = join(__dirname, '..', '..', 'test', 'fixtures', 'seed-client.html');
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--enable-precise-memory-info',
];

/**
 * How many entries each page lists: the seed's paragraphs of load messages; our log's count line,
 * less what it held when the load began and the end marker (ticks are hidden during the load).
 */
const LISTED = {
  'seed-page': `[...document.querySelectorAll('#receiveBox p')].filter((p) => p.textContent.startsWith(${JSON.stringify(LOAD_PREFIX)})).length`,
  'station-client': `Number((document.getElementById('log-count').textContent.match(/\\d+/) ?? ['NaN'])[0]) - metrics.markers`,
} satisfies Record<PageKind, string>;

/** Marks the page's reports on its console, which reach us even while its main thread is busy. */
const REPORT_TAG = '[bench-report]';

type PageReading = Omit<PageFigures, 'inputDelayMs' | 'catchUpMs' | 'messagesSent'>;
type ReportName = 'key' | 'caught-up';

/**
 * Runs in the page before its own scripts: frame, long-task and message counters, and two
 * reports on the console: when the page handles a key press, and when its script has taken in the
 * end-of-load marker and drawn the next frame (every message before it has then been handled,
 * since this listener comes before the page's own).
 */
function instrumentation(page: PageKind): string {
  return `{
  // The load's window on the page's clock, set when it starts.
  const metrics = (window.__metrics = { frames: 0, longTasks: [], worstFrameGap: 0, received: 0, markers: 0, listedBefore: 0, from: Infinity, until: -Infinity });
  const duringLoad = (time) => time >= metrics.from && time <= metrics.until;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (duringLoad(entry.startTime)) metrics.longTasks.push(entry.duration);
  }).observe({ type: 'longtask' });
  let last = 0;
  const frame = (now) => {
    if (duringLoad(now)) {
      metrics.frames += 1;
      if (last > 0) metrics.worstFrameGap = Math.max(metrics.worstFrameGap, now - last);
      last = now;
    }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  const report = (name) => console.debug(${JSON.stringify(REPORT_TAG)} + JSON.stringify({ name, reading: {
    framesPerSecond: metrics.frames / ((metrics.until - metrics.from) / 1000),
    longTasksOver50ms: metrics.longTasks.filter((d) => d > 50).length,
    longestStallMs: Math.max(metrics.worstFrameGap, ...metrics.longTasks),
    messagesReceived: metrics.received,
    messagesListed: ${LISTED[page]} - metrics.listedBefore,
    domNodes: document.getElementsByTagName('*').length,
    jsHeapMB: performance.memory.usedJSHeapSize / 1024 / 1024,
  } }));
  addEventListener('keydown', () => report('key'), { capture: true });
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => {
        if (typeof event.data !== 'string') return;
        if (event.data.includes(${JSON.stringify(LOAD_PREFIX)})) metrics.received += 1;
        // After the next frame: what a page draws per frame is then on screen.
        else if (event.data.includes(${JSON.stringify(END_MARKER)})) {
          metrics.markers += 1;
          requestAnimationFrame(() => report('caught-up'));
        }
      });
    }
  };
}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Loads `page` at `ratePerSecond` for `durationMs`, then gives it `waitMs` to answer and catch up. */
export async function pageUnderLoad(
  page: PageKind,
  ratePerSecond: number,
  durationMs: number,
  waitMs: number,
): Promise<PageFigures> {
  const files = new Map<string, string>();
  const pageServer = createServer((request, response) => {
    const body = files.get(request.url ?? '');
    response.writeHead(body === undefined ? 404 : 200, { 'Content-Type': 'text/html; charset=utf-8' }).end(body);
  });
  await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
  const pageOrigin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;
  const station = await startStation(parseStationConfig({ host: '127.0.0.1', port: 0, allowedOrigins: [pageOrigin] }));
  files.set(
    '/seed.html',
    readFileSync(SEED_PAGE, 'utf8').replace('ws://127.0.0.1:3000/', `ws://127.0.0.1:${station.port}/`),
  );
  const url = page === 'seed-page' ? `${pageOrigin}/seed.html` : `http://127.0.0.1:${station.port}/`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript(instrumentation(page));
    const tab = await context.newPage();
    const reports = new Map<ReportName, (report: { at: number; reading: PageReading }) => void>();
    const reported = (name: ReportName) =>
      new Promise<{ at: number; reading: PageReading }>((resolve) => reports.set(name, resolve));
    tab.on('console', (message) => {
      const text = message.text();
      if (!text.startsWith(REPORT_TAG)) return;
      const { name, reading } = JSON.parse(text.slice(REPORT_TAG.length)) as { name: ReportName; reading: PageReading };
      reports.get(name)?.({ at: performance.now(), reading });
    });
    await tab.goto(url);
    while (station.peers.size === 0) await sleep(20);
    if (page === 'station-client') await tab.check('#hide-ticks');
    await tab.evaluate(`{
      const metrics = window.__metrics;
      metrics.listedBefore = ${LISTED[page]};
      metrics.from = performance.now();
      metrics.until = metrics.from + ${durationMs};
    }`);

    let sent = 0;
    const send = (text: string) => sendToPeers(station.peers, { binary: false, text }).reached > 0;
    const started = performance.now();
    await new Promise<void>((resolve) => {
      // Paced by the clock: each round catches up to where the schedule says the load should be.
      const timer = setInterval(() => {
        const elapsed = performance.now() - started;
        const due = Math.floor((Math.min(elapsed, durationMs) / 1000) * ratePerSecond);
        // A refused send: the page's socket is as far behind as the station lets it get.
        while (sent < due && send(`${LOAD_PREFIX}${sent}`)) sent += 1;
        if (elapsed >= durationMs) {
          clearInterval(timer);
          resolve();
        }
      }, 10);
    });
    const loadEnded = performance.now();
    const caughtUp = reported('caught-up');
    const keyAnswered = reported('key');
    const deadline = sleep(waitMs).then(() => undefined);
    while (!send(END_MARKER) && performance.now() - loadEnded < waitMs) await sleep(10);
    await Promise.race([tab.keyboard.press('Shift'), deadline]);
    const key = await Promise.race([keyAnswered, deadline]);
    const caught = await Promise.race([caughtUp, deadline]);
    return {
      ...((caught ?? key)?.reading ?? UNREADABLE),
      inputDelayMs: key ? key.at - loadEnded : NaN,
      catchUpMs: caught ? caught.at - loadEnded : NaN,
      messagesSent: sent,
    };
  } finally {
    await browser.close();
    await station.close();
    pageServer.close();
  }
}

/** A page too busy to be read even once. */
const UNREADABLE: PageReading = {
  framesPerSecond: NaN,
  longTasksOver50ms: NaN,
  longestStallMs: NaN,
  messagesReceived: NaN,
  messagesListed: NaN,
  domNodes: NaN,
  jsHeapMB: NaN,
};
