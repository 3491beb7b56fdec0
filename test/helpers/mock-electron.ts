/**
 * A MOCK of the part of Electron's main-process API the app uses (main/electron/electron-api.ts).
 * It only records what the app asks of it, so unit tests can check the wiring: window options,
 * navigation and window.open refusals, permission handlers, IPC sender checks, the quit path.
 * It proves nothing about Electron itself; test/electron.test.ts drives the real one.
 */
import { EventEmitter } from 'node:events';
import type { ElectronMain } from '../../main/electron/electron-api';
import type { OpenDialogOptions, OpenDialogReturnValue } from 'electron';

export class MockEvent {
  defaultPrevented = false;
  /** Set for navigation events, where Electron 45 passes the target as event.url. */
  constructor(readonly url = '') {}

  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

type WindowOpenHandler = (details: { url: string }) => { action: 'allow' | 'deny' };
type PermissionRequestHandler = (contents: unknown, permission: string, callback: (granted: boolean) => void) => void;
type CertificateVerifyProc = (
  request: { hostname: string; certificate: { data: string } },
  callback: (verdict: number) => void,
) => void;

export class MockWebContents extends EventEmitter {
  windowOpenHandler: WindowOpenHandler | undefined;
  readonly sent: [string, unknown][] = [];
  readonly loaded: string[] = [];
  readonly session = {
    permissionRequestHandler: undefined as PermissionRequestHandler | undefined,
    permissionCheckHandler: undefined as ((...args: unknown[]) => boolean) | undefined,
    setPermissionRequestHandler(handler: PermissionRequestHandler) {
      this.permissionRequestHandler = handler;
    },
    setPermissionCheckHandler(handler: (...args: unknown[]) => boolean) {
      this.permissionCheckHandler = handler;
    },
    certificateVerifyProc: undefined as CertificateVerifyProc | undefined,
    setCertificateVerifyProc(proc: CertificateVerifyProc) {
      this.certificateVerifyProc = proc;
    },
  };

  setWindowOpenHandler(handler: WindowOpenHandler): void {
    this.windowOpenHandler = handler;
  }

  send(channel: string, payload: unknown): void {
    this.sent.push([channel, payload]);
  }

  isDestroyed(): boolean {
    return false;
  }

  /** What the page's top frame would report as its URL. */
  get currentUrl(): string {
    return this.loaded.at(-1) ?? '';
  }
}

export class MockBrowserWindow extends EventEmitter {
  static readonly instances: MockBrowserWindow[] = [];
  readonly webContents = new MockWebContents();
  focused = 0;

  constructor(readonly options: { webPreferences: Record<string, unknown> } & Record<string, unknown>) {
    super();
    MockBrowserWindow.instances.push(this);
  }

  loadURL(url: string): Promise<void> {
    this.webContents.loaded.push(url);
    return Promise.resolve();
  }

  isMinimized(): boolean {
    return false;
  }

  isDestroyed(): boolean {
    return false;
  }

  restore(): void {}

  focus(): void {
    this.focused += 1;
  }

  show(): void {}
}

type IpcListener = (event: unknown, ...args: unknown[]) => unknown;

export class MockIpcMain {
  readonly listeners = new Map<string, IpcListener>();
  readonly handlers = new Map<string, IpcListener>();

  on(channel: string, listener: IpcListener): this {
    this.listeners.set(channel, listener);
    return this;
  }

  handle(channel: string, handler: IpcListener): void {
    this.handlers.set(channel, handler);
  }

  /** Calls an invoke handler as a message from `sender` would. */
  async invoke(channel: string, sender: IpcSender, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`no handler for ${channel}`);
    // Like ipcRenderer.invoke: a handler's throw arrives as a rejection.
    return await handler(ipcEvent(sender), ...args);
  }

  /** Calls a sendSync listener and returns what it set as returnValue. */
  sendSync(channel: string, sender: IpcSender): unknown {
    const event: ReturnType<typeof ipcEvent> & { returnValue?: unknown } = ipcEvent(sender);
    this.listeners.get(channel)?.(event);
    return event.returnValue;
  }
}

/** Who sent an IPC message: which contents, from which frame, showing which URL. */
export interface IpcSender {
  contents: MockWebContents;
  url: string;
  topFrame: boolean;
}

function ipcEvent(sender: IpcSender) {
  const parent = sender.topFrame ? null : { url: 'about:blank' };
  return { sender: sender.contents, senderFrame: { url: sender.url, parent } };
}

export class MockApp extends EventEmitter {
  readonly paths = new Map<string, string>();
  quitCalls = 0;
  #ready: () => void = () => undefined;
  readonly #whenReady = new Promise<void>((resolve) => (this.#ready = resolve));

  constructor(
    userData: string,
    private readonly gotLock = true,
  ) {
    super();
    this.paths.set('userData', userData);
  }

  requestSingleInstanceLock(): boolean {
    return this.gotLock;
  }

  whenReady(): Promise<void> {
    return this.#whenReady;
  }

  /** What Electron does once it has initialised. */
  becomeReady(): void {
    this.#ready();
  }

  getPath(name: string): string {
    const path = this.paths.get(name);
    if (path === undefined) throw new Error(`no path ${name}`);
    return path;
  }

  setPath(name: string, path: string): void {
    this.paths.set(name, path);
  }

  exitCode: number | undefined;
  isPackaged = false;
  aboutPanel: Record<string, unknown> | undefined;

  setAboutPanelOptions(options: Record<string, unknown>): void {
    this.aboutPanel = options;
  }

  /** Like Electron: ends at once, without before-quit. */
  exit(code = 0): void {
    this.exitCode = code;
  }

  /** Like Electron: emits before-quit, and quits unless a listener prevented it. */
  quit(): void {
    this.quitCalls += 1;
    const event = new MockEvent();
    this.emit('before-quit', event);
    if (!event.defaultPrevented) this.emit('quit');
  }
}

export interface MockElectron {
  app: MockApp;
  BrowserWindow: typeof MockBrowserWindow;
  ipcMain: MockIpcMain;
  shell: { opened: string[]; openExternal(url: string): Promise<void> };
  clipboard: { written: string[]; writeText(text: string): Promise<void> };
  dialog: {
    errors: [string, string][];
    showErrorBox(title: string, content: string): void;
    /** Each open dialog: the window it was modal to and its options. */
    opened: [unknown, OpenDialogOptions][];
    /** What the next open dialogs give, in turn: a path, or null for a cancel. */
    answers: (string | null)[];
    showOpenDialog(window: unknown, options: OpenDialogOptions): Promise<OpenDialogReturnValue>;
  };
  Menu: {
    application: unknown;
    buildFromTemplate(template: unknown): unknown;
    setApplicationMenu(menu: unknown): void;
  };
  /** The same object, typed as the Electron API the app takes. */
  api: ElectronMain;
}

export function createMockElectron(userData: string, options: { gotLock?: boolean } = {}): MockElectron {
  MockBrowserWindow.instances.length = 0;
  const mock = {
    app: new MockApp(userData, options.gotLock),
    BrowserWindow: MockBrowserWindow,
    ipcMain: new MockIpcMain(),
    shell: {
      opened: [] as string[],
      openExternal(url: string) {
        this.opened.push(url);
        return Promise.resolve();
      },
    },
    clipboard: {
      written: [] as string[],
      writeText(text: string) {
        this.written.push(text);
        return Promise.resolve();
      },
    },
    Menu: {
      application: undefined as unknown,
      buildFromTemplate: (template: unknown) => ({ template }),
      setApplicationMenu(menu: unknown) {
        this.application = menu;
      },
    },
    dialog: {
      errors: [] as [string, string][],
      showErrorBox(title: string, content: string) {
        this.errors.push([title, content]);
      },
      opened: [] as [unknown, OpenDialogOptions][],
      answers: [] as (string | null)[],
      showOpenDialog(window: unknown, options: OpenDialogOptions): Promise<OpenDialogReturnValue> {
        this.opened.push([window, options]);
        const path = this.answers.shift() ?? null;
        return Promise.resolve(
          path === null ? { canceled: true, filePaths: [] } : { canceled: false, filePaths: [path] },
        );
      },
    },
  };
  // The mock implements only what the app calls; the cast is what makes it a mock.
  return { ...mock, api: mock as unknown as ElectronMain };
}
