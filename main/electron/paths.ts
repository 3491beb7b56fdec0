/**
 * Where the built app's parts are, relative to dist/. The window, electron-builder's file list and
 * the package-content test all use these, so a package cannot ship without what the window loads.
 */
export const DIST_PATHS = {
  /** package.json "main". */
  main: 'main/electron/main.js',
  preload: 'preload/preload.js',
  page: 'renderer/index.html',
} as const;
