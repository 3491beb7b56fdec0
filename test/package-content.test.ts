/**
 * What an installer will hold, checked without Electron: electron-builder.yml against
 * electron-builder's own schema, and an app.asar built from the files that config selects plus
 * the production dependencies, as packaging does.
 */
import { createPackageFromFiles, extractAll, listPackage } from '@electron/asar';
import Ajv from 'ajv';
import { load } from 'js-yaml';
import { minimatch } from 'minimatch';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DIST_PATHS } from '../main/electron/paths';
import { ICON_SIZES, makeIcons } from '../tools/make-icons';
import { tempFolder } from './helpers/temp-folder';

const ROOT = join(__dirname, '..', '..');
/**
 * The packed app, not counting Electron itself: 12 MiB until the local CA came, whose certificate
 * library and ASN.1 schemas (@peculiar/x509 and what it stands on, CommonJS builds only) add about 1 MiB.
 */
const SIZE_BUDGET_BYTES = 14 * 1024 * 1024;

interface PackageJson {
  main: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}
const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;
const builderConfig = load(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as {
  files: string[];
  deb?: Record<string, unknown>;
  mac: { identity?: string; target: { target: string; arch: string[] }[] };
};

function walk(folder: string, skip: (path: string) => boolean = () => false): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (skip(path)) return [];
    return entry.isDirectory() ? walk(path, skip) : entry.isFile() ? [path] : [];
  });
}

/**
 * electron-builder's `files`: patterns in order, a leading ! excludes, the last that matches decides.
 * The app's own files are left out unless a pattern selects them; the production dependencies,
 * which electron-builder adds itself, are kept unless one excludes them.
 */
function keptByConfig(path: string, keptByDefault: boolean): boolean {
  const relativePath = relative(ROOT, path).split(sep).join('/');
  let kept = keptByDefault;
  for (const pattern of builderConfig.files) {
    const negated = pattern.startsWith('!');
    if (minimatch(relativePath, negated ? pattern.slice(1) : pattern, { dot: true })) kept = !negated;
  }
  return kept;
}

/** Folders of the production dependency tree, as npm resolves it. */
function productionDependencyFolders(): string[] {
  const parseable = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, encoding: 'utf8' });
  return parseable
    .trim()
    .split('\n')
    .filter((folder) => folder !== ROOT);
}

describe('installer content', () => {
  let asarPath: string;
  let entries: Set<string>;
  let extracted: string;
  let work: string | undefined;

  after(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  before(async () => {
    const appFiles = walk(ROOT, (path) => /[\\/](node_modules|\.git|release|build)$/.test(path)).filter((path) =>
      keptByConfig(path, false),
    );
    const dependencyFiles = productionDependencyFolders()
      .flatMap((folder) => walk(folder, (path) => path !== folder && path.endsWith(`${sep}node_modules`)))
      .filter((path) => keptByConfig(path, true));
    work = mkdtempSync(join(tmpdir(), 'ws-station-asar-'));
    asarPath = join(work, 'app.asar');
    await createPackageFromFiles(ROOT, asarPath, [...new Set([...appFiles, ...dependencyFiles])]);
    entries = new Set(listPackage(asarPath, { isPack: false }).map((entry) => entry.split(sep).join('/')));
    extracted = join(work, 'app');
    extractAll(asarPath, extracted);
  });

  it('has a configuration electron-builder accepts', () => {
    const schema = JSON.parse(
      readFileSync(require.resolve('app-builder-lib/scheme.json', { paths: [ROOT] }), 'utf8'),
    ) as object;
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    assert.equal(validate(builderConfig), true, JSON.stringify(validate.errors));
    assert.equal(validate({ ...builderConfig, asarr: true }), false, 'the schema catches a misspelt option');
  });

  it("keeps electron-builder's deb scripts, which install an AppArmor profile for Electron's sandbox", () => {
    const deb = builderConfig.deb ?? {};
    assert.equal(deb.afterInstall, undefined, "the deb uses electron-builder's own after-install script");
    assert.equal(deb.afterRemove, undefined, "the deb uses electron-builder's own after-remove script");
    const afterInstall = readFileSync(
      require.resolve('app-builder-lib/templates/linux/after-install.tpl', { paths: [ROOT] }),
      'utf8',
    );
    assert.match(afterInstall, /apparmor_parser/, 'which loads the profile on Ubuntu 24.04 and later');
  });

  it('builds for Intel and Apple Silicon Macs, signed ad hoc when there is no certificate', () => {
    const { mac } = builderConfig;
    assert.equal(mac.identity, '-');
    assert.deepEqual(mac.target[0]?.arch, ['x64', 'arm64']);
  });

  it('has a preload that needs nothing a sandboxed preload lacks: one file, requiring only electron', () => {
    const preload = readFileSync(join(ROOT, 'dist', DIST_PATHS.preload), 'utf8');
    const required = new Set([...preload.matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1]));
    assert.deepEqual([...required], ['electron']);
  });

  it('holds main, preload and renderer where the window loads them', () => {
    assert.equal(packageJson.main, `dist/${DIST_PATHS.main}`);
    for (const path of [
      DIST_PATHS.main,
      DIST_PATHS.preload,
      DIST_PATHS.page,
      'renderer/app.js',
      'renderer/app.css',
      'renderer/endpoint-editor.js',
    ]) {
      assert.ok(entries.has(`/dist/${path}`), `dist/${path} is packed`);
    }
    assert.ok(entries.has('/package.json'));
  });

  it('holds every production dependency and no development one', () => {
    const packed = (name: string) => entries.has(`/node_modules/${name}/package.json`);
    for (const name of Object.keys(packageJson.dependencies)) assert.ok(packed(name), `${name} is packed`);
    for (const name of Object.keys(packageJson.devDependencies)) assert.ok(!packed(name), `${name} is not packed`);
  });

  it('holds no tests, build tools, benchmarks or source maps', () => {
    const unwanted = [...entries].filter(
      (entry) =>
        /^\/(dist\/(test|tools|bench)\/|test\/|renderer\/|main\/|tools\/|bench\/)/.test(entry) ||
        /^\/dist\/.*\.map$/.test(entry),
    );
    assert.deepEqual(unwanted, []);
  });

  it('loads from the package: the station core resolves its dependencies inside it', () => {
    // Run outside the project tree, so only the packed node_modules can satisfy require().
    const output = execFileSync(
      process.execPath,
      ['-e', "require('./dist/main/desktop/station-host.js'); process.stdout.write('loaded')"],
      { cwd: extracted, encoding: 'utf8', timeout: 10_000 },
    );
    assert.equal(output, 'loaded');
  });

  it('makes fake data from the package in both languages it keeps, and holds no other locale', () => {
    const script = `
      const { fakerFunction } = require('./dist/main/station/endpoints/fake-data.js');
      process.stdout.write(JSON.stringify(['en', 'zh_CN'].map((locale) => fakerFunction(locale, 'person.lastName')())));`;
    const output = execFileSync(process.execPath, ['-e', script], {
      cwd: extracted,
      encoding: 'utf8',
      timeout: 10_000,
    });
    const [english, chinese] = JSON.parse(output) as string[];
    assert.match(english ?? '', /^[A-Za-z' -]+$/);
    assert.match(chinese ?? '', /^\p{Script=Han}+$/u);
    const locales = [...entries].filter((entry) => entry.startsWith('/node_modules/@faker-js/faker/dist/locale/'));
    assert.deepEqual(locales.sort(), [
      '/node_modules/@faker-js/faker/dist/locale/en.js',
      '/node_modules/@faker-js/faker/dist/locale/zh_CN.js',
    ]);
  });

  it('makes its local CA and a server certificate from the package, which OpenSSL verifies', (t) => {
    const folder = tempFolder(t, 'packed-ca');
    const script = `
      const { localCaTls } = require('./dist/main/station/tls/station-tls.js');
      localCaTls(${JSON.stringify(join(folder, 'ca'))}, '127.0.0.1', 'WS Station').then((tls) => {
        require('node:fs').writeFileSync(${JSON.stringify(join(folder, 'chain.pem'))}, tls.certificatePem);
        process.stdout.write(tls.info.names.join(' '));
      });`;
    const output = execFileSync(process.execPath, ['-e', script], {
      cwd: extracted,
      encoding: 'utf8',
      timeout: 10_000,
    });
    assert.equal(output, 'localhost 127.0.0.1 ::1');
    const chain = readFileSync(join(folder, 'chain.pem'), 'utf8').split(/(?<=-----END CERTIFICATE-----)/);
    writeFileSync(join(folder, 'leaf.pem'), chain[0] ?? '');
    writeFileSync(join(folder, 'intermediate.pem'), chain[1] ?? '');
    const verified = execFileSync('openssl', [
      'verify',
      '-CAfile',
      join(folder, 'ca', 'ca.crt'),
      '-untrusted',
      join(folder, 'intermediate.pem'),
      join(folder, 'leaf.pem'),
    ]).toString();
    assert.match(verified, /leaf\.pem: OK/);
  });

  it(`stays under its size budget (${SIZE_BUDGET_BYTES / 1024 / 1024} MiB without Electron)`, (t) => {
    const size = statSync(asarPath).size;
    t.diagnostic(`app.asar is ${(size / 1024 / 1024).toFixed(1)} MiB`);
    assert.ok(size < SIZE_BUDGET_BYTES, `app.asar is ${(size / 1024 / 1024).toFixed(1)} MiB`);
  });

  it('gets an icon set generated from the one source image', () => {
    const written = makeIcons(ROOT);
    assert.equal(written.length, ICON_SIZES.length);
    for (const [i, size] of ICON_SIZES.entries()) {
      const png = readFileSync(written[i] ?? '');
      assert.equal(png.readUInt32BE(16), size, 'PNG width');
      assert.equal(png.readUInt32BE(20), size, 'PNG height');
    }
    assert.equal(readFileSync(join(ROOT, 'build', 'icon.png')).readUInt32BE(16), 1024);
  });
});
