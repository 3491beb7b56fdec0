/**
 * Getting Electron's binary the way Electron intends, as a fresh clone would: `npm start`,
 * `npm run dist` and the Electron suite run Electron's own installer when the binary is missing.
 * Each test works on a copy of the project without the binary and points ELECTRON_MIRROR at a
 * loopback mirror: one that has nothing (as offline), or one that serves a STAND-IN, which
 * proves the download-then-launch orchestration and is never Electron.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { load } from 'js-yaml';
import { STAND_IN_BANNER, startElectronMirror, type ElectronMirror } from './helpers/electron-mirror';
import { copyProjectWithoutElectronBinary } from './helpers/project-copy';
import { tempFolder } from './helpers/temp-folder';

const PROJECT_ROOT = join(__dirname, '..', '..');
const ELECTRON_VERSION = (
  JSON.parse(readFileSync(join(PROJECT_ROOT, 'node_modules', 'electron', 'package.json'), 'utf8')) as {
    version: string;
  }
).version;
const CAN_STAND_IN = process.platform === 'linux' || process.platform === 'darwin';

/**
 * Runs a built script of the copy with Electron's installer pointed at the mirror. Asynchronous:
 * the mirror answers from this process, which must not be blocked meanwhile.
 */
async function runInCopy(
  t: TestContext,
  root: string,
  mirror: ElectronMirror,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ status: number | null; stdout: string; stderr: string; output: string }> {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: {
      ...withoutInheritedSettings(process.env),
      ELECTRON_MIRROR: mirror.url,
      // The mirror's own SHASUMS256.txt, and a download cache of this test's own.
      electron_use_remote_checksums: '1',
      electron_config_cache: tempFolder(t, 'electron-cache'),
      ...env,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const [status] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  return { status, stdout, stderr, output: stdout + stderr };
}

/**
 * Without the person's own Electron settings, which would point the installer elsewhere, and
 * without this test runner's context, which would stop a child `node --test` from running files.
 */
function withoutInheritedSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(env).filter(
      ([name]) => !/^(ELECTRON_|npm_config_electron_|electron_)/i.test(name) && name !== 'NODE_TEST_CONTEXT',
    ),
  );
}

/** The one line a failed fetch must end in, naming what failed and the ways out. */
const FETCH_FAILED = new RegExp(
  `Electron's installer could not fetch Electron ${ELECTRON_VERSION.replace(/\./g, '\\.')} ` +
    `\\((HTTPError: Response code 404|TypeError: fetch failed)[^\\n]*\\)[^\\n]*; retry with npx install-electron, ` +
    'or set ELECTRON_MIRROR to a mirror you can reach',
);

describe("fetching Electron's binary with Electron's installer", () => {
  it('npm start: when the fetch fails, says so in one line, names npm run serve, exits 1, within seconds', async (t) => {
    const root = copyProjectWithoutElectronBinary(t);
    const mirror = await startElectronMirror(t, ELECTRON_VERSION, 'nothing');
    const startedAt = Date.now();
    const result = await runInCopy(t, root, mirror, ['dist/tools/start-desktop.js']);
    assert.equal(result.status, 1);
    assert.ok(Date.now() - startedAt < 20_000, `took ${Date.now() - startedAt} ms`);
    assert.match(result.stdout, /Fetching Electron .* with Electron's installer \(install-electron\)/);
    const errorLines = result.stderr.trim().split('\n');
    assert.equal(errorLines.length, 1, `one line:\n${result.stderr}`);
    assert.match(errorLines[0] ?? '', /^WS Station cannot open its window: /);
    assert.match(errorLines[0] ?? '', FETCH_FAILED);
    assert.match(errorLines[0] ?? '', /Run the station without its window instead: npm run serve$/);
    assert.ok(
      mirror.requests.some((path) => path.endsWith('.zip')),
      'the installer asked the mirror',
    );
  });

  it('npm run dist: when the fetch fails, says so in one line and exits 1', async (t) => {
    const root = copyProjectWithoutElectronBinary(t);
    const mirror = await startElectronMirror(t, ELECTRON_VERSION, 'nothing');
    const result = await runInCopy(t, root, mirror, ['dist/tools/dist.js', '--dir']);
    assert.equal(result.status, 1);
    const errorLines = result.stderr.trim().split('\n');
    assert.equal(errorLines.length, 1, `one line:\n${result.stderr}`);
    assert.match(errorLines[0] ?? '', /^ws-station dist: packaging needs Electron's binary: /);
    assert.match(errorLines[0] ?? '', FETCH_FAILED);
    assert.ok(!existsSync(join(root, 'release')), 'nothing was packaged');
  });

  it('the Electron suite: skips in one line where not required, fails with the reason where required', async (t) => {
    const root = copyProjectWithoutElectronBinary(t);
    const mirror = await startElectronMirror(t, ELECTRON_VERSION, 'nothing');
    const suite = ['--test', '--test-reporter=spec', 'dist/test/electron.test.js'];

    const optional = await runInCopy(t, root, mirror, suite);
    assert.equal(optional.status, 0, optional.output);
    assert.match(optional.output, /# Electron suite skipped: Electron's installer could not fetch Electron/);
    assert.match(optional.output, /ℹ pass 0\n/);

    const required = await runInCopy(t, root, mirror, suite, { WS_STATION_REQUIRE_ELECTRON: '1' });
    assert.equal(required.status, 1, required.output);
    assert.doesNotMatch(required.output, /skipped: Electron/);
    assert.match(required.output, /Electron is required here and Electron's installer could not fetch Electron/);
    assert.match(required.output, /ℹ fail [1-9]/);
  });

  it(
    'npm start: fetches a missing binary through the mirror, then launches it (STAND-IN, not Electron)',
    { skip: CAN_STAND_IN ? false : 'the STAND-IN is a shell script: Linux and macOS only' },
    async (t) => {
      const root = copyProjectWithoutElectronBinary(t);
      const mirror = await startElectronMirror(t, ELECTRON_VERSION, 'stand-in');
      const display = { DISPLAY: ':0' }; // the stand-in needs none; the start script checks one is set
      const first = await runInCopy(t, root, mirror, ['dist/tools/start-desktop.js'], display);
      assert.equal(first.status, 0, first.output);
      assert.match(first.stdout, /Fetching Electron .* with Electron's installer/);
      assert.match(first.stdout, /Fetched Electron .* in \d+ s\./);
      // Launched with the project as the app to run.
      assert.ok(first.stdout.includes(`${STAND_IN_BANNER} ${root}`), first.output);
      assert.ok(mirror.requests.some((path) => path.endsWith(`/v${ELECTRON_VERSION}/SHASUMS256.txt`)));
      assert.equal(readFileSync(join(root, 'node_modules', 'electron', 'path.txt'), 'utf8').length > 0, true);

      // Once fetched, it is used as it is: no second download.
      const asked = mirror.requests.length;
      const second = await runInCopy(t, root, mirror, ['dist/tools/start-desktop.js'], display);
      assert.equal(second.status, 0, second.output);
      assert.doesNotMatch(second.stdout, /Fetching Electron/);
      assert.ok(second.stdout.includes(STAND_IN_BANNER));
      assert.equal(mirror.requests.length, asked);
    },
  );
});

describe('npm start where Linux forbids the sandbox', () => {
  it(
    "recognises Electron's SUID sandbox abort and says in one line how to allow it (STAND-IN)",
    { skip: process.platform === 'linux' ? false : 'the abort and its remedy are Linux only' },
    async (t) => {
      const root = copyProjectWithoutElectronBinary(t);
      const mirror = await startElectronMirror(t, ELECTRON_VERSION, 'sandbox-abort');
      const result = await runInCopy(t, root, mirror, ['dist/tools/start-desktop.js'], { DISPLAY: ':0' });
      assert.equal(result.status, 1, result.output);
      const lastLine = result.stderr.trim().split('\n').at(-1) ?? '';
      assert.match(lastLine, /^WS Station cannot open its window: this Linux does not let Electron start its sandbox/);
      const sandbox = join(root, 'node_modules', 'electron', 'dist', 'chrome-sandbox');
      assert.ok(lastLine.includes(`sudo chown root:root "${sandbox}" && sudo chmod 4755 "${sandbox}"`), lastLine);
      assert.match(lastLine, /npm run serve$/);
    },
  );
});

describe('the public workflow', () => {
  interface Step {
    run?: string;
    uses?: string;
    with?: Record<string, unknown>;
    env?: Record<string, unknown>;
  }
  interface Job {
    'runs-on': string;
    strategy?: { matrix?: { os?: string[] } };
    env?: Record<string, unknown>;
    steps: Step[];
  }
  const workflow = load(readFileSync(join(PROJECT_ROOT, '.github', 'workflows', 'ci.yml'), 'utf8')) as {
    env?: Record<string, unknown>;
    jobs: Record<string, Job>;
  };
  const jobs = Object.entries(workflow.jobs);

  it('requires the Electron suite wherever it runs it, and runs it on three systems', () => {
    const runsSuite = (step: Step) => /\bnpm test\b|electron\.test\.js/.test(step.run ?? '');
    const systems = new Set<string>();
    for (const [name, job] of jobs) {
      for (const step of job.steps.filter(runsSuite)) {
        const required =
          step.env?.WS_STATION_REQUIRE_ELECTRON ??
          job.env?.WS_STATION_REQUIRE_ELECTRON ??
          workflow.env?.WS_STATION_REQUIRE_ELECTRON;
        assert.equal(String(required), '1', `job ${name}, step "${step.run ?? ''}" does not require Electron`);
        const matrixSystems = job['runs-on'].includes('matrix.os') ? (job.strategy?.matrix?.os ?? []) : [];
        for (const system of matrixSystems.length > 0 ? matrixSystems : [job['runs-on']]) {
          systems.add(system.split('-')[0] ?? system);
        }
      }
    }
    assert.deepEqual([...systems].sort(), ['macos', 'ubuntu', 'windows']);
  });

  it('runs the Electron suite against the packaged test build', () => {
    const packagedRuns = jobs.flatMap(([, job]) =>
      job.steps.filter(
        (step) => step.env?.WS_STATION_ELECTRON_TARGET === 'packaged' && /npm run dist:test/.test(step.run ?? ''),
      ),
    );
    assert.ok(packagedRuns.length >= 2, 'dist:test then the suite, in the test job and on each system');
  });

  it('uses Node 22 or newer in every job (Electron 45 and its installer need it)', () => {
    for (const [name, job] of jobs) {
      for (const step of job.steps.filter((s) => s.uses?.startsWith('actions/setup-node'))) {
        const version = Number(step.with?.['node-version']);
        assert.ok(version >= 22, `job ${name} sets up Node ${String(version)}`);
      }
    }
  });
});
