/** Chromium (Debian's, or CHROMIUM_PATH) driven by Playwright, for the pages every engine runs. */
import assert from 'node:assert/strict';
import type { Browser } from 'playwright';
import { launchChromium } from '../browser';
import { DEFAULT_SIZE, PersonPage, recordProblems, type Engine, type PageOptions } from './person-page';

export class ChromiumEngine implements Engine {
  readonly name = 'chromium';
  #browser: Promise<Browser> | undefined;

  async open(url: string, options: PageOptions = {}): Promise<PersonPage> {
    const browser = await (this.#browser ??= launchChromium());
    const touch = options.touch ?? false;
    const context = await browser.newContext({
      viewport: options.size ?? DEFAULT_SIZE,
      isMobile: touch,
      hasTouch: touch,
      ...(options.locale === undefined ? {} : { locale: options.locale }),
      ...(options.colorScheme === undefined ? {} : { colorScheme: options.colorScheme }),
    });
    const page = await context.newPage();
    const problems = recordProblems((onConsole, onPageError) => {
      page.on('console', (message) => onConsole(message.type(), message.text()));
      page.on('pageerror', onPageError);
    });
    const response = await page.goto(url);
    assert.equal(response?.status(), 200, `chromium: ${url}`);
    return new PersonPage(this.name, {
      evaluate: (fn, arg) => page.evaluate(fn, arg),
      run: async (source) => {
        await page.evaluate(source);
      },
      pointAt: (x, y) => (touch ? page.touchscreen.tap(x, y) : page.mouse.click(x, y)),
      typeText: (text) => page.keyboard.type(text),
      pressKey: (key) => page.keyboard.press(key),
      screenshotPng: () => page.screenshot(),
      problems: () => Promise.resolve(problems),
      close: () => context.close(),
    });
  }

  async close(): Promise<void> {
    const browser = this.#browser;
    this.#browser = undefined;
    if (browser) await (await browser).close();
  }
}
