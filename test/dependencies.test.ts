/** One ws in the tree: express-ws asks for ws 7, and package.json overrides it to ours. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { it } from 'node:test';

const root = join(__dirname, '..', '..');
const versionAt = (packageJson: string) =>
  (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;

it('express-ws loads the same ws 8 as the station', () => {
  const ours = require.resolve('ws/package.json', { paths: [root] });
  const expressWsDir = dirname(require.resolve('express-ws/package.json', { paths: [root] }));
  const theirs = require.resolve('ws/package.json', { paths: [expressWsDir] });
  assert.equal(theirs, ours);
  assert.match(versionAt(ours), /^8\./);
});

it('npm finds exactly one ws in the installed tree', () => {
  const tree = execFileSync('npm', ['ls', 'ws', '--all', '--parseable'], { cwd: root, encoding: 'utf8' });
  const locations = new Set(
    tree
      .trim()
      .split('\n')
      .filter((line) => /node_modules[\\/]ws$/.test(line)),
  );
  assert.deepEqual([...locations], [join(root, 'node_modules', 'ws')]);
});
