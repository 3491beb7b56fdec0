/**
 * The few W3C WebDriver (classic) commands the WebKit tests use, over fetch. Written here because
 * the maintained client (the `webdriver` package) needs Node 22.19 from version 10 on, and before
 * that brings browser-driver downloaders the project has no use for; the commands are plain
 * HTTP: https://www.w3.org/TR/webdriver2/
 */

/** An action sequence as the Perform Actions command takes it. */
export interface ActionSequence {
  type: 'key' | 'pointer';
  id: string;
  parameters?: { pointerType: 'mouse' | 'touch' };
  actions: Record<string, string | number>[];
}

export class WebDriverSession {
  private constructor(
    private readonly base: string,
    readonly id: string,
  ) {}

  /** Creates a session on the driver at `driverUrl` (such as http://127.0.0.1:4444). */
  static async create(driverUrl: string, capabilities: Record<string, unknown>): Promise<WebDriverSession> {
    const created = await command<{ sessionId: string }>(driverUrl, 'POST', '/session', {
      capabilities: { alwaysMatch: capabilities },
    });
    return new WebDriverSession(driverUrl, created.sessionId);
  }

  command<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    return command<T>(this.base, method, `/session/${this.id}${path}`, body);
  }

  navigate(url: string): Promise<null> {
    return this.command('POST', '/url', { url });
  }

  /** Runs `fn(arg)` in the page; a promise it returns is awaited (Execute Script does). */
  execute<T, A>(fn: (arg: A) => T | Promise<T>, arg: A): Promise<T> {
    return this.command('POST', '/execute/sync', { script: `return (${fn.toString()})(arguments[0]);`, args: [arg] });
  }

  setWindowSize(width: number, height: number): Promise<unknown> {
    return this.command('POST', '/window/rect', { width, height });
  }

  async perform(...sequences: ActionSequence[]): Promise<void> {
    await this.command('POST', '/actions', { actions: sequences });
    await this.command('DELETE', '/actions');
  }

  async screenshotPng(): Promise<Buffer> {
    return Buffer.from(await this.command<string>('GET', '/screenshot'), 'base64');
  }

  async delete(): Promise<void> {
    await this.command('DELETE', '');
  }
}

async function command<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const answer = (await response.json()) as { value: T & { error?: string; message?: string } };
  if (!response.ok) {
    throw new Error(
      `WebDriver ${method} ${path}: ${answer.value.error ?? response.status} ${answer.value.message ?? ''}`,
    );
  }
  return answer.value;
}
