/**
 * The part of Electron's main-process API the app uses. The wiring takes it as a parameter, so
 * unit tests hand it a mock (test/helpers/mock-electron.ts) and only main.ts imports 'electron'.
 */
import type * as Electron from 'electron';

export type ElectronMain = Pick<
  typeof Electron,
  'app' | 'BrowserWindow' | 'ipcMain' | 'clipboard' | 'shell' | 'dialog' | 'Menu'
>;
