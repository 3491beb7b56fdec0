/**
 * Electron's binary, for `npm start`, `npm run dist*` and the Electron test suite. Electron 45's
 * npm package ships no binary: it is fetched on first use by Electron's own installer
 * (`install-electron`, built on @electron/get), which honours ELECTRON_MIRROR, the download
 * cache, proxies and the package's checksums. When the binary is missing we run that installer,
 * never a downloader of our own, and reduce a failure to one line.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The executable, and the distribution folder it is in (what electron-builder calls electronDist). */
export type ElectronBinary = { path: string; distDir: string } | { missing: string };

/** Electron 45's installer (@electron/get 5) declares this Node version. */
const INSTALLER_NODE = [22, 12] as const;

const EXECUTABLE: Partial<Record<NodeJS.Platform, string>> = {
  darwin: 'Electron.app/Contents/MacOS/Electron',
  win32: 'electron.exe',
};

function electronPackageDir(projectRoot: string): string {
  return dirname(require.resolve('electron/package.json', { paths: [projectRoot] }));
}

export function electronVersion(projectRoot: string): string {
  const manifest = JSON.parse(readFileSync(join(electronPackageDir(projectRoot), 'package.json'), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

/** ELECTRON_OVERRIDE_DIST_PATH (a local Electron distribution) first, then node_modules/electron. */
export function findElectronBinary(projectRoot: string): ElectronBinary {
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override !== undefined && override !== '') {
    const executable = EXECUTABLE[process.platform] ?? 'electron';
    const path = join(override, executable);
    return existsSync(path)
      ? { path, distDir: override }
      : { missing: `ELECTRON_OVERRIDE_DIST_PATH has no ${executable}` };
  }
  const packageDir = electronPackageDir(projectRoot);
  // Electron's installer writes path.txt, relative to dist/, once the binary is in place.
  const pathFile = join(packageDir, 'path.txt');
  const path = existsSync(pathFile) ? join(packageDir, 'dist', readFileSync(pathFile, 'utf8')) : undefined;
  if (path === undefined || !existsSync(path)) {
    return { missing: `Electron ${electronVersion(projectRoot)}'s binary is not installed` };
  }
  return { path, distDir: join(packageDir, 'dist') };
}

/**
 * The binary, fetched first by Electron's installer when it is missing. ELECTRON_OVERRIDE_DIST_PATH
 * means "use this distribution", so nothing is fetched then. `log` shows what is happening.
 */
export function ensureElectronBinary(projectRoot: string, log: (line: string) => void): ElectronBinary {
  const found = findElectronBinary(projectRoot);
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if ('path' in found || (override !== undefined && override !== '')) return found;

  const version = electronVersion(projectRoot);
  log(`Fetching Electron ${version} with Electron's installer (install-electron); this takes a minute once…`);
  const startedAt = Date.now();
  const installer = spawnSync(process.execPath, [join(electronPackageDir(projectRoot), 'install.js')], {
    stdio: ['ignore', 'inherit', 'pipe'],
    encoding: 'utf8',
  });
  const fetched = findElectronBinary(projectRoot);
  if (installer.status === 0 && 'path' in fetched) {
    log(`Fetched Electron ${version} in ${Math.round((Date.now() - startedAt) / 1000)} s.`);
    return fetched;
  }
  const cause = installer.error?.message ?? firstErrorLine(installer.stderr) ?? `exit status ${installer.status}`;
  return {
    missing:
      `Electron's installer could not fetch Electron ${version} (${cause})${nodeVersionHint()}; ` +
      'retry with npx install-electron, or set ELECTRON_MIRROR to a mirror you can reach',
  };
}

/** The error the installer printed (it prints a stack), without the stack. */
function firstErrorLine(stderr: string): string | undefined {
  return stderr
    .split('\n')
    .map((line) => line.trim())
    .find((line) => /^[A-Za-z]*Error\b/.test(line));
}

function nodeVersionHint(): string {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  const [needMajor, needMinor] = INSTALLER_NODE;
  const tooOld = major < needMajor || (major === needMajor && minor < needMinor);
  return tooOld ? `; it needs Node ${needMajor}.${needMinor} or newer, this is Node ${process.versions.node}` : '';
}

/**
 * The executable of the packaged test build (`npm run dist:test`) for this OS, in the folder
 * electron-builder writes it to (mac-arm64 and mac-universal on Apple Silicon and universal builds).
 */
export function packagedTestBuild(projectRoot: string): ElectronBinary {
  const output = join(projectRoot, 'release', 'test-build');
  const candidates: Partial<Record<NodeJS.Platform, string[]>> = {
    linux: ['linux-unpacked/ws-station'],
    win32: ['win-unpacked/WS Station.exe'],
    darwin: ['mac-arm64', 'mac', 'mac-universal'].map((dir) => `${dir}/WS Station.app/Contents/MacOS/WS Station`),
  };
  for (const candidate of candidates[process.platform] ?? []) {
    const path = join(output, candidate);
    if (existsSync(path)) return { path, distDir: dirname(path) };
  }
  return { missing: `there is no packaged test build in ${output} (run npm run dist:test first)` };
}
