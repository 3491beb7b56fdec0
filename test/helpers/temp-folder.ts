/** A fresh folder in the temp directory for one test, removed with everything in it afterwards. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempFolder(t: { after: (fn: () => void) => void }, prefix: string): string {
  const folder = mkdtempSync(join(tmpdir(), `ws-station-${prefix}-`));
  t.after(() => rmSync(folder, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }));
  return folder;
}
