// Bundles the client page (renderer/) into dist/renderer/: one script, one stylesheet, the HTML
// and the icon. esbuild: one small, fast, maintained tool for TypeScript and CSS bundling.
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'renderer');

await mkdir(outdir, { recursive: true });
await build({
  entryPoints: { app: join(root, 'renderer', 'main.ts') },
  outdir,
  bundle: true,
  format: 'iife',
  target: ['chrome120', 'firefox121', 'safari17'],
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
});
for (const file of ['index.html', 'icon.svg']) await copyFile(join(root, 'renderer', file), join(outdir, file));
