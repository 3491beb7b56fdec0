/**
 * A copy of this project as a fresh clone would have it before Electron's binary is fetched:
 * package.json, the builder config and the built dist/, every dependency linked from this
 * project's node_modules except `electron`, which is copied without its binary. Tools run from
 * the copy fetch Electron into the copy, never into this project. Removed after the test.
 */
import { cpSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { TestContext } from 'node:test';
import { tempFolder } from './temp-folder';

const PROJECT_ROOT = join(__dirname, '..', '..', '..');

export function copyProjectWithoutElectronBinary(t: TestContext): string {
  const root = tempFolder(t, 'project');
  for (const file of ['package.json', 'electron-builder.yml']) cpSync(join(PROJECT_ROOT, file), join(root, file));
  cpSync(join(PROJECT_ROOT, 'dist'), join(root, 'dist'), { recursive: true });
  const modules = join(PROJECT_ROOT, 'node_modules');
  mkdirSync(join(root, 'node_modules'));
  for (const entry of readdirSync(modules)) {
    if (entry === 'electron') continue;
    symlinkSync(join(modules, entry), join(root, 'node_modules', entry), 'junction');
  }
  const electron = join(modules, 'electron');
  cpSync(electron, join(root, 'node_modules', 'electron'), {
    recursive: true,
    // The binary and the installer's marker of it stay behind.
    filter: (source) => !/^(dist|path\.txt)(\/|\\|$)/.test(relative(electron, source).split(sep).join('/')),
  });
  return root;
}
