/**
 * Scripted endpoints (docs/ENDPOINTS.md) with real stations and real peers: the contract's
 * example whole, each match kind and recipient, delays, closes, streams, onConnect order, the
 * fallback, templates fed hostile text, a hostile pattern, live reload from a file, the API, and
 * every refusal of a broken definitions file with its message.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { WebSocket } from 'ws';
import { DefinitionsError, loadDefinitions } from '../main/station/endpoints/definitions';
import type { Station } from '../main/station/station';
import { closed, openClient, parseJson, type Client } from './helpers/client';
import { runToExit, startCliStation } from './helpers/cli';
import { startTestStation, endpointUrl } from './helpers/station';
import { tempFolder } from './helpers/temp-folder';
import { waitFor } from './helpers/wait';
import { CONTRACT } from './helpers/endpoints-contract';

const url = (station: Station, path: string) => `ws://127.0.0.1:${station.port}${path}`;
const text = (client: Client, accept: (text: string) => boolean = () => true, timeoutMs = 3000) =>
  client.inbox.nextMatching((m) => !m.isBinary && accept(m.data.toString()), timeoutMs).then((m) => m.data.toString());
const isPrice = (message: string) => message.startsWith('{"price"');

/** No message but prices within `ms`: what a peer sees when nothing answers it. */
async function onlyPrices(client: Client, ms: number): Promise<void> {
  const extra = await client.inbox
    .nextMatching((m) => !isPrice(m.data.toString()), ms)
    .then(
      (m) => m.data.toString(),
      () => null,
    );
  assert.equal(extra, null, `nothing was to answer, got ${extra}`);
}

async function scriptedStation(t: Parameters<typeof startTestStation>[0], definitions: unknown, settings = {}) {
  const station = await startTestStation(t, { tickMs: 60_000, ...settings });
  station.endpoints.applyText(JSON.stringify(definitions));
  return station;
}

describe('the contract example', () => {
  it('greets with the query, acks by JSON pointer, answers late, shouts to all, streams, and closes', async (t) => {
    const station = await scriptedStation(t, CONTRACT);
    const alice = await openClient(url(station, '/prices?room=r%201'));
    const bob = await openClient(url(station, '/prices'));
    const hello = JSON.parse(await text(alice)) as Record<string, unknown>;
    assert.deepEqual(hello, { type: 'hello', peer: 1, room: 'r 1' });
    assert.deepEqual(JSON.parse(await text(bob)), { type: 'hello', peer: 2, room: null });

    alice.socket.send('{"type":"subscribe","id":42}');
    assert.equal(await text(alice, (m) => !isPrice(m)), '{"ack":42}');

    const sentAt = performance.now();
    alice.socket.send('ping');
    assert.equal(await text(alice, (m) => !isPrice(m)), 'pong');
    assert.ok(performance.now() - sentAt >= 290, 'pong came after its 300 ms delay');

    alice.socket.send('shout hello all');
    assert.equal(await text(alice, (m) => !isPrice(m)), 'shout hello all');
    assert.equal(await text(bob, (m) => !isPrice(m)), 'shout hello all');

    // fallback none: nothing comes back for a message no rule matches.
    alice.socket.send('nobody listens');
    await onlyPrices(alice, 400);

    const prices = [await text(bob, isPrice), await text(bob, isPrice)].map(
      (m) => (JSON.parse(m) as { price: number }).price,
    );
    for (const price of prices) assert.ok(Number.isInteger(price) && price >= 100 && price <= 200, `price ${price}`);

    const aliceClosed = closed(alice.socket);
    alice.socket.send('bye');
    assert.deepEqual(await aliceClosed, { code: 4000, reason: 'bye' });
    await waitFor('alice to be gone', () => station.status().peers.length === 1);
    assert.deepEqual(
      station.status().peers.map((peer) => peer.endpoint),
      ['/prices'],
    );
    bob.socket.close();
  });

  it('chooses the subprotocol, keeps state per peer, and echoes what no rule matches', async (t) => {
    const station = await scriptedStation(t, CONTRACT);
    const client = await openClient(url(station, '/login'), ['chat', 'graphql-transport-ws']);
    const other = await openClient(url(station, '/login'));
    assert.equal(client.socket.protocol, 'graphql-transport-ws');
    assert.equal(other.socket.protocol, '');
    client.socket.send('whoami');
    assert.equal(await text(client), 'nobody');
    client.socket.send('secret');
    assert.equal(await text(client), 'welcome');
    client.socket.send('whoami');
    assert.equal(await text(client), 'member 1');
    // Each peer has its own state.
    other.socket.send('whoami');
    assert.equal(await text(other), 'nobody');
    client.socket.send('anything else');
    assert.equal(await text(client), 'anything else');
    client.socket.close();
    other.socket.close();
  });

  it('keeps the seed endpoint exactly as it is beside them', async (t) => {
    const station = await scriptedStation(t, CONTRACT);
    const seed = await openClient(endpointUrl(station));
    assert.equal(await text(seed), '连接成功');
    seed.socket.send('hi');
    assert.equal(await text(seed), 'hi');
    seed.socket.close();
  });
});

describe('what rules match and do', () => {
  const definitions = {
    endpoints: [
      {
        path: '/kinds',
        fallback: 'none',
        rules: [
          { match: { kind: 'binary' }, send: { hex: 'de ad be ef' } },
          { match: { contains: 'needle' }, send: [{ text: 'found' }, { base64: 'AQID' }] },
          { match: { json: '/user/name', exists: true }, send: '{"said":{{json message.json.user.name}}}' },
          { match: { json: '/user' }, send: 'user without a name' },
          { match: { regex: '^echo (.*)$' }, send: '{"said":{{json message.text}}}' },
          { match: { text: 'others' }, send: 'from {{peer.id}}', to: 'others' },
          { match: { text: 'jitter' }, send: 'late', delayMs: [100, 200] },
          { match: { text: 'count' }, send: '{{counter}}' },
          { match: { text: 'leave' }, send: 'goodbye', close: { code: 4001, reason: 'asked to' } },
        ],
      },
    ],
  };

  it('matches by kind, contains, JSON pointer and pattern, and sends text and bytes', async (t) => {
    const station = await scriptedStation(t, definitions);
    const client = await openClient(url(station, '/kinds'));
    client.socket.send(Buffer.from([1, 2]), { binary: true });
    const bytes = await client.inbox.next();
    assert.equal(bytes.isBinary, true);
    assert.deepEqual([...bytes.data], [0xde, 0xad, 0xbe, 0xef]);

    client.socket.send('a needle in a haystack');
    assert.equal(await text(client), 'found');
    const second = await client.inbox.next();
    assert.deepEqual([...second.data], [1, 2, 3]);
    assert.equal(second.isBinary, true);

    client.socket.send('{"user":{"name":"Zoë \\"{{peer.id}}\\""}}');
    assert.deepEqual(parseJson(await client.inbox.next()), { said: 'Zoë "{{peer.id}}"' });
    client.socket.send('{"user":{}}');
    assert.equal(await text(client), 'user without a name');

    // A peer's text is data, never a template, and stays valid JSON whatever it holds.
    const hostile = 'echo "quoted" \\ back\\slash {{peer.id}} {{{raw}}} \u0001 </script>';
    client.socket.send(hostile);
    assert.deepEqual(parseJson(await client.inbox.next()), { said: hostile });

    client.socket.send('count');
    client.socket.send('count');
    // Its messages so far on this endpoint: five above, and these two.
    assert.deepEqual([await text(client), await text(client)], ['6', '7']);
    client.socket.close();
  });

  it('sends to the others, waits a random delay within its bounds, and closes after sending', async (t) => {
    const station = await scriptedStation(t, definitions);
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => openClient(url(station, '/kinds'))));
    assert.ok(a && b && c);
    a.socket.send('others');
    assert.deepEqual([await text(b), await text(c)], ['from 1', 'from 1']);
    await onlyPrices(a, 300);

    const sentAt = performance.now();
    a.socket.send('jitter');
    assert.equal(await text(a), 'late');
    const waited = performance.now() - sentAt;
    assert.ok(waited >= 95 && waited < 1000, `waited ${waited} ms`);

    const bClosed = closed(b.socket);
    b.socket.send('leave');
    assert.equal(await text(b), 'goodbye');
    assert.deepEqual(await bClosed, { code: 4001, reason: 'asked to' });
    a.socket.close();
    c.socket.close();
  });
});

describe('the traffic record of a scripted endpoint', () => {
  it('keeps what peers sent and the replies, as replies; streams are left out, as ticks are', async (t) => {
    const station = await scriptedStation(t, CONTRACT);
    const login = await openClient(url(station, '/login'), ['graphql-transport-ws']);
    login.socket.send('secret');
    assert.equal(await text(login), 'welcome');
    const prices = await openClient(url(station, '/prices'));
    await text(prices, isPrice);
    prices.socket.send('ping');
    assert.equal(await text(prices, (m) => m === 'pong'), 'pong');
    const kinds = (client: number) =>
      station.peers.record.forPeer(client).map((entry) => `${entry.direction} ${entry.kind} ${entry.preview}`);
    const [loginPeer, pricesPeer] = station.peers.list().map((peer) => peer.id);
    assert.deepEqual(kinds(loginPeer ?? -1), ['in message secret', 'out reply welcome']);
    assert.deepEqual(
      kinds(pricesPeer ?? -1).filter((entry) => !entry.startsWith('out greeting')),
      ['in message ping', 'out reply pong'],
    );
    login.socket.close();
    prices.socket.close();
  });
});

describe('onConnect and streams', () => {
  it('sends onConnect in order, with its delays, before any answer or stream', async (t) => {
    const station = await scriptedStation(t, {
      endpoints: [
        {
          path: '/greet',
          onConnect: [{ send: 'first' }, { send: ['second', 'third'], delayMs: 200 }],
          streams: [{ everyMs: 20, send: 'tick {{peer.id}}' }],
        },
      ],
    });
    const client = await openClient(url(station, '/greet'));
    client.socket.send('early');
    const seen = [await text(client), await text(client), await text(client), await text(client)];
    assert.deepEqual(seen, ['first', 'second', 'third', 'early']);
    assert.equal(await text(client), 'tick 1');
    client.socket.close();
  });

  it('streams to each peer from its start, a count each; to all at once, rendered once', async (t) => {
    const station = await scriptedStation(t, {
      endpoints: [
        {
          path: '/streams',
          streams: [
            { everyMs: 50, send: 'each {{peer.id}}', count: 3, startAfterMs: 200 },
            { everyMs: 50, send: 'all {{uuid}}', to: 'all', count: 2 },
          ],
        },
      ],
    });
    const connectedAt = performance.now();
    const [a, b] = await Promise.all([openClient(url(station, '/streams')), openClient(url(station, '/streams'))]);
    const received = { a: [] as string[], b: [] as string[] };
    a.socket.on('message', (data: Buffer) => received.a.push(data.toString()));
    b.socket.on('message', (data: Buffer) => received.b.push(data.toString()));
    let firstEachAt = 0;
    a.socket.on('message', (data: Buffer) => {
      if (firstEachAt === 0 && data.toString().startsWith('each')) firstEachAt = performance.now();
    });
    await new Promise((resolve) => setTimeout(resolve, 800));
    assert.deepEqual(
      received.a.filter((m) => m.startsWith('each')),
      ['each 1', 'each 1', 'each 1'],
    );
    assert.deepEqual(
      received.b.filter((m) => m.startsWith('each')),
      ['each 2', 'each 2', 'each 2'],
    );
    assert.ok(firstEachAt - connectedAt >= 190, `the first came ${firstEachAt - connectedAt} ms in`);
    const allA = received.a.filter((m) => m.startsWith('all'));
    assert.equal(allA.length, 2);
    assert.deepEqual(
      received.b.filter((m) => m.startsWith('all')),
      allA,
      'rendered once for all',
    );
    a.socket.close();
    b.socket.close();
  });
});

describe('safety', () => {
  it('answers a catastrophic pattern in linear time and keeps serving everyone', async (t) => {
    const station = await scriptedStation(t, {
      endpoints: [{ path: '/re', fallback: 'none', rules: [{ match: { regex: '(a+)+$' }, send: 'matched' }] }],
    });
    const client = await openClient(url(station, '/re'));
    const seed = await openClient(endpointUrl(station));
    await text(seed);
    client.socket.send(`${'a'.repeat(100_000)}b`);
    client.socket.send('aaa');
    assert.equal(await text(client, () => true, 2000), 'matched', 'the second, which matches');
    seed.socket.send('still here');
    assert.equal(await text(seed), 'still here');
    client.socket.close();
    seed.socket.close();
  });

  it('does not send what comes out larger than maxPayload, counts it, and keeps the peer', async (t) => {
    const station = await scriptedStation(
      t,
      {
        endpoints: [{ path: '/big', rules: [{ match: { contains: 'x' }, send: '{{message.text}}{{message.text}}' }] }],
      },
      { maxPayload: 1000, memoryBudget: 16 * 1024 * 1024 },
    );
    const problems: string[] = [];
    station.events.on('endpoint-problem', (line) => problems.push(line));
    const client = await openClient(url(station, '/big'));
    client.socket.send('x'.repeat(600));
    client.socket.send('small x');
    assert.equal(await text(client), 'small xsmall x');
    assert.equal(station.status().endpoints.notSentOversized, 1);
    assert.match(problems[0] ?? '', /^Endpoint \/big: not sent, a message larger than maxPayload: 1200 bytes/);
    assert.equal(client.socket.readyState, client.socket.OPEN);
    client.socket.close();
  });

  it('never answers pings where answerPings is false, and answers them elsewhere', async (t) => {
    const station = await scriptedStation(t, {
      endpoints: [{ path: '/silent', answerPings: false }, { path: '/polite' }],
    });
    const pongWithin = async (socket: WebSocket, ms: number) => {
      const pong = new Promise<boolean>((resolve) => socket.once('pong', () => resolve(true)));
      socket.ping();
      return Promise.race([pong, new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);
    };
    const silent = await openClient(url(station, '/silent'));
    const polite = await openClient(url(station, '/polite'));
    assert.equal(await pongWithin(silent.socket, 500), false);
    assert.equal(await pongWithin(polite.socket, 500), true);
    silent.socket.send('still echoes');
    assert.equal(await text(silent), 'still echoes');
    silent.socket.close();
    polite.socket.close();
  });

  it('takes any message on a scripted endpoint without a single internal error', async (t) => {
    const station = await scriptedStation(t, CONTRACT);
    const client = await openClient(url(station, '/prices'));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.json().map((json) => json),
          fc.jsonValue().map((value) => JSON.stringify({ type: 'subscribe', id: value })),
        ),
        fc.boolean(),
        async (message, binary) => {
          client.socket.send(binary ? Buffer.from(message) : message, { binary });
          await new Promise((resolve) => setImmediate(resolve));
        },
      ),
      { numRuns: 300 },
    );
    client.socket.send('{"type":"subscribe","id":-12345}');
    assert.equal(await text(client, (m) => m === '{"ack":-12345}'), '{"ack":-12345}');
    assert.equal(station.status().internalErrors, 0);
    assert.equal(client.socket.readyState, client.socket.OPEN);
    client.socket.close();
  });
});

describe('fake data', () => {
  it("makes names, numbers and words with faker, in the endpoint's language", async (t) => {
    const station = await scriptedStation(t, {
      endpoints: [
        {
          path: '/fake',
          rules: [
            {
              match: { text: 'person' },
              send: '{"name":{{json (faker \'person.firstName\')}},"die":{{faker \'number.int\' min=1 max=6}},"five":{{faker \'number.int\' \'{"min":5,"max":5}\'}}}',
            },
          ],
        },
        { path: '/fake-zh', fakerLocale: 'zh_CN', rules: [{ send: "{{faker 'person.fullName'}}" }] },
      ],
    });
    const english = await openClient(url(station, '/fake'));
    const seen = new Set<number>();
    for (let i = 0; i < 30; i += 1) {
      english.socket.send('person');
      const person = JSON.parse(await text(english)) as { name: unknown; die: unknown; five: unknown };
      assert.match(String(person.name), /^[A-Za-z' -]+$/);
      assert.ok(Number.isInteger(person.die) && (person.die as number) >= 1 && (person.die as number) <= 6);
      seen.add(person.die as number);
      assert.equal(person.five, 5, 'a JSON object argument, as Mockoon writes it');
    }
    assert.ok(seen.size > 1, 'random, not one value');
    const chinese = await openClient(url(station, '/fake-zh'));
    chinese.socket.send('who');
    assert.match(await text(chinese), /^\p{Script=Han}{2,4}$/u);
    english.socket.close();
    chinese.socket.close();
  });

  it('is loaded only when a template uses it', () => {
    // A fresh process: this one has loaded it for the tests above.
    const definitions = join(__dirname, '..', 'main', 'station', 'endpoints', 'definitions.js');
    const fakeData = join(__dirname, '..', 'main', 'station', 'endpoints', 'fake-data.js');
    const script = `
      const { loadDefinitions } = require(${JSON.stringify(definitions)});
      const { fakerLoaded } = require(${JSON.stringify(fakeData)});
      const inCache = () => Object.keys(require.cache).some((file) => file.includes('@faker-js'));
      loadDefinitions(JSON.stringify({ endpoints: [{ path: '/a', rules: [{ send: '{{uuid}} {{randomInt 1 2}}' }] }] }));
      const before = [fakerLoaded(), inCache()];
      loadDefinitions(JSON.stringify({ endpoints: [{ path: '/a', rules: [{ send: "{{faker 'lorem.word'}}" }] }] }));
      console.log(JSON.stringify([before, [fakerLoaded(), inCache()]]));`;
    const output = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(output), [
      [false, false],
      [true, true],
    ]);
  });
});

describe('a broken definitions file', () => {
  const endpoint = (extra: Record<string, unknown>) => JSON.stringify({ endpoints: [{ path: '/ok', ...extra }] });
  const refused: [string, string, RegExp][] = [
    [
      'not JSON',
      '{"endpoints": [\n  {"path": "/a",}\n]}',
      /^Not JSON: a property name \(in double quotes\) expected at line 2, column 17$/,
    ],
    [
      'an unknown key',
      endpoint({ rules: [{ match: { txt: 'a' } }] }),
      /^endpoints\[0\]\.rules\[0\]\.match \(line 1, column \d+\): unknown key "txt"$/,
    ],
    [
      'a wrong type',
      endpoint({ streams: [{ everyMs: '5', send: 'a' }] }),
      /^endpoints\[0\]\.streams\[0\]\.everyMs \(line 1, column \d+\): Invalid input: expected number, received string$/,
    ],
    [
      'a pattern that does not compile',
      endpoint({ rules: [{ match: { regex: '(' } }] }),
      /^endpoints\[0\]\.rules\[0\]\.match\.regex .*: the pattern does not compile/,
    ],
    [
      'a template that does not parse',
      endpoint({ rules: [{ send: '{{#each}}' }] }),
      /^endpoints\[0\]\.rules\[0\]\.send .*: the template does not parse: Parse error on line 1:/,
    ],
    [
      'an unknown helper',
      endpoint({ rules: [{ send: '{{shout message.text}}' }] }),
      /the template does not parse: You specified knownHelpersOnly, but used the unknown helper shout/,
    ],
    [
      'the root path',
      JSON.stringify({ endpoints: [{ path: '/' }] }),
      /^endpoints\[0\]\.path .*: \/ is reserved for the station's page and API$/,
    ],
    ['an API path', JSON.stringify({ endpoints: [{ path: '/api/mine' }] }), /\/api\/mine is reserved/],
    [
      'the seed path',
      JSON.stringify({ endpoints: [{ path: '/websocket/test' }] }),
      /\/websocket\/test is the station's own endpoint/,
    ],
    ['a dot segment', JSON.stringify({ endpoints: [{ path: '/a/../b' }] }), /"\/a\/\.\.\/b" is not a canonical path/],
    ['an empty segment', JSON.stringify({ endpoints: [{ path: '/a//b' }] }), /is not a canonical path/],
    ['an escape', JSON.stringify({ endpoints: [{ path: '/%61' }] }), /is not a canonical path/],
    [
      'a path twice',
      JSON.stringify({ endpoints: [{ path: '/a' }, { path: '/a' }] }),
      /^endpoints\[1\]\.path .*: \/a is defined twice$/,
    ],
    ['bad hex', endpoint({ rules: [{ send: { hex: 'abc' } }] }), /rules\[0\]\.send\.hex .*: hex is pairs of digits/],
    [
      'a reserved close code',
      endpoint({ rules: [{ close: { code: 1001 } }] }),
      /rules\[0\]\.close\.code .*: a close code is 1000, or from 3000 to 4999/,
    ],
    [
      'two match kinds',
      endpoint({ rules: [{ match: { text: 'a', regex: 'b' } }] }),
      /a rule matches by one of text, contains, regex or json, not text and regex/,
    ],
    ['equals without json', endpoint({ rules: [{ match: { equals: 1 } }] }), /equals goes with json/],
    [
      'a bad pointer',
      endpoint({ rules: [{ match: { json: 'type' } }] }),
      /a JSON pointer is empty or starts with "\/"/,
    ],
    [
      'a faker path it does not have',
      endpoint({ rules: [{ send: "{{faker 'person.fistName'}}" }] }),
      /^endpoints\[0\]\.rules\[0\]\.send \(line 1, column \d+\): faker has no person\.fistName \(see fakerjs\.dev\/api\)$/,
    ],
    [
      'a faker constructor',
      endpoint({ rules: [{ send: "{{faker 'person.constructor'}}" }] }),
      /faker has no person\.constructor/,
    ],
    [
      'an inherited function',
      endpoint({ rules: [{ send: "{{faker 'person.toString'}}" }] }),
      /faker has no person\.toString/,
    ],
    [
      'a faker path that is not module.function',
      endpoint({ rules: [{ send: "{{faker '__proto__.x'}}" }] }),
      /faker takes a path like 'person\.firstName' \(a module, a dot, a function\), not "__proto__\.x"/,
    ],
    [
      "a faker path from the peer's message",
      endpoint({ rules: [{ send: '{{faker message.text}}' }] }),
      /faker takes the path of what to make, in quotes/,
    ],
    [
      "faker arguments from the peer's message",
      endpoint({ rules: [{ send: "{{faker 'string.alpha' message.json.length}}" }] }),
      /faker takes only literal arguments/,
    ],
    ['an unknown faker locale', endpoint({ fakerLocale: 'xx' }), /endpoints\[0\]\.fakerLocale .*: Invalid option/],
    [
      'a reversed delay',
      endpoint({ rules: [{ delayMs: [500, 100] }] }),
      /rules\[0\]\.delayMs .*: the lower bound comes first/,
    ],
  ];
  for (const [what, text, message] of refused) {
    it(`is refused for ${what}, saying where`, () => {
      assert.throws(
        () => loadDefinitions(text),
        (error: unknown) => {
          assert.ok(error instanceof DefinitionsError);
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }

  it('never throws anything but a DefinitionsError, whatever the file holds', () => {
    const anyShape = fc.oneof(
      fc.string(),
      fc.json(),
      fc
        .record({
          endpoints: fc.array(
            fc.dictionary(fc.constantFrom('path', 'rules', 'streams', 'onConnect', 'send', 'x'), fc.jsonValue()),
          ),
        })
        .map((value) => JSON.stringify(value)),
    );
    fc.assert(
      fc.property(anyShape, (text) => {
        try {
          loadDefinitions(text);
        } catch (error) {
          assert.ok(error instanceof DefinitionsError, String(error));
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('definitions from a file (--endpoints)', () => {
  it('refuses to start with a broken file: one line, exit status 1', (t) => {
    const folder = tempFolder(t, 'endpoints-');
    const file = join(folder, 'endpoints.json');
    writeFileSync(file, JSON.stringify({ endpoints: [{ path: '/api/x' }] }));
    const run = runToExit(['--port', '0', '--host', '127.0.0.1', '--endpoints', file]);
    assert.equal(run.status, 1);
    assert.equal(
      run.stderr.trim(),
      `ws-station: ${file}: endpoints[0].path (line 1, column 16): /api/x is reserved for the station's page and API`,
    );
  });

  it('applies an edit while running: unchanged peers stay, a removed endpoint closes its peers with 1001', async (t) => {
    const folder = tempFolder(t, 'endpoints-');
    const file = join(folder, 'endpoints.json');
    const write = (definitions: unknown) => {
      // As editors save: a new file renamed over the old one.
      writeFileSync(`${file}.tmp`, JSON.stringify(definitions));
      renameSync(`${file}.tmp`, file);
    };
    const stays = { path: '/stays', rules: [{ match: { text: 'hi' }, send: 'hello' }] };
    write({ endpoints: [stays, { path: '/goes' }, { path: '/changes', rules: [{ send: 'old' }] }] });
    const cli = await startCliStation(t, ['--quiet', '--endpoints', file]);
    await cli.waitForOutput(/Scripted endpoints: \/stays, \/goes, \/changes/);
    const base = `ws://127.0.0.1:${cli.port}`;
    const [staying, going, changing] = await Promise.all(
      ['/stays', '/goes', '/changes'].map((path) => openClient(`${base}${path}`)),
    );
    assert.ok(staying && going && changing);
    const goingClosed = closed(going.socket);

    write({ endpoints: [stays, { path: '/changes', rules: [{ send: 'new' }] }, { path: '/added' }] });
    await cli.waitForOutput(/endpoints from .* applied: \/stays, \/changes, \/added/);
    assert.deepEqual(await goingClosed, { code: 1001, reason: 'Endpoint removed' });
    staying.socket.send('hi');
    assert.equal(await text(staying), 'hello');
    changing.socket.send('anything');
    assert.equal(await text(changing), 'new', 'kept its connection, under the new rules');
    const added = await openClient(`${base}/added`);
    added.socket.send('echo');
    assert.equal(await text(added), 'echo');

    // A broken edit keeps what is served and is said once.
    writeFileSync(file, '{"endpoints": [');
    await cli.waitForOutput(/! .*endpoints\.json: Not JSON: .*; the endpoints served are unchanged/);
    staying.socket.send('hi');
    assert.equal(await text(staying), 'hello');
    for (const client of [staying, changing, added]) client.socket.close();
  });
});

describe('the endpoints API', () => {
  it('shows and replaces the definitions, refusing a broken file with the same message and a foreign page', async (t) => {
    const station = await scriptedStation(t, CONTRACT);
    const api = `http://127.0.0.1:${station.port}/api/endpoints`;
    assert.deepEqual(await (await fetch(api)).json(), CONTRACT);

    const replacement = { endpoints: [{ path: '/only', rules: [{ send: 'only' }] }] };
    const put = await fetch(api, { method: 'PUT', body: JSON.stringify(replacement) });
    assert.equal(put.status, 200);
    assert.deepEqual(await put.json(), replacement);
    const client = await openClient(url(station, '/only'));
    client.socket.send('x');
    assert.equal(await text(client), 'only');
    client.socket.close();

    const broken = await fetch(api, { method: 'PUT', body: '{"endpoints":[{"path":"/"}]}' });
    assert.equal(broken.status, 400);
    assert.match(((await broken.json()) as { error: string }).error, /^endpoints\[0\]\.path .*: \/ is reserved/);
    assert.deepEqual(await (await fetch(api)).json(), replacement, 'unchanged');

    const foreign = await fetch(api, {
      method: 'PUT',
      headers: { Origin: 'http://evil.example' },
      body: '{"endpoints":[]}',
    });
    assert.equal(foreign.status, 403);
    assert.deepEqual(await (await fetch(api)).json(), replacement, 'unchanged');
  });
});
