/**
 * `npm start`: launches the desktop app on the freshly built dist/, fetching Electron's binary
 * with Electron's own installer the first time. Where Electron cannot start, says why in one
 * line and names the headless station instead.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureElectronBinary } from './electron-binary';

const projectRoot = join(__dirname, '..', '..');
const HEADLESS = 'Run the station without its window instead: npm run serve';

/** What Chromium prints when Linux forbids the user-namespace sandbox (Ubuntu 23.10 and later). */
const SUID_SANDBOX_ABORT = 'The SUID sandbox helper binary was found, but is not configured correctly';

function fail(reason: string): never {
  console.error(`WS Station cannot open its window: ${reason}. ${HEADLESS}`);
  process.exit(1);
}

const binary = ensureElectronBinary(projectRoot, (line) => console.log(line));
if ('missing' in binary) fail(binary.missing);
if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
  fail('there is no display (DISPLAY is not set; under a headless Linux, xvfb-run provides one)');
}

// ELECTRON_RUN_AS_NODE, left in the environment by another Electron tool, would start Node instead.
const app = spawn(binary.path, [projectRoot], {
  stdio: ['inherit', 'inherit', 'pipe'],
  env: { ...process.env, ELECTRON_RUN_AS_NODE: undefined },
});
let sandboxAbort = false;
app.stderr.on('data', (chunk: Buffer) => {
  process.stderr.write(chunk);
  if (chunk.toString().includes(SUID_SANDBOX_ABORT)) sandboxAbort = true;
});
app.on('error', (error) => fail(error.message));
app.on('exit', (code, signal) => {
  if (sandboxAbort) {
    const sandbox = join(binary.distDir, 'chrome-sandbox');
    fail(
      `this Linux does not let Electron start its sandbox (unprivileged user namespaces are restricted); ` +
        `allow it with: sudo chown root:root "${sandbox}" && sudo chmod 4755 "${sandbox}"`,
    );
  }
  process.exit(code ?? (signal ? 1 : 0));
});
// Ctrl+C in the terminal reaches Electron itself (same process group); a second SIGINT from here
// would kill it before its peers got 1001. Only SIGTERM, which is sent to this process alone, is passed on.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => app.kill('SIGTERM'));
