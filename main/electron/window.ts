/**
 * The main window, set up per Electron's security checklist: isolated, sandboxed, no Node, no
 * navigation away from the app's own page, no new windows (http(s) links go to the system
 * browser), every permission request denied.
 */
import type { BrowserWindow as BrowserWindowType, BrowserWindowConstructorOptions, WebPreferences } from 'electron';
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

  contents.on('will-navigate', (event, url) => {
    if (!isOwnPage(url, options.ownPages())) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isOwnPage(url, options.ownPages())) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    const link = externalLink(url);
    if (link !== null) void electron.shell.openExternal(link);
    return { action: 'deny' };
  });
  contents.session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  contents.session.setPermissionCheckHandler(() => false);
  window.once('ready-to-show', () => window.show());
  return window;
}
