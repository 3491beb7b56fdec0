/**
 * The local CA kept in a folder (--tls-dir; the app's user data in the desktop app): made on first
 * use, read at every start after. The intermediate's key is readable by the owner only; the
 * root's key does not exist to be kept.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
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

/** The CA in `folder`, made there when the folder has none; checked whole either way. */
export async function ensureLocalCa(folder: string, name: string): Promise<LocalCa> {
  const kept = readCaFolder(folder);
  if (kept !== null) return kept;
  // Made aside and moved in by one rename, so a station starting at the same moment (the window
  // and the CLI on first use) either finds the whole CA or makes its own aside; the one that
  // moves in second reads the first one's instead of replacing it.
  const parent = dirname(folder);
  mkdirSync(parent, { recursive: true });
  const aside = mkdtempSync(join(parent, `.${basename(folder)}-new-`));
  try {
    const ca = await createLocalCa(name);
    writeFileSync(join(aside, CA_FILES.intermediateKey), ca.intermediateKeyPem, { mode: 0o600 });
    writeFileSync(join(aside, CA_FILES.intermediate), ca.intermediatePem);
    writeFileSync(join(aside, CA_FILES.root), ca.rootPem);
    // An empty folder (made by hand, or by a station that lost the race) may be replaced.
    if (existsSync(folder) && readdirSync(folder).length === 0) rmdirSync(folder);
    try {
      renameSync(aside, folder);
      return ca;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EPERM') throw error;
    }
    const theirs = readCaFolder(folder);
    if (theirs === null) throw new CaFolderError(`${folder} could not be made into a CA folder`);
    return theirs;
  } finally {
    rmSync(aside, { recursive: true, force: true });
  }
}

/**
 * The CA kept in `folder`, or null when the folder has none of it. Half a CA is never completed:
 * a new root would leave devices trusting the old one for nothing. The three files must fit
 * together: the key is the intermediate's, and the root signed the intermediate.
 */
function readCaFolder(folder: string): LocalCa | null {
  const paths = Object.values(CA_FILES).map((file) => join(folder, file));
  const present = paths.filter((path) => existsSync(path));
  if (present.length === 0) return null;
  if (present.length < paths.length) {
    throw new CaFolderError(
      `${folder} has ${present.map((path) => basename(path)).join(', ')} but not all of ${Object.values(CA_FILES).join(', ')}: move the folder aside to make a new CA`,
    );
  }
  const ca = {
    rootPem: readFileSync(join(folder, CA_FILES.root), 'utf8'),
    intermediatePem: readFileSync(join(folder, CA_FILES.intermediate), 'utf8'),
    intermediateKeyPem: readFileSync(join(folder, CA_FILES.intermediateKey), 'utf8'),
  };
  const unusable = (why: string) =>
    new CaFolderError(`${folder} does not hold a usable CA (${why}): move the folder aside to make a new CA`);
  let root: X509Certificate;
  let intermediate: X509Certificate;
  try {
    root = new X509Certificate(ca.rootPem);
    intermediate = new X509Certificate(ca.intermediatePem);
  } catch {
    throw unusable(`${CA_FILES.root} or ${CA_FILES.intermediate} is not a PEM certificate`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(ca.intermediateKeyPem);
  } catch {
    throw unusable(`${CA_FILES.intermediateKey} is not a PEM private key`);
  }
  if (!intermediate.checkPrivateKey(key)) throw unusable(`${CA_FILES.intermediateKey} is not the intermediate's key`);
  if (!intermediate.verify(root.publicKey)) throw unusable(`${CA_FILES.root} did not sign ${CA_FILES.intermediate}`);
  return ca;
}
