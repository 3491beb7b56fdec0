/**
 * The desktop app's scripted endpoints: endpoints.json in the user-data folder, beside the
 * settings, in the format `--endpoints FILE` reads (docs/ENDPOINTS.md), so one file serves both.
 * A file that does not load is set aside and reported, as the settings file is.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { joinEndpointTexts, splitEndpointTexts } from '../../common/endpoints-text';
import { DefinitionsError, loadDefinitions, type LoadedDefinitions } from '../station/endpoints/definitions';
import { setAside, writeAtomically } from './user-data-file';

export const ENDPOINTS_FILE = 'endpoints.json';

export interface StoredEndpoints {
  /** One text per endpoint, as the window edits them. */
  texts: string[];
  loaded: LoadedDefinitions;
}

export const NO_ENDPOINTS: StoredEndpoints = Object.freeze({
  texts: [],
  loaded: { definitions: { endpoints: [] }, endpoints: [] },
});

export function loadStoredEndpoints(
  directory: string,
  now = new Date(),
): { endpoints: StoredEndpoints; problem: string | null } {
  const file = join(directory, ENDPOINTS_FILE);
  if (!existsSync(file)) return { endpoints: NO_ENDPOINTS, problem: null };
  const text = readFileSync(file, 'utf8');
  try {
    // Loaded as the file it is, so that a problem is said with the file's own line and column.
    const loaded = loadDefinitions(text);
    return { endpoints: { texts: splitEndpointTexts(text) ?? [], loaded }, problem: null };
  } catch (error) {
    if (!(error instanceof DefinitionsError)) throw error;
    const keptAs = setAside(directory, ENDPOINTS_FILE, now);
    return {
      endpoints: NO_ENDPOINTS,
      problem: `The endpoints file could not be used: ${error.message}. It was kept as ${keptAs}; no endpoints are served.`,
    };
  }
}

export function saveEndpoints(directory: string, texts: readonly string[]): void {
  writeAtomically(directory, ENDPOINTS_FILE, joinEndpointTexts(texts));
}
