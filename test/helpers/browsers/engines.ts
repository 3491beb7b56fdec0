/** The browser engines the LAN page is tested in, and their lifetimes in a test file. */
import { after, type TestContext } from 'node:test';
import { ChromiumEngine } from './chromium';
import { FirefoxEngine } from './firefox';
import type { Engine, EngineName, PageOptions, PersonPage } from './person-page';
import { WebKitEngine } from './webkit';

export const ENGINE_NAMES: readonly EngineName[] = ['chromium', 'firefox', 'webkit'];

const ENGINES: Readonly<Record<EngineName, () => Engine>> = {
  chromium: () => new ChromiumEngine(),
  firefox: () => new FirefoxEngine(),
  webkit: () => new WebKitEngine(),
};

/** An engine for the suite this is called in: launched when first used, closed after the suite. */
export function useEngine(name: EngineName): Engine {
  const engine = ENGINES[name]();
  after(() => engine.close());
  return engine;
}

/** Opens `url` in `engine` for one test, and closes the page after it. */
export async function openFor(t: TestContext, engine: Engine, url: string, options?: PageOptions): Promise<PersonPage> {
  const page = await engine.open(url, options);
  t.after(() => page.close());
  return page;
}
