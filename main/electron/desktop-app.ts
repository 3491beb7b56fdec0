/**
 * The desktop app's lifecycle: one instance, settings loaded, the station started in-process, a
 * window pointed at that station (or at the bundled page saying why it is not running), status
 * pushed to the window, settings applied by restarting the station, and 1001 to every peer
 * before the process ends.
 */
import type { BrowserWindow } from 'electron';
import { IpcChannel } from '../../common/ipc';
import { APP_NAME } from '../app-info';
import { loadSettings, saveSettings } from '../desktop/settings';
import { StationHost } from '../desktop/station-host';
import type { ElectronMain } from './electron-api';
import { registerIpcHandlers } from './ipc';
import { createMainWindow } from './window';

export interface DesktopAppOptions {
  appVersion: string;
  /** The bundled preload script (dist/preload/preload.js). */
  preloadPath: string;
  /** file:// URL of the bundled page, shown when the station is not running. */
  bundledPageUrl: string;
  /** Another user-data folder (tests use a fresh one per run). */
  userDataPath?: string;
  platform: NodeJS.Platform;
}

/** How long the page shows the result of a settings change before it reloads on the new station. */
const RELOAD_AFTER_SAVE_MS = 600;

export function runDesktopApp(electron: ElectronMain, options: DesktopAppOptions): void {
  const { app } = electron;
  if (options.userDataPath !== undefined) app.setPath('userData', options.userDataPath);
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }

  let host: StationHost | undefined;
  let window: BrowserWindow | undefined;
  let stoppedForQuit = false;
  let stopStatus: (() => void) | undefined;
  /** The station's page while it runs, else the bundled copy that says why it does not. */
  const currentPage = () => host?.pageUrl() ?? options.bundledPageUrl;
  const ownPages = () => [currentPage(), options.bundledPageUrl];
  const showStation = () => void window?.loadURL(currentPage());

  const openWindow = (): void => {
    const opened = createMainWindow(electron, { preloadPath: options.preloadPath, ownPages, title: APP_NAME });
    opened.on('closed', () => (window = undefined));
    window = opened;
    showStation();
  };

  app.on('second-instance', () => {
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  app.on('window-all-closed', () => {
    // macOS apps stay in the dock with the station running; elsewhere closing the window quits.
    if (options.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (!window && host) openWindow();
  });
  app.on('before-quit', (event) => {
    if (stoppedForQuit || !host) return;
    // Hold the quit until every peer has been sent 1001 (going away) and the station is closed.
    event.preventDefault();
    stoppedForQuit = true;
    stopStatus?.();
    void host.stop().finally(() => app.quit());
  });

  void app.whenReady().then(async () => {
    const userData = app.getPath('userData');
    const { settings, problem } = loadSettings(userData);
    const started = new StationHost(settings, options.appVersion, problem);
    host = started;
    await started.start();
    registerIpcHandlers(
      electron.ipcMain,
      { contents: () => window?.webContents, ownPages },
      {
        getConfig: () => started.config(),
        getSettings: () => started.currentSettings,
        saveSettings: async (input) => {
          const result = await started.apply(input);
          if (result.ok) {
            saveSettings(userData, result.settings);
            setTimeout(showStation, RELOAD_AFTER_SAVE_MS);
          }
          return result;
        },
        copyText: async (text) => {
          await electron.clipboard.writeText(text);
          return null;
        },
      },
    );
    stopStatus = started.watchStatus((status) => window?.webContents.send(IpcChannel.status, status));
    openWindow();
  });
}
