/**
 * The local CA kept in a folder (--tls-dir; the app's user data in the desktop app): made on first
 * use, read at every start after. The intermediate's key is readable by the owner only; the
 * root's key does not exist to be kept.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { createLocalCa, type LocalCa } from './local-ca';

export const CA_FILES = {
  root: 'ca.crt',
  intermediate: 'intermediate.crt',
  intermediateKey: 'intermediate.key',
} as const;

/** The CA's folder inside the app's user-data folder. */
export const CA_FOLDER_NAME = 'tls';

/**
 * The CLI's default CA folder: the one the desktop app uses (Electron's app.getPath('userData'),
 * docs/api/app.md: appData, then the product name), so a device that trusts one trusts both.
 */
export function defaultCaFolder(
  productName: string,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  const appData =
    platform === 'win32'
      ? (env.APPDATA ?? join(home, 'AppData', 'Roaming'))
      : platform === 'darwin'
        ? join(home, 'Library', 'Application Support')
        : env.XDG_CONFIG_HOME || join(home, '.config');
  return join(appData, productName, CA_FOLDER_NAME);
}

export class CaFolderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CaFolderError';
  }
}

/** The CA in `folder`, made there when the folder has none. */
export async function ensureLocalCa(folder: string, name: string): Promise<LocalCa> {
  const paths = {
    root: join(folder, CA_FILES.root),
    intermediate: join(folder, CA_FILES.intermediate),
    intermediateKey: join(folder, CA_FILES.intermediateKey),
  };
  const present = Object.values(paths).filter((path) => existsSync(path));
  if (present.length === 3) {
    return {
      rootPem: readFileSync(paths.root, 'utf8'),
      intermediatePem: readFileSync(paths.intermediate, 'utf8'),
      intermediateKeyPem: readFileSync(paths.intermediateKey, 'utf8'),
    };
  }
  // Half a CA is never completed: a new root would leave devices trusting the old one for nothing.
  if (present.length > 0) {
    throw new CaFolderError(
      `${folder} has ${present.map((path) => basename(path)).join(', ')} but not all of ${Object.values(CA_FILES).join(', ')}: move the folder aside to make a new CA`,
    );
  }
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const ca = await createLocalCa(name);
  writeFileSync(paths.intermediateKey, ca.intermediateKeyPem, { mode: 0o600 });
  // writeFileSync's mode applies only to a file it creates; make sure of it either way.
  chmodSync(paths.intermediateKey, 0o600);
  writeFileSync(paths.intermediate, ca.intermediatePem);
  writeFileSync(paths.root, ca.rootPem);
  return ca;
}
