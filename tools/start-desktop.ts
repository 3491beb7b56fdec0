/**
 * `npm start`: launches the desktop app on the freshly built dist/. Where Electron cannot start,
 * says why in one line and names the headless station instead.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { findElectronBinary } from './electron-binary';

const projectRoot = join(__dirname, '..', '..');
const HEADLESS = 'Run the station without its window instead: npm run serve';

function fail(reason: string): never {
  console.error(`WS Station cannot open its window: ${reason}. ${HEADLESS}`);
  process.exit(1);
}

const binary = findElectronBinary(projectRoot);
if ('missing' in binary) fail(binary.missing);
if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
  fail('there is no display (DISPLAY is not set; under a headless Linux, xvfb-run provides one)');
}

const app = spawn(binary.path, [projectRoot], { stdio: 'inherit' });
app.on('error', (error) => fail(error.message));
app.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.kill(signal));
