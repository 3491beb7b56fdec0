/**
 * WebKit, the engine of every iPhone browser, as close as this platform comes to Safari: Debian's
 * WebKitGTK MiniBrowser driven by its WebDriver (webkit2gtk-driver), on a virtual display of its
 * own (Xvfb). Two things differ from the other engines, both said where they matter:
 * - A window narrower than MiniBrowser's toolbar cannot be had, so the toolbar's GTK style is
 *   shrunk (a gtk.css in the engine's own config folder) until a 390 px phone viewport fits; the
 *   page itself is WebKit's to draw.
 * - Classic WebDriver reports no console output, so the page's errors are recorded from the
 *   moment it has loaded, by listeners the test adds then.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { DEFAULT_SIZE, PersonPage, type Engine, type Key, type PageOptions, type PageProblems } from './person-page';
import { WebDriverSession, type ActionSequence } from './webdriver-session';

const LIB_TRIPLET = process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';
export const WEBKIT_WEBDRIVER_PATH = process.env.WEBKIT_WEBDRIVER_PATH ?? '/usr/bin/WebKitWebDriver';
export const MINIBROWSER_PATH = process.env.MINIBROWSER_PATH ?? `/usr/lib/${LIB_TRIPLET}/webkit2gtk-4.1/MiniBrowser`;

/** GTK draws MiniBrowser's toolbar; made tiny, it no longer holds the window wider than a phone. */
const SHRUNKEN_TOOLBAR_CSS =
  '* { font-size: 1px; min-width: 0; min-height: 0; padding: 0; margin: 0; border-width: 0; -gtk-icon-transform: scale(0.1); }\n';

const KEYS: Readonly<Record<Key, string[]>> = { Enter: ['\uE007'], 'Shift+Enter': ['\uE008', '\uE007'] };

interface Display {
  name: string;
  server?: ChildProcess;
  home: string;
}

export class WebKitEngine implements Engine {
  readonly name = 'webkit';
  #display: Promise<Display> | undefined;

  async open(url: string, options: PageOptions = {}): Promise<PersonPage> {
    const display = await (this.#display ??= startDisplay());
    const port = await freePort();
    const driver = spawn(WEBKIT_WEBDRIVER_PATH, [`--port=${port}`], {
      stdio: 'ignore',
      env: {
        ...process.env,
        DISPLAY: display.name,
        HOME: display.home,
        XDG_CONFIG_HOME: join(display.home, 'config'),
        XDG_CACHE_HOME: join(display.home, 'cache'),
        XDG_DATA_HOME: join(display.home, 'data'),
      },
    });
    const driverUrl = `http://127.0.0.1:${port}`;
    let session: WebDriverSession | undefined;
    try {
      await driverReady(driverUrl, driver);
      session = await WebDriverSession.create(driverUrl, {
        'webkitgtk:browserOptions': {
          binary: MINIBROWSER_PATH,
          args: ['--automation', ...(options.colorScheme === 'dark' ? ['--dark-mode'] : [])],
        },
      });
      await fitViewport(session, options.size ?? DEFAULT_SIZE);
      await session.navigate(url);
      await session.execute(recordProblems, null);
    } catch (error) {
      await session?.delete().catch(() => undefined);
      driver.kill();
      throw error;
    }
    const opened = session;
    const pointer = options.touch ? 'touch' : 'mouse';
    return new PersonPage(this.name, {
      evaluate: (fn, arg) => opened.execute(fn, arg),
      run: async (source) => {
        await opened.command('POST', '/execute/sync', { script: source, args: [] });
      },
      pointAt: (x, y) =>
        opened.perform({
          type: 'pointer',
          id: pointer,
          parameters: { pointerType: pointer },
          actions: [
            { type: 'pointerMove', origin: 'viewport', x, y, duration: 0 },
            { type: 'pointerDown', button: 0 },
            { type: 'pointerUp', button: 0 },
          ],
        }),
      // A key action types one grapheme cluster (WebDriver's "key" is one).
      typeText: (text) =>
        opened.perform(keySequence(Array.from(new Intl.Segmenter().segment(text), (part) => part.segment))),
      pressKey: (key) => opened.perform(keySequence(KEYS[key], true)),
      screenshotPng: () => opened.screenshotPng(),
      problems: () => opened.execute(readProblems, null),
      close: async () => {
        await opened.delete().catch(() => undefined);
        if (driver.exitCode === null && driver.signalCode === null) {
          driver.kill();
          await once(driver, 'exit');
        }
      },
    });
  }

  async close(): Promise<void> {
    const display = this.#display;
    this.#display = undefined;
    if (!display) return;
    const { server, home } = await display;
    if (server && server.exitCode === null) {
      server.kill();
      await once(server, 'exit');
    }
    await rm(home, { recursive: true, force: true });
  }
}

/** Key presses of `keys`; held together (a chord, modifiers first) when `chord`, else one by one. */
function keySequence(keys: string[], chord = false): ActionSequence {
  const actions = chord
    ? [
        ...keys.map((value) => ({ type: 'keyDown', value })),
        ...keys.reverse().map((value) => ({ type: 'keyUp', value })),
      ]
    : keys.flatMap((value) => [
        { type: 'keyDown', value },
        { type: 'keyUp', value },
      ]);
  return { type: 'key', id: 'keyboard', actions };
}

/** A display for the engine's windows: a private Xvfb where there is one, else the session's own. */
async function startDisplay(): Promise<Display> {
  const home = await mkdtemp(join(tmpdir(), 'ws-station-webkit-'));
  await mkdir(join(home, 'config', 'gtk-3.0'), { recursive: true });
  await writeFile(join(home, 'config', 'gtk-3.0', 'gtk.css'), SHRUNKEN_TOOLBAR_CSS);
  const server = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1600x1200x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
  });
  try {
    const number = await new Promise<string>((resolve, reject) => {
      let written = '';
      server.stdio[3]?.on('data', (chunk: Buffer) => {
        written += chunk.toString();
        if (written.includes('\n')) resolve(written.trim());
      });
      server.once('error', reject);
      server.once('exit', (code) => reject(new Error(`Xvfb exited (${code}) before it had a display`)));
    });
    return { name: `:${number}`, server, home };
  } catch (error) {
    if (process.env.DISPLAY) return { name: process.env.DISPLAY, home };
    await rm(home, { recursive: true, force: true });
    throw error;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

async function driverReady(driverUrl: string, driver: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (driver.exitCode !== null) throw new Error(`WebKitWebDriver exited (${driver.exitCode})`);
    const ready = await fetch(`${driverUrl}/status`)
      .then(async (response) => ((await response.json()) as { value: { ready: boolean } }).value.ready)
      .catch(() => false);
    if (ready) return;
    if (Date.now() > deadline) throw new Error('WebKitWebDriver did not become ready within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Sets the window so that the page's viewport is `size` (the window adds its toolbar). The X
 * server resizes in its own time, so the viewport is read until it stops changing.
 */
async function fitViewport(session: WebDriverSession, size: { width: number; height: number }): Promise<void> {
  const viewport = () => session.execute(() => ({ width: innerWidth, height: innerHeight }), null);
  let window = { ...size };
  for (let attempt = 0; attempt < 5; attempt++) {
    await session.setWindowSize(window.width, window.height);
    let inner = await viewport();
    for (let read = 0; read < 20; read++) {
      if (inner.width === size.width && inner.height === size.height) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
      const again = await viewport();
      if (again.width === inner.width && again.height === inner.height) break;
      inner = again;
    }
    window = { width: window.width + size.width - inner.width, height: window.height + size.height - inner.height };
  }
  throw new Error(`webkit: cannot make a ${size.width}×${size.height} viewport`);
}

declare const innerWidth: number;
declare const innerHeight: number;
declare const window: {
  addEventListener(
    type: string,
    listener: (event: { message?: string; reason?: unknown; blockedURI?: string; violatedDirective?: string }) => void,
  ): void;
  __problems?: PageProblems;
};
declare const console: { error(...data: unknown[]): void };

/** Runs in the page once it has loaded: keeps its exceptions, console errors and CSP violations. */
function recordProblems(): void {
  const problems: PageProblems = { exceptions: [], consoleErrors: [] };
  window.__problems = problems;
  window.addEventListener('error', (event) => problems.exceptions.push(String(event.message)));
  window.addEventListener('unhandledrejection', (event) => problems.exceptions.push(String(event.reason)));
  window.addEventListener('securitypolicyviolation', (event) =>
    problems.consoleErrors.push(`CSP: ${String(event.violatedDirective)} blocked ${String(event.blockedURI)}`),
  );
  const consoleError = console.error.bind(console);
  console.error = (...data: unknown[]) => {
    problems.consoleErrors.push(data.map(String).join(' '));
    consoleError(...data);
  };
}

function readProblems(): PageProblems {
  return window.__problems ?? { exceptions: [], consoleErrors: [] };
}
