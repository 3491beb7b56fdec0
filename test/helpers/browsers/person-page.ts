/**
 * A page as a person uses it, the same in every browser engine: what is on it is read in the page
 * itself, clicks land where the element is drawn (on whatever is on top there, as a finger or a
 * mouse would), and typing is real key presses. Each engine's driver supplies a few primitives;
 * everything else is written once here, so one test description runs in Chromium, Firefox and
 * WebKit.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type EngineName = 'chromium' | 'firefox' | 'webkit';

/** Keys the tests press, in Playwright's notation. */
export type Key = 'Enter' | 'Shift+Enter';

export interface PageOptions {
  /** The page's viewport, in CSS pixels. */
  size?: { width: number; height: number };
  /** A phone or tablet: touch input, and the viewport meta tag in effect where the engine can. */
  touch?: boolean;
  /** The browser's preferred language (navigator.language). */
  locale?: string;
  colorScheme?: 'light' | 'dark';
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A size tall enough for a log of about twenty rows, so what a test looks for stays in view a while. */
export const DEFAULT_SIZE = { width: 1280, height: 1000 } as const;
export const PHONE: PageOptions = { size: { width: 390, height: 844 }, touch: true };
export const TABLET: PageOptions = { size: { width: 768, height: 1024 }, touch: true };
/** The desktop window's default size. */
export const DESKTOP_WINDOW: PageOptions = { size: { width: 1280, height: 860 } };

const WAIT_MS = 5000;
const POLL_MS = 25;
const SCREENSHOTS = join(__dirname, '..', '..', '..', '..', 'test-results', 'screenshots');

/** A browser engine, launched when first asked for a page; close() ends all it launched. */
export interface Engine {
  readonly name: EngineName;
  /** Opens `url` in a page of its own (no cookies or storage shared with other pages). */
  open(url: string, options?: PageOptions): Promise<PersonPage>;
  close(): Promise<void>;
}

/** What an engine's driver does; the rest of PersonPage is built on these. */
export interface PageDriver {
  /** Runs `fn(arg)` in the page and returns its (awaited, JSON-serialisable) result. */
  evaluate(fn: (arg: unknown) => unknown, arg: unknown): Promise<unknown>;
  /** Runs a script's source in the page, outside its Content-Security-Policy (as a browser's devtools do). */
  run(source: string): Promise<void>;
  /** A click (or, on a touch page, a tap) at a point of the viewport. */
  pointAt(x: number, y: number): Promise<void>;
  /** Real key presses into the focused element: text typed, or a key. */
  typeText(text: string): Promise<void>;
  pressKey(key: Key): Promise<void>;
  screenshotPng(): Promise<Buffer>;
  /** Exceptions the page threw and errors it wrote to its console, as far as the engine tells. */
  problems(): Promise<PageProblems>;
  close(): Promise<void>;
}

export interface PageProblems {
  exceptions: string[];
  consoleErrors: string[];
}

/**
 * Keeps what a page reports as going wrong from now on: `listen` hands the page's console messages
 * and page errors on. A page error that `isConsoleError` picks is no exception of the page's own
 * and is kept with the console errors.
 */
export function recordProblems(
  listen: (onConsole: (type: string, text: string) => void, onPageError: (error: unknown) => void) => void,
  isConsoleError: (message: string) => boolean = () => false,
): PageProblems {
  const problems: PageProblems = { exceptions: [], consoleErrors: [] };
  listen(
    (type, text) => {
      if (type === 'error') problems.consoleErrors.push(text);
    },
    (error) => {
      const message = error instanceof Error ? error.message : String(error);
      if (isConsoleError(message)) problems.consoleErrors.push(message);
      else problems.exceptions.push(String(error));
    },
  );
  return problems;
}

type TextMatch = string | RegExp;
type SerialMatch = { source: string; flags: string } | string;

const serialMatch = (match: TextMatch): SerialMatch =>
  typeof match === 'string' ? match : { source: match.source, flags: match.flags };

/**
 * The parts of the DOM the functions below use in the page. Declared here rather than by the DOM
 * library, which would make `document` look available to the Node code of the whole project.
 */
interface InPageElement {
  readonly textContent: string | null;
  value: string;
  readonly disabled?: boolean;
  readonly options?: Iterable<{ value: string }>;
  getAttribute(name: string): string | null;
  getClientRects(): { length: number };
  getBoundingClientRect(): Box;
  readonly isConnected: boolean;
  scrollIntoView(options: { block: string; inline: string }): void;
  focus(): void;
  select(): void;
  setSelectionRange(start: number, end: number): void;
  dispatchEvent(event: object): boolean;
}
declare const document: {
  querySelector(selector: string): InPageElement | null;
  querySelectorAll(selector: string): Iterable<InPageElement>;
  execCommand(command: string, showUi?: boolean, value?: string): boolean;
};
declare const getComputedStyle: (element: InPageElement) => { getPropertyValue(property: string): string };
declare const requestAnimationFrame: (callback: () => void) => number;
declare const Event: new (type: string, init: { bubbles: boolean }) => object;

/**
 * Runs in the page: the middle of the last element matching `selector` that is drawn and whose
 * text matches, or null when there is none. With `settle`, it is first scrolled into view and
 * measured again frame by frame until it stays put, as Playwright waits for an element to be
 * stable: the log is a virtual list that redraws its rows after a scroll.
 */
async function shownElementPoint(query: { selector: string; match: SerialMatch | null; settle: boolean }) {
  const { selector, match, settle } = query;
  const matches = (element: InPageElement) =>
    element.getClientRects().length > 0 &&
    (match === null ||
      (typeof match === 'string'
        ? (element.textContent ?? '').includes(match)
        : new RegExp(match.source, match.flags).test(element.textContent ?? '')));
  const found = [...document.querySelectorAll(selector)].filter(matches).at(-1);
  if (!found) return null;
  const middle = () => {
    const { x, y, width, height } = found.getBoundingClientRect();
    return { x: x + width / 2, y: y + height / 2 };
  };
  if (!settle) return middle();
  found.scrollIntoView({ block: 'center', inline: 'center' });
  const frame = () =>
    new Promise<void>((resolve) => {
      requestAnimationFrame(() => resolve());
      setTimeout(resolve, 100);
    });
  let last = middle();
  for (let frames = 0; frames < 20; frames++) {
    await frame();
    // A row the list reused for another entry no longer is the one to click.
    if (!found.isConnected || !matches(found)) return null;
    const now = middle();
    if (now.x === last.x && now.y === last.y) return now;
    last = now;
  }
  return null;
}

export class PersonPage {
  constructor(
    readonly engine: EngineName,
    readonly driver: PageDriver,
  ) {}

  /** Runs `fn(arg)` in the page: `fn` is sent as its source, so it may use nothing from outside it. */
  evaluate<T, A>(fn: (arg: A) => T | Promise<T>, arg: A): Promise<T> {
    return this.driver.evaluate(fn as (arg: unknown) => unknown, arg) as Promise<T>;
  }

  /** Runs a script (a library the test brings, say) in the page, its own CSP notwithstanding. */
  run(source: string): Promise<void> {
    return this.driver.run(source);
  }

  /** The text of the first element matching `selector`, or null when there is none. */
  text(selector: string): Promise<string | null> {
    return this.evaluate((s) => document.querySelector(s)?.textContent ?? null, selector);
  }

  texts(selector: string): Promise<string[]> {
    return this.evaluate(
      (s) => [...document.querySelectorAll(s)].map((element) => element.textContent ?? ''),
      selector,
    );
  }

  attribute(selector: string, name: string): Promise<string | null> {
    return this.evaluate(([s, n]) => document.querySelector(s)?.getAttribute(n) ?? null, [selector, name] as const);
  }

  attributes(selector: string, name: string): Promise<(string | null)[]> {
    return this.evaluate(([s, n]) => [...document.querySelectorAll(s)].map((element) => element.getAttribute(n)), [
      selector,
      name,
    ] as const);
  }

  /** A computed style of the first element matching `selector`. */
  style(selector: string, property: string): Promise<string | null> {
    return this.evaluate(
      ([s, p]) => {
        const element = document.querySelector(s);
        return element ? getComputedStyle(element).getPropertyValue(p) : null;
      },
      [selector, property] as const,
    );
  }

  value(selector: string): Promise<string | null> {
    return this.evaluate((s) => document.querySelector(s)?.value ?? null, selector);
  }

  isDisabled(selector: string): Promise<boolean> {
    return this.evaluate((s) => document.querySelector(s)?.disabled === true, selector);
  }

  /** Whether the element is drawn: present, not hidden, not display: none. */
  isShown(selector: string): Promise<boolean> {
    return this.evaluate((s) => (document.querySelector(s)?.getClientRects().length ?? 0) > 0, selector);
  }

  /** Where the first element matching `selector` is drawn, or null when it is not. */
  box(selector: string): Promise<Box | null> {
    return this.evaluate((s) => {
      const element = document.querySelector(s);
      if (!element || element.getClientRects().length === 0) return null;
      const { x, y, width, height } = element.getBoundingClientRect();
      return { x, y, width, height };
    }, selector);
  }

  /** Waits until an element matching `selector` is drawn (with `text` in it, when given). */
  async waitFor(selector: string, text?: TextMatch, timeoutMs = WAIT_MS): Promise<void> {
    const match = text === undefined ? null : serialMatch(text);
    await this.until(
      `${selector}${text === undefined ? '' : ` with ${String(text)}`} to show`,
      async () => (await this.evaluate(shownElementPoint, { selector, match, settle: false })) !== null,
      timeoutMs,
    );
  }

  async waitForHidden(selector: string, timeoutMs = WAIT_MS): Promise<void> {
    await this.until(`${selector} to hide`, async () => !(await this.isShown(selector)), timeoutMs);
  }

  /** Polls `condition` until it holds; fails with `what` when it does not in time. */
  async until(what: string, condition: () => Promise<boolean>, timeoutMs = WAIT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`${this.engine}: timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  /**
   * Clicks (taps, on a touch page) the middle of the last element matching `selector` that is
   * drawn and has `text` in it, once there is one, scrolled into view and still, as a person would.
   */
  async click(selector: string, text?: TextMatch, timeoutMs = WAIT_MS): Promise<void> {
    const query = { selector, match: text === undefined ? null : serialMatch(text), settle: true };
    const found: { point: { x: number; y: number } | null } = { point: null };
    await this.until(
      `${selector}${text === undefined ? '' : ` with ${String(text)}`} to click`,
      async () => (found.point = await this.evaluate(shownElementPoint, query)) !== null,
      timeoutMs,
    );
    const { x, y } = found.point ?? { x: 0, y: 0 };
    await this.driver.pointAt(Math.round(x), Math.round(y));
  }

  /**
   * Replaces what a field holds, as typing or pasting would: its text selected and replaced by an
   * edit (input events included), so a multi-line value goes in without an Enter key sending it.
   */
  async fill(selector: string, value: string): Promise<void> {
    const found = await this.evaluate(
      ([s, v]) => {
        const field = document.querySelector(s);
        if (!field) return false;
        field.focus();
        field.select();
        if (v === '') document.execCommand('delete');
        else document.execCommand('insertText', false, v);
        return true;
      },
      [selector, value] as const,
    );
    if (!found) throw new Error(`${this.engine}: no field ${selector} to fill`);
  }

  /** Types `text` key by key at the end of what the field holds. */
  async type(selector: string, text: string): Promise<void> {
    await this.focusAtEnd(selector);
    await this.driver.typeText(text);
  }

  async press(selector: string, key: Key): Promise<void> {
    await this.focusAtEnd(selector);
    await this.driver.pressKey(key);
  }

  /** Chooses an option as the list would: the value set, input and change told. */
  async select(selector: string, value: string): Promise<void> {
    const found = await this.evaluate(
      ([s, v]) => {
        const list = document.querySelector(s);
        if (!list?.options || ![...list.options].some((option) => option.value === v)) return false;
        list.value = v;
        list.dispatchEvent(new Event('input', { bubbles: true }));
        list.dispatchEvent(new Event('change', { bubbles: true }));
        return true;
      },
      [selector, value] as const,
    );
    if (!found) throw new Error(`${this.engine}: no option ${value} in ${selector}`);
  }

  /** Saves what the page shows as test-results/screenshots/<engine>-<name>.png, for a person to look at. */
  async screenshot(name: string): Promise<void> {
    await mkdir(SCREENSHOTS, { recursive: true });
    await writeFile(join(SCREENSHOTS, `${this.engine}-${name}.png`), await this.driver.screenshotPng());
  }

  problems(): Promise<PageProblems> {
    return this.driver.problems();
  }

  close(): Promise<void> {
    return this.driver.close();
  }

  private async focusAtEnd(selector: string): Promise<void> {
    const found = await this.evaluate((s) => {
      const field = document.querySelector(s);
      if (!field) return false;
      field.focus();
      field.setSelectionRange(field.value.length, field.value.length);
      return true;
    }, selector);
    if (!found) throw new Error(`${this.engine}: no field ${selector} to type into`);
  }
}
