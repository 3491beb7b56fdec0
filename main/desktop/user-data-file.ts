/** Files in the app's user-data folder: written atomically, and set aside (never deleted) when they cannot be used. */
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Writes beside the file, then renames over it, so a crash never leaves half a file. */
export function writeAtomically(directory: string, name: string, text: string): void {
  const file = join(directory, name);
  const partial = `${file}.partial`;
  writeFileSync(partial, text);
  renameSync(partial, file);
}

/** Renames `name` to `name.corrupt-<time>` and returns that new name, for the person to find it. */
export function setAside(directory: string, name: string, now: Date): string {
  const keptAs = `${name}.corrupt-${now.toISOString().replace(/[:.]/g, '-')}`;
  renameSync(join(directory, name), join(directory, keptAs));
  return keptAs;
}
