/**
 * A real browser for tests: Debian's Chromium driven by Playwright, and a small static HTTP
 * server on loopback to host the pages it opens. Chromium's Local Network Access rules let a
 * page open sockets to loopback only when the page itself comes from a local HTTP server, so
 * pages are served for real rather than through Playwright's route().
 */
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser, type BrowserContextOptions, type ConsoleMessage, type Page } from 'playwright';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Launches Chromium (CHROMIUM_PATH, or Debian's /usr/bin/chromium), kept from calling home.
 * `env` replaces its environment (a HOME of its own gives it an NSS database of its own).
 */
export function launchChromium(executablePath = CHROMIUM_PATH, env?: NodeJS.ProcessEnv): Promise<Browser> {
  return chromium.launch({
    executablePath,
    ...(env === undefined ? {} : { env }),
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
  });
}

/** Launches Chromium and closes it after the test. */
export async function launchBrowser(
  t: TestContext,
  executablePath = CHROMIUM_PATH,
  env?: NodeJS.ProcessEnv,
): Promise<Browser> {
  const browser = await launchChromium(executablePath, env);
  t.after(() => browser.close());
  return browser;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Serves `files` (URL path, such as '/index.html', to content) on 127.0.0.1 at a free port until
 * the test ends, and returns the origin, e.g. http://127.0.0.1:41234. `files` is read on every
 * request, so a test may add a page once it knows something that depends on the origin.
 */
export async function serveStatic(t: TestContext, files: Readonly<Record<string, string>>): Promise<string> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const body = files[path];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD' }).end();
    } else if (body === undefined) {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${path} is not served here`);
    } else {
      response.writeHead(200, {
        'Content-Type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
        'Content-Length': Buffer.byteLength(body),
        'Cache-Control': 'no-store',
      });
      response.end(request.method === 'HEAD' ? undefined : body);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

export interface OpenedPage {
  page: Page;
  /** Everything the page printed to its console, in order. */
  logs: string[];
  messages: ConsoleMessage[];
  errors: Error[];
}

/** Opens `url` in a new page of its own context, recording console output and page errors. */
export async function openPage(
  browser: Browser,
  url: string,
  options: BrowserContextOptions & {
    initScript?: string;
    /** Functions of the test process the page may call as window.<name>(...), before it loads. */
    expose?: Record<string, (...args: never[]) => unknown>;
  } = {},
): Promise<OpenedPage> {
  const { initScript, expose = {}, ...contextOptions } = options;
  // Tall enough for a log of about twenty rows, so what a test looks for stays in view a while.
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, ...contextOptions });
  for (const [name, callback] of Object.entries(expose)) await context.exposeFunction(name, callback);
  if (initScript !== undefined) await context.addInitScript(initScript);
  const page = await context.newPage();
  const opened: OpenedPage = { page, logs: [], messages: [], errors: [] };
  page.on('console', (message) => {
    opened.messages.push(message);
    opened.logs.push(message.text());
  });
  page.on('pageerror', (error) => opened.errors.push(error));
  const response = await page.goto(url);
  assert.equal(response?.status(), 200);
  return opened;
}

const SCREENSHOTS = join(__dirname, '..', '..', '..', 'test-results', 'screenshots');

/** Saves what the page shows now as test-results/screenshots/<name>.png, for a person to look at. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

/** Nothing went wrong in the page: no uncaught exception, no console error. */
export function assertNoPageErrors(opened: OpenedPage): void {
  assert.deepEqual(opened.errors, []);
  const errors = opened.messages.filter((message) => message.type() === 'error').map((message) => message.text());
  assert.deepEqual(errors, []);
}
