/**
 * `npm run dist` / `dist:dir` / `dist:test`: packages the built app with electron-builder for this
 * OS, from a local Electron distribution (node_modules/electron/dist, fetched by Electron's own
 * installer when missing, or ELECTRON_OVERRIDE_DIST_PATH), so electron-builder never downloads
 * Electron itself. Failures are one line, not a stack of download errors.
 */
import { build, type AfterPackContext, type Configuration } from 'electron-builder';
import { load } from 'js-yaml';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { electronVersion, ensureElectronBinary } from './electron-binary';
import { makeIcons } from './make-icons';

const projectRoot = join(__dirname, '..', '..');

function fail(message: string): never {
  console.error(`ws-station dist: ${message}`);
  process.exit(1);
}

async function main(args: string[]): Promise<void> {
  const unpacked = args.includes('--dir');
  const testBuild = args.includes('--test-build');
  const electron = ensureElectronBinary(projectRoot, (line) => console.log(line));
  if ('missing' in electron) {
    fail(`packaging needs Electron's binary: ${electron.missing}.`);
  }
  const config = load(readFileSync(join(projectRoot, 'electron-builder.yml'), 'utf8')) as Configuration;
  makeIcons(projectRoot);
  try {
    await build({
      projectDir: projectRoot,
      dir: unpacked,
      publish: 'never',
      config: {
        ...config,
        electronDist: localElectronFor(electron.distDir),
        afterPack: removeElectronDefaultApp,
        electronVersion: electronVersion(projectRoot),
        // The test build keeps one fuse open for Playwright (see electron-builder.yml).
        electronFuses: { ...config.electronFuses, enableNodeCliInspectArguments: testBuild },
        directories: { ...config.directories, output: testBuild ? 'release/test-build' : 'release' },
      },
    });
  } catch (error) {
    const firstLine = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    fail(`electron-builder failed: ${firstLine}`);
  }
}

/**
 * The local binary is for this machine's architecture only; for another (the Intel dmg built on
 * Apple Silicon, say) the hook answers null, and electron-builder fetches that Electron through
 * @electron/get, Electron's own downloader, with the same mirror and cache settings. (Its unpack
 * step takes null as "download"; the published type of the hook says string.)
 */
function localElectronFor(distDir: string): Configuration['electronDist'] {
  const hook = (options: { arch: string }) => (options.arch === process.arch ? distDir : null);
  return hook as unknown as Configuration['electronDist'];
}

/**
 * Electron's own distribution carries default_app.asar, the demo app it runs without one; a copied
 * local distribution keeps it (electron-builder removes it only from one it downloaded itself).
 */
function removeElectronDefaultApp(context: AfterPackContext): Promise<void> {
  const found = readdirSync(context.appOutDir, { recursive: true, encoding: 'utf8' }).filter((path) =>
    path.endsWith('default_app.asar'),
  );
  for (const path of found) rmSync(join(context.appOutDir, path), { force: true });
  return Promise.resolve();
}

void main(process.argv.slice(2));
