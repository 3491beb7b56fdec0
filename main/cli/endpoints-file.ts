/**
 * `--endpoints FILE`: scripted endpoints from a file, read at start and again whenever it changes
 * (within a second), for the headless station.
 */
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { DefinitionsError, loadDefinitions, type LoadedDefinitions } from '../station/endpoints/definitions';

/** Edits come as bursts of events (write, rename, chmod): read once they settle. */
const SETTLE_MS = 100;

/** Reads and loads `file`; throws a DefinitionsError that names the file. */
export function readDefinitionsFile(file: string): LoadedDefinitions {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new DefinitionsError(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return loadFileText(file, text);
}

/** Loads `text`, read from `file`; a DefinitionsError names the file. */
function loadFileText(file: string, text: string): LoadedDefinitions {
  try {
    return loadDefinitions(text);
  } catch (error) {
    if (error instanceof DefinitionsError)
      throw new DefinitionsError(`${file}: ${error.message}`, error.location, error.problem);
    throw error;
  }
}

/**
 * Calls `apply` with the file's definitions each time it changes and loads, `refuse` with the
 * message each time it changes and does not (the same failure is said once). Watches the folder,
 * not the file, since editors often save by replacing it. Returns what stops watching.
 */
export function watchDefinitionsFile(
  file: string,
  apply: (loaded: LoadedDefinitions) => void,
  refuse: (message: string) => void,
): () => void {
  const path = resolve(file);
  let lastText = safeRead(path);
  let lastError = '';
  let timer: NodeJS.Timeout | undefined;
  const reload = () => {
    timer = undefined;
    const text = safeRead(path);
    if (text === lastText) return;
    lastText = text;
    try {
      apply(text === null ? readDefinitionsFile(file) : loadFileText(file, text));
      lastError = '';
    } catch (error) {
      if (!(error instanceof DefinitionsError)) throw error;
      if (error.message !== lastError) refuse(error.message);
      lastError = error.message;
    }
  };
  const watcher: FSWatcher = watch(dirname(path), (_event, name) => {
    if (name !== null && name !== basename(path)) return;
    clearTimeout(timer);
    timer = setTimeout(reload, SETTLE_MS);
  });
  watcher.on('error', (error) => refuse(`${file}: no longer watched (${error.message})`));
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}

function safeRead(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
