/**
 * The main window, set up per Electron's security checklist: isolated, sandboxed, no Node, no
 * navigation away from the app's own page, no new windows (http(s) links go to the system
 * browser), every permission request denied.
 */
import type {
  BrowserWindow as BrowserWindowType,
  BrowserWindowConstructorOptions,
  Request as CertificateVerifyRequest,
  WebPreferences,
} from 'electron';
import type { ElectronMain } from './electron-api';
import { externalLink, isOwnPage } from './navigation';

export const WINDOW_WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
  webviewTag: false,
  navigateOnDragDrop: false,
  spellcheck: false,
} as const satisfies WebPreferences;

export interface MainWindowOptions {
  preloadPath: string;
  /** The pages the window may show, read at each navigation (the station's port can change). */
  ownPages: () => readonly string[];
  title: string;
  /** The verdict on a server certificate (desktop/certificate-trust.ts): its own station's only. */
  verifyCertificate: (request: CertificateVerifyRequest) => number;
}

export function createMainWindow(electron: ElectronMain, options: MainWindowOptions): BrowserWindowType {
  const windowOptions: BrowserWindowConstructorOptions = {
    width: 1280,
    height: 860,
    minWidth: 720,
    minHeight: 560,
    title: options.title,
    show: false,
    webPreferences: { ...WINDOW_WEB_PREFERENCES, preload: options.preloadPath },
  };
  const window = new electron.BrowserWindow(windowOptions);
  const contents = window.webContents;

  // event.url, not the positional url, which Electron 45 deprecates (web-contents.md).
  contents.on('will-navigate', (event) => {
    if (!isOwnPage(event.url, options.ownPages())) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!isOwnPage(event.url, options.ownPages())) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    const link = externalLink(url);
    // openExternal rejects where no browser is set up; that must not end the main process.
    if (link !== null) {
      electron.shell.openExternal(link).catch((error: unknown) => {
        console.warn(`WS Station could not open ${link} in the browser: ${String(error)}`);
      });
    }
    return { action: 'deny' };
  });
  // Denying every check also leaves navigator.clipboard and fullscreen unavailable, on purpose:
  // the page copies through the bridge, which writes the clipboard in this process.
  contents.session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  contents.session.setPermissionCheckHandler(() => false);
  // The station's own certificate is accepted for its page and wss://; anything else is Chromium's call.
  contents.session.setCertificateVerifyProc((request, callback) => callback(options.verifyCertificate(request)));
  window.once('ready-to-show', () => window.show());
  return window;
}
