/**
 * `npm run dist` / `dist:dir` / `dist:test`: packages the built app with electron-builder for this
 * OS, from a local Electron distribution (node_modules/electron/dist, fetched by Electron's own
 * installer when missing, or ELECTRON_OVERRIDE_DIST_PATH), so electron-builder never downloads
 * Electron itself. Failures are one line, not a stack of download errors.
 */
import { build, type Configuration } from 'electron-builder';
import { load } from 'js-yaml';
import { readFileSync } from 'node:fs';
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
        electronDist: electron.distDir,
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

void main(process.argv.slice(2));
