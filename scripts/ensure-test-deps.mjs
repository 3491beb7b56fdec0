// Installs the OS tools the test suite and the benchmarks use when they are missing and this user may (root with
// apt-get, as on the project's Debian machines). Otherwise says, one line each, what goes without.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
const hasFont = (family) => spawnSync('fc-list', [family], { encoding: 'utf8' }).stdout?.trim().length > 0;

const tools = [
  { present: () => has('ip'), debianPackage: 'iproute2', usedBy: 'the LAN peer tests (network namespaces) will skip' },
  {
    present: () => (process.env.CHROMIUM_PATH ? existsSync(process.env.CHROMIUM_PATH) : has('chromium')),
    debianPackage: 'chromium',
    usedBy: 'the browser tests will fail',
  },
  {
    present: () => existsSync(process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr'),
    debianPackage: 'firefox-esr',
    usedBy: 'the client tests in Firefox will fail',
  },
  {
    // The WebDriver, and with it WebKitGTK and its MiniBrowser.
    present: () => existsSync(process.env.WEBKIT_WEBDRIVER_PATH ?? '/usr/bin/WebKitWebDriver'),
    debianPackage: 'webkit2gtk-driver',
    usedBy: 'the client tests in WebKit will fail',
  },
  {
    present: () => has('certutil'),
    debianPackage: 'libnss3-tools',
    usedBy: "the wss:// test in Chromium will fail (it trusts the station's CA through an NSS database)",
  },
  {
    present: () => has('Xvfb'),
    debianPackage: 'xvfb',
    usedBy: 'the client tests in WebKit will fail (they draw on a virtual display)',
  },
  {
    present: () => hasFont('Noto Sans CJK SC'),
    debianPackage: 'fonts-noto-cjk',
    usedBy: 'Chinese text in screenshots will show as boxes',
  },
];
const missing = tools.filter((tool) => !tool.present());
if (missing.length === 0) process.exit(0);

const packages = missing.map((tool) => tool.debianPackage);
const canInstall = process.getuid?.() === 0 && has('apt-get');
if (canInstall) {
  console.log(`Installing ${packages.join(', ')} for the tests…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (...args) => spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env }).status === 0;
  if (apt('update', '-qq') && apt('install', '-y', '-qq', '--no-install-recommends', ...packages)) process.exit(0);
  console.log(`Could not install ${packages.join(', ')}.`);
}
for (const tool of missing.filter((t) => !t.present())) {
  console.log(`Debian package ${tool.debianPackage} is missing: ${tool.usedBy}.`);
}
