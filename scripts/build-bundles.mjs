// Bundles what runs in the window and in browsers into dist/: the client page (renderer/) with
// its HTML, CSS and icon; the endpoint editor, a script of its own that only the desktop window
// loads; and the desktop window's preload (a sandboxed preload must be one file).
// esbuild: one small, fast, maintained tool for TypeScript and CSS bundling.
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const rendererOut = join(root, 'dist', 'renderer');
const pageBundle = {
  bundle: true,
  format: 'iife',
  target: ['chrome120', 'firefox121', 'safari17'],
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
};

await mkdir(rendererOut, { recursive: true });
await Promise.all([
  build({ ...pageBundle, entryPoints: { app: join(root, 'renderer', 'main.ts') }, outdir: rendererOut }),
  // A plain script (file:// pages cannot load modules) that leaves its exports on one global.
  build({
    ...pageBundle,
    entryPoints: { 'endpoint-editor': join(root, 'renderer', 'host', 'endpoint-editor.ts') },
    outdir: rendererOut,
    globalName: 'wsStationEditor',
  }),
  build({
    entryPoints: [join(root, 'preload', 'preload.ts')],
    outfile: join(root, 'dist', 'preload', 'preload.js'),
    bundle: true,
    // A sandboxed preload's require knows only electron, events, timers and url (Electron's
    // sandbox.md): as a browser bundle, an import of any other Node module fails the build.
    platform: 'browser',
    format: 'cjs',
    target: 'chrome140',
    external: ['electron'],
    sourcemap: true,
    logLevel: 'warning',
  }),
]);
for (const file of ['index.html', 'icon.svg']) await copyFile(join(root, 'renderer', file), join(rendererOut, file));
