/** Electron's entry point (package.json "main"): the only module that imports 'electron'. */
import * as electron from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { APP_VERSION } from '../app-info';
import { runDesktopApp } from './desktop-app';
import { DIST_PATHS } from './paths';

// dist/main/electron → dist/
const dist = join(__dirname, '..', '..');

runDesktopApp(electron, {
  appVersion: APP_VERSION,
  preloadPath: join(dist, DIST_PATHS.preload),
  bundledPageUrl: pathToFileURL(join(dist, DIST_PATHS.page)).href,
  userDataPath: process.env.WS_STATION_USER_DATA,
  platform: process.platform,
});
