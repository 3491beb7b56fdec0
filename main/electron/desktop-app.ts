/**
 * The desktop app's lifecycle: one instance, settings loaded, the station started in-process, a
 * window pointed at that station (or at the bundled page saying why it is not running), status
 * pushed to the window, settings applied by restarting the station, scripted endpoints applied
 * and saved, and 1001 to every peer before the process ends.
 */
import type { BrowserWindow, OpenDialogOptions } from 'electron';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TlsFileKind } from '../../common/station-status';
import { IpcChannel } from '../../common/ipc';
import { APP_NAME } from '../app-info';
import { certificateVerdict } from '../desktop/certificate-trust';
import { loadStoredEndpoints, saveEndpoints } from '../desktop/endpoints-store';
import { loadSettings, saveSettings } from '../desktop/settings';
import { StationHost } from '../desktop/station-host';
import { CA_FOLDER_NAME } from '../station/tls/ca-folder';
import type { ElectronMain } from './electron-api';
import { registerIpcHandlers } from './ipc';
import { applicationMenuTemplate } from './menu';
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
/** The longest a quit waits for the station to close its peers. */
const QUIT_STOP_LIMIT_MS = 3000;

export function runDesktopApp(electron: ElectronMain, options: DesktopAppOptions): void {
  const { app } = electron;
  if (options.userDataPath !== undefined) {
    // app.setPath throws for a folder that does not exist (app.md).
    mkdirSync(options.userDataPath, { recursive: true });
    app.setPath('userData', options.userDataPath);
  }
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }

  let host: StationHost | undefined;
  let window: BrowserWindow | undefined;
  /** Set once startup has opened the first window; 'activate' before then must not open another. */
  let ready = false;
  let stopping: Promise<void> | undefined;
  let stopped = false;
  let stopStatus: (() => void) | undefined;
  let reloadTimer: NodeJS.Timeout | undefined;
  /** The station's page while it runs, else the bundled copy that says why it does not. */
  const currentPage = () => host?.pageUrl() ?? options.bundledPageUrl;
  const ownPages = () => [currentPage(), options.bundledPageUrl];
  // loadURL's own rejection (ERR_ABORTED when a reload overtakes a load) has a no-op handler
  // attached by Electron (web-contents.md, loadURL); a failed load is handled by did-fail-load.
  const showStation = () => void window?.loadURL(currentPage());

  const openWindow = (): void => {
    const opened = createMainWindow(electron, {
      preloadPath: options.preloadPath,
      ownPages,
      title: APP_NAME,
      verifyCertificate: (request) => certificateVerdict(request, host?.servedCertificateFingerprint() ?? null),
    });
    opened.on('closed', () => {
      if (window === opened) window = undefined;
    });
    // The station unreachable after all (security software, a station that died): show the
    // bundled page, which says so, rather than a blank window. -3 is ERR_ABORTED: superseded.
    opened.webContents.on('did-fail-load', (_event, code, _description, url, isMainFrame) => {
      if (isMainFrame && code !== -3 && url !== options.bundledPageUrl) void opened.loadURL(options.bundledPageUrl);
    });
    window = opened;
    showStation();
  };

  app.on('second-instance', () => {
    if (!window) {
      if (ready) openWindow();
      return;
    }
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  app.on('window-all-closed', () => {
    // macOS apps stay in the dock with the station running; elsewhere closing the window quits.
    if (options.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (ready && !window) openWindow();
  });
  app.on('before-quit', (event) => {
    if (stopped || !host) return;
    // Hold the quit until every peer has been sent 1001 (going away) and the station is closed;
    // a quit asked again meanwhile waits for the same stop (app.md: before-quit is emitted again).
    event.preventDefault();
    const running = host;
    stopping ??= (async () => {
      stopStatus?.();
      clearTimeout(reloadTimer);
      const limit = new Promise<void>((resolve) => setTimeout(resolve, QUIT_STOP_LIMIT_MS));
      await Promise.race([running.stop(), limit]).catch((error: unknown) => {
        console.error(`WS Station could not stop its station cleanly: ${String(error)}`);
      });
      stopped = true;
      app.quit();
    })();
  });

  void app
    .whenReady()
    .then(async () => {
      const userData = app.getPath('userData');
      const { settings, problem } = loadSettings(userData);
      const stored = loadStoredEndpoints(userData);
      const notice = [problem, stored.problem].filter(Boolean).join(' ') || null;
      const started = new StationHost(settings, options.appVersion, {
        notice,
        endpoints: stored.endpoints,
        caFolder: join(userData, CA_FOLDER_NAME),
      });
      host = started;
      await started.start();
      // A quit that came during startup stopped nothing: stop what has just started, open nothing.
      if (stopping) {
        await started.stop();
        return;
      }
      registerIpcHandlers(
        electron.ipcMain,
        { contents: () => window?.webContents, ownPages },
        {
          getConfig: () => started.config(),
          getSettings: () => started.currentSettings,
          saveSettings: async (input) => {
            const before = currentPage();
            const result = await started.apply(input);
            if (result.ok) saveSettings(userData, result.settings);
            // Also when refused: falling back to the old settings may have moved the station
            // (a new free port for port 0) or stopped it, and the window must follow.
            if ((result.ok && result.restarted) || currentPage() !== before) {
              clearTimeout(reloadTimer);
              reloadTimer = setTimeout(showStation, RELOAD_AFTER_SAVE_MS);
            }
            return result;
          },
          chooseTlsFile: async (kind, title) => {
            const options = tlsFileDialog(kind, title);
            // Modal to the window when there is one (dialog.md: the window argument).
            const chosen = window
              ? await electron.dialog.showOpenDialog(window, options)
              : await electron.dialog.showOpenDialog(options);
            const path = chosen.canceled ? undefined : chosen.filePaths[0];
            if (path === undefined) return null;
            started.allowChosenFile(kind, path);
            return path;
          },
          copyText: async (text) => {
            await electron.clipboard.writeText(text);
            return null;
          },
          peerTraffic: (peerId) => started.peerTraffic(peerId),
          peerDetail: (peerId) => started.peerDetail(peerId),
          refusals: (afterSeq) => started.refusals(afterSeq),
          sendToPeers: (request) => started.sendToPeers(request),
          closePeer: (request) => started.closePeer(request),
          getEndpoints: () => started.endpointTexts(),
          checkEndpoints: (texts) => started.checkEndpoints(texts),
          applyEndpoints: (texts) => {
            const result = started.applyEndpoints(texts);
            if (result.ok) saveEndpoints(userData, started.endpointTexts());
            return result;
          },
          tryEndpoint: (request) => started.tryEndpoint(request),
        },
      );
      stopStatus = started.watchStatus((status) => {
        const contents = window && !window.isDestroyed() ? window.webContents : undefined;
        if (contents && !contents.isDestroyed()) contents.send(IpcChannel.status, status);
      });
      app.setAboutPanelOptions({ applicationName: APP_NAME, applicationVersion: options.appVersion });
      electron.Menu.setApplicationMenu(
        electron.Menu.buildFromTemplate(
          applicationMenuTemplate({ platform: options.platform, packaged: app.isPackaged }),
        ),
      );
      ready = true;
      if (!window) openWindow();
    })
    .catch((error: unknown) => {
      // Without this the process would live on with no window, holding the single-instance lock.
      const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
      electron.dialog.showErrorBox(`${APP_NAME} could not start`, detail);
      app.exit(1);
    });
}

/** The open dialog for a PEM certificate or key (dialog.md, showOpenDialog): one existing file. */
function tlsFileDialog(kind: TlsFileKind, title: string): OpenDialogOptions {
  return {
    title,
    // macOS shows the message, not the title (dialog.md).
    message: title,
    properties: ['openFile', 'showHiddenFiles'],
    filters: [
      kind === 'certificate'
        ? { name: 'PEM certificate', extensions: ['pem', 'crt', 'cer'] }
        : { name: 'PEM private key', extensions: ['pem', 'key'] },
      { name: 'All files', extensions: ['*'] },
    ],
  };
}
