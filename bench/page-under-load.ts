/**
 * 6. A client page in Chromium under a steady stream of messages: the station's own client page
 * against the seed article's page (`innerHTML +=` for every message). The page's socket sends
 * `ratePerSecond` messages a second and the station echoes them back, so the page receives that
 * many. Measured in the page: long tasks, the worst gap between frames, DOM size, JS heap.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium } from 'playwright';
import { parseStationConfig } from '../main/station/config';
import { startStation } from '../main/station/station';

export interface PageMetrics {
  longTasksOver50ms: number;
  worstLongTaskMs: number;
  worstFrameGapMs: number;
  domNodes: number;
  jsHeapMB: number;
  /** False when the page was still busy with its backlog 10 s after the load stopped. */
  responsive: boolean;
}

const SEED_PAGE = join(__dirname, '..', '..', 'test', 'fixtures', 'seed-client.html');
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--enable-precise-memory-info',
];

/** Runs in the page before its own scripts: the load source and the observers. */
function instrumentation(ratePerSecond: number): string {
  return `{
    window.__metrics = { longTasks: [], worstFrameGap: 0, loadStart: Infinity };
    // Only tasks while the load runs: the page's own start-up is not what is measured.
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        if (entry.startTime >= window.__metrics.loadStart) window.__metrics.longTasks.push(entry.duration);
      }
    }).observe({ type: 'longtask' });
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
      constructor(...args) {
        super(...args);
        this.addEventListener('open', () => {
          let sent = 0, last = performance.now();
          const frame = (now) => {
            window.__metrics.worstFrameGap = Math.max(window.__metrics.worstFrameGap, now - last);
            last = now;
            requestAnimationFrame(frame);
          };
          requestAnimationFrame(frame);
          const started = performance.now();
          window.__metrics.loadStart = started;
          window.__load = setInterval(() => {
            const due = Math.floor(((performance.now() - started) / 1000) * ${ratePerSecond});
            for (; sent < due; sent++) this.send('load ' + sent);
          }, 10);
        });
      }
    };
  }`;
}

export async function pageUnderLoad(
  page: 'station-client' | 'seed-page',
  ratePerSecond: number,
  durationMs: number,
): Promise<PageMetrics> {
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
    await context.addInitScript(instrumentation(ratePerSecond));
    const tab = await context.newPage();
    await tab.goto(url);
    await new Promise((resolve) => setTimeout(resolve, durationMs));
    const measure = tab.evaluate<PageMetrics>(`(() => {
      clearInterval(window.__load);
      const tasks = window.__metrics.longTasks;
      return {
        longTasksOver50ms: tasks.filter((d) => d > 50).length,
        worstLongTaskMs: Math.max(0, ...tasks),
        worstFrameGapMs: window.__metrics.worstFrameGap,
        domNodes: document.getElementsByTagName('*').length,
        jsHeapMB: performance.memory.usedJSHeapSize / 1024 / 1024,
        responsive: true,
      };
    })()`);
    const timeout = new Promise<PageMetrics>((resolve) =>
      setTimeout(
        () =>
          resolve({
            longTasksOver50ms: NaN,
            worstLongTaskMs: NaN,
            worstFrameGapMs: NaN,
            domNodes: NaN,
            jsHeapMB: NaN,
            responsive: false,
          }),
        10_000,
      ),
    );
    return await Promise.race([measure, timeout]);
  } finally {
    await browser.close();
    await station.close();
    pageServer.close();
  }
}
