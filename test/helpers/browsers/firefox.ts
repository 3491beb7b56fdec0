/**
 * Firefox (Debian's firefox-esr, or FIREFOX_PATH) driven over WebDriver BiDi by puppeteer-core,
 * which talks to Firefox directly: no geckodriver, and no browser download. Puppeteer gives each
 * profile the preferences that keep Firefox from calling home (updates, telemetry, safe browsing).
 */
import assert from 'node:assert/strict';
import puppeteer, { type Browser } from 'puppeteer-core';
import { DEFAULT_SIZE, PersonPage, recordProblems, type Engine, type PageOptions } from './person-page';

export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

const FAILED_CONNECTION = /^Firefox can’t establish a connection to the server at /;

export class FirefoxEngine implements Engine {
  readonly name = 'firefox';
  /** Language, colour scheme and pointer are preferences of the profile: a browser for each mix asked for. */
  readonly #browsers = new Map<string, Promise<Browser>>();

  async open(url: string, options: PageOptions = {}): Promise<PersonPage> {
    const locale = options.locale ?? 'en-US';
    const colorScheme = options.colorScheme ?? 'light';
    const touch = options.touch ?? false;
    const key = `${locale} ${colorScheme} ${touch}`;
    let launched = this.#browsers.get(key);
    if (!launched) {
      launched = puppeteer.launch({
        browser: 'firefox',
        executablePath: FIREFOX_PATH,
        headless: true,
        extraPrefsFirefox: {
          'intl.accept_languages': locale,
          'intl.locale.requested': locale,
          // 0: dark, 1: light, for what pages are told in prefers-color-scheme.
          'layout.css.prefers-color-scheme.content-override': colorScheme === 'dark' ? 0 : 1,
          // What (pointer) and (hover) media queries see: 1 is a coarse pointer, 6 a fine one that hovers.
          'ui.primaryPointerCapabilities': touch ? 1 : 6,
          'ui.allPointerCapabilities': touch ? 1 : 6,
          'dom.w3c_touch_events.enabled': touch ? 1 : 0,
        },
      });
      this.#browsers.set(key, launched);
    }
    const context = await (await launched).createBrowserContext();
    const page = await context.newPage();
    await page.setViewport({ ...(options.size ?? DEFAULT_SIZE), isMobile: touch, hasTouch: touch });
    // Firefox reports a WebSocket that cannot connect as a script error; the page threw nothing.
    const problems = recordProblems(
      (onConsole, onPageError) => {
        page.on('console', (message) => onConsole(message.type(), message.text()));
        page.on('pageerror', onPageError);
      },
      (message) => FAILED_CONNECTION.test(message),
    );
    const response = await page.goto(url);
    assert.equal(response?.status(), 200, `firefox: ${url}`);
    return new PersonPage(this.name, {
      evaluate: (fn, arg) => page.evaluate(fn, arg),
      run: async (source) => {
        await page.evaluate(source);
      },
      pointAt: (x, y) => (touch ? page.touchscreen.tap(x, y) : page.mouse.click(x, y)),
      typeText: (text) => page.keyboard.type(text),
      pressKey: async (key) => {
        if (key === 'Shift+Enter') {
          await page.keyboard.down('Shift');
          await page.keyboard.press('Enter');
          await page.keyboard.up('Shift');
        } else {
          await page.keyboard.press(key);
        }
      },
      screenshotPng: async () => Buffer.from(await page.screenshot()),
      problems: () => Promise.resolve(problems),
      close: () => context.close(),
    });
  }

  async close(): Promise<void> {
    const browsers = [...this.#browsers.values()];
    this.#browsers.clear();
    await Promise.all(browsers.map(async (browser) => (await browser).close()));
  }
}
