/** The headless command as a person runs it: flags, the ready banner, peer logs, errors and signals. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { describe, it } from 'node:test';
import { eventually } from './helpers/wait';
import { runToExit, startCli } from './helpers/cli';
import { closed, openClient } from './helpers/client';
import { rawUpgrade } from './helpers/raw-websocket';

describe('ws-station (headless command)', () => {
  it('--help describes every setting and exits 0', () => {
    const result = runToExit(['--help']);
    assert.equal(result.status, 0);
    for (const flag of [
      '--port',
      '--host',
      '--tick-ms',
      '--max-payload',
      '--heartbeat-ms',
      '--max-peers',
      '--broadcast-stdin',
      '--max-connections-per-address',
      '--max-pending-per-address',
      '--token-lockout-ms',
      '--memory-budget',
      '--message-deadline-ms',
      '--deflate',
      '--allow-origin',
      '--token',
    ]) {
      assert.ok(result.stdout.includes(flag), `--help mentions ${flag}`);
    }
  });

  const badFlags: [string[], RegExp][] = [
    [['--prot', '3000'], /unknown option '--prot'/],
    [['--port', 'abc'], /--port "abc" is not allowed\. Allowed: an integer from 0 to 65535/],
    [['--port', '65536'], /--port "65536" is not allowed/],
    [['--tick-ms', '5'], /--tick-ms "5" is not allowed\. Allowed: milliseconds between ticks/],
    [['--host', 'nowhere'], /--host "nowhere" is not allowed/],
    [['--allow-origin', 'http://a.example/path'], /--allow-origin "http:\/\/a\.example\/path" is not allowed/],
    [['--token', 'short'], /--token "short" is not allowed/],
    [
      ['--memory-budget', '20000000', '--max-payload', '3000000'],
      /--memory-budget "20000000" is not allowed\. Allowed: .*at least seven times the largest message/,
    ],
    [['--message-deadline-ms', '0'], /--message-deadline-ms "0" is not allowed/],
    [
      ['--max-messages-per-second', '-1'],
      /--max-messages-per-second "-1" is not allowed\. Allowed: messages per second/,
    ],
    [['--port'], /option '-p, --port <port>' argument missing/],
  ];
  for (const [args, message] of badFlags) {
    it(`exits 2 with one clear message for ${args.join(' ')}`, () => {
      const result = runToExit(args);
      assert.equal(result.status, 2);
      assert.match(result.stderr, message);
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    });
  }

  it('says in one line that a port is in use, and how out', async (t) => {
    const blocker = createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    t.after(() => blocker.close());
    const { port } = blocker.address() as { port: number };
    const result = runToExit(['--host', '127.0.0.1', '--port', String(port)]);
    assert.equal(result.status, 1);
    assert.equal(
      result.stderr.trim(),
      `ws-station: Port ${port} is already in use on 127.0.0.1. Choose another port with --port <port>, or --port 0 for any free port.`,
    );
  });

  it('prints its ws:// URL when ready and logs each connect and disconnect in one line', async (t) => {
    const cli = startCli(t, ['--host', '127.0.0.1', '--port', '0', '--tick-ms', '100']);
    const [url] = await cli.waitForOutput(/ws:\/\/127\.0\.0\.1:\d+\/websocket\/test/);
    const { socket, inbox } = await openClient(url, [], {
      origin: url.replace('ws://', 'http://').replace('/websocket/test', ''),
    });
    assert.equal((await inbox.next()).data.toString(), '连接成功');
    await cli.waitForOutput(/\+ peer 1 127\.0\.0\.1:\d+ origin http:\/\/127\.0\.0\.1:\d+ \(1 online\)/);
    socket.close(1000, 'bye');
    await cli.waitForOutput(/- peer 1 127\.0\.0\.1 closed 1000 "bye" after \d+\.\d s \(0 online\)/);
  });

  it('lists every IPv4 address when serving the LAN, with the token on the LAN URLs', async (t) => {
    const cli = startCli(t, ['--port', '0', '--token', 'cli-token-123']);
    await cli.waitForOutput(/Press Ctrl\+C/);
    assert.match(cli.output(), /ws:\/\/127\.0\.0\.1:\d+\/websocket\/test\n/);
    assert.match(cli.output(), /Access token \(required from other machines\): cli-token-123/);
    for (const line of cli
      .output()
      .split('\n')
      .filter((l) => l.includes('ws://') && !l.includes('127.0.0.1'))) {
      assert.match(line, /\?token=cli-token-123$/);
    }
  });

  it('generates a token when --token has no value', async (t) => {
    const cli = startCli(t, ['--host', '127.0.0.1', '--port', '0', '--token']);
    const [, token] = await cli.waitForOutput(/Access token \(required from other machines\): (\S+)/);
    assert.match(token ?? '', /^[A-Za-z0-9_-]{24}$/);
  });

  it('--broadcast-stdin sends each typed line to every peer; end of input stops reading, not the station', async (t) => {
    const cli = startCli(t, ['--host', '127.0.0.1', '--port', '0', '--quiet', '--broadcast-stdin']);
    const [url = ''] = await cli.waitForOutput(/ws:\/\/127\.0\.0\.1:\d+\/websocket\/test/);
    const plain = await openClient(url);
    const json = await openClient(url, 'station.v1.json');
    await plain.inbox.next();
    await json.inbox.nextJson('welcome');
    cli.child.stdin.write('first line\nsecond, 第二\n');
    for (const expected of ['first line', 'second, 第二']) {
      assert.equal((await plain.inbox.nextMatching((m) => m.data.toString() === expected)).isBinary, false);
      assert.equal((await json.inbox.nextJson('host')).data, expected);
    }
    await cli.waitForOutput(/→ sent to 2 peer\(s\)/);
    cli.child.stdin.end();
    await cli.waitForOutput(/Standard input ended; the station keeps serving/);
    plain.socket.send('still serving');
    await plain.inbox.nextMatching((m) => m.data.toString() === 'still serving');
    assert.equal(cli.child.exitCode, null);
    plain.socket.close();
    json.socket.close();
  });

  it('logs the first refusals of each second one by one (who, what, why), and counts the rest', async (t) => {
    const cli = startCli(t, ['--host', '127.0.0.1', '--port', '0', '--quiet', '--log-handshakes']);
    const [url = ''] = await cli.waitForOutput(/ws:\/\/127\.0\.0\.1:\d+\/websocket\/test/);
    const port = Number(new URL(url).port);
    await Promise.all(
      Array.from({ length: 50 }, () => rawUpgrade(port, '/nowhere?token=s3cret', { 'X-Marker': 'flood' })),
    );
    const refusedLines = () =>
      cli
        .output()
        .split('\n')
        .filter((line) => line.includes('! refused'));
    const told = () =>
      refusedLines().reduce((sum, line) => {
        const counted = /! refused also (\d+) × no such endpoint/.exec(line);
        return sum + (counted ? Number(counted[1]) : line.includes('→ 404') ? 1 : 0);
      }, 0);
    await eventually('all 50 told, one by one or counted', () => Promise.resolve(told() === 50), 5000);
    const oneByOne = refusedLines().filter((line) => line.includes('→ 404'));
    // Five a second at most, the rest counted: the 50 arrive within one second, or straddle two.
    assert.ok(oneByOne.length >= 1 && oneByOne.length <= 10, oneByOne.join('\n'));
    assert.ok(refusedLines().length <= 12, refusedLines().join('\n'));
    assert.match(
      oneByOne[0] ?? '',
      /^\d\d:\d\d:\d\d ! refused 127\.0\.0\.1: GET \/nowhere\?token=••• HTTP\/1\.1 → 404 No WebSocket endpoint at \/nowhere$/,
    );
    // --log-handshakes: each shown refusal's headers below it, the token never printed.
    assert.equal(cli.output().match(/^ {4}X-Marker: flood$/gm)?.length, oneByOne.length);
    assert.doesNotMatch(cli.output(), /s3cret/);

    await rawUpgrade(port, '/websocket/test', { 'Sec-WebSocket-Version': '8' });
    await cli.waitForOutput(
      /! refused 127\.0\.0\.1: GET \/websocket\/test HTTP\/1\.1 → 426 WebSocket version 8 is not supported/,
    );
  });

  it(
    'says when it runs out of file descriptors, once, keeps its peers, and accepts again after',
    { skip: process.platform === 'linux' ? false : 'the limit is lowered with util-linux prlimit' },
    async (t) => {
      const cli = startCli(t, ['--host', '127.0.0.1', '--port', '0', '--quiet'], ['prlimit', '--nofile=100:100']);
      const [url = ''] = await cli.waitForOutput(/ws:\/\/127\.0\.0\.1:\d+\/websocket\/test/);
      // The limit is told at start, with the peers it leaves room for.
      await cli.waitForOutput(/At most 36 peers: this process may open 100 files \(raise it with ulimit -n/);
      const peer = await openClient(url);
      const port = Number(new URL(url).port);
      const hogs = Array.from({ length: 150 }, () => connect(port, '127.0.0.1').on('error', () => undefined));
      await cli.waitForOutput(/! out of file descriptors \(EMFILE\): new connections are refused until some close/);
      peer.socket.send('still here');
      await peer.inbox.nextMatching((m) => m.data.toString() === 'still here');
      for (const hog of hogs) hog.destroy();
      await new Promise((resolve) => setTimeout(resolve, 500));
      const after = await openClient(url);
      assert.equal((await after.inbox.next()).data.toString(), '连接成功', 'accepting again');
      assert.equal(cli.output().match(/out of file descriptors/g)?.length, 1, 'said once for the burst');
      after.socket.close();
      peer.socket.close();
    },
  );

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`on ${signal} closes every peer with 1001 and exits 0 within 2 s`, async (t) => {
      const cli = startCli(t, ['--host', '127.0.0.1', '--port', '0']);
      const [url] = await cli.waitForOutput(/ws:\/\/127\.0\.0\.1:\d+\/websocket\/test/);
      const peers = await Promise.all([openClient(url), openClient(url, 'station.v1.json')]);
      const closes = peers.map(({ socket }) => closed(socket));
      const exit = once(cli.child, 'exit');
      const signalledAt = Date.now();
      cli.child.kill(signal);
      for (const { code } of await Promise.all(closes)) assert.equal(code, 1001);
      const [exitCode] = (await exit) as [number | null];
      assert.equal(exitCode, 0);
      assert.ok(Date.now() - signalledAt < 2000, `exited ${Date.now() - signalledAt} ms after ${signal}`);
    });
  }
});
