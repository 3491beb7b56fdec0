/**
 * Where Electron's binary is, without the `electron` package's own lookup, which tries to download
 * it when missing (and these machines cannot reach its download host).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The executable, and the distribution folder it is in (what electron-builder calls electronDist). */
export type ElectronBinary = { path: string; distDir: string } | { missing: string };

const EXECUTABLE: Partial<Record<NodeJS.Platform, string>> = {
  darwin: 'Electron.app/Contents/MacOS/Electron',
  win32: 'electron.exe',
};

/** ELECTRON_OVERRIDE_DIST_PATH (a local Electron distribution) first, then node_modules/electron. */
export function findElectronBinary(projectRoot: string): ElectronBinary {
  const executable = EXECUTABLE[process.platform] ?? 'electron';
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override !== undefined && override !== '') {
    const path = join(override, executable);
    return existsSync(path)
      ? { path, distDir: override }
      : { missing: `ELECTRON_OVERRIDE_DIST_PATH has no ${executable}` };
  }
  const electronPackage = dirname(require.resolve('electron/package.json', { paths: [projectRoot] }));
  const pathFile = join(electronPackage, 'path.txt');
  const path = existsSync(pathFile) ? join(electronPackage, 'dist', readFileSync(pathFile, 'utf8')) : undefined;
  if (path === undefined || !existsSync(path)) {
    return {
      missing:
        "Electron's binary is not installed (npm did not download it; set ELECTRON_OVERRIDE_DIST_PATH to a local Electron distribution)",
    };
  }
  return { path, distDir: join(electronPackage, 'dist') };
}
