/**
 * Scripted endpoints as the desktop window edits them: one text per endpoint, each problem placed
 * in its own text; the file in the user-data folder; Try it; applying to a running station.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { joinEndpointTexts, splitEndpointTexts } from '../common/endpoints-text';
import type { EndpointTryResult } from '../common/desktop';
import { ENDPOINTS_FILE, loadStoredEndpoints, NO_ENDPOINTS, saveEndpoints } from '../main/desktop/endpoints-store';
import { DEFAULT_SETTINGS } from '../main/desktop/settings';
import { StationHost } from '../main/desktop/station-host';
import { EndpointTextError, loadEndpointTexts } from '../main/station/endpoints/endpoint-texts';
import { loadDefinitions } from '../main/station/endpoints/definitions';
import { tryMessage } from '../main/station/endpoints/try-message';
import { closed, openClient } from './helpers/client';
import { CONTRACT } from './helpers/endpoints-contract';
import { tempFolder } from './helpers/temp-folder';

const contractTexts = () => CONTRACT.endpoints.map((endpoint) => JSON.stringify(endpoint, null, 2));

/** The problem loading `texts` gives: which text, the marked characters, the message. */
function problemOf(texts: string[]): { part: number | null; marked: string; message: string } {
  try {
    loadEndpointTexts(texts);
  } catch (error) {
    assert.ok(error instanceof EndpointTextError);
    const text = error.part === null ? '' : (texts[error.part] ?? '');
    const { offset, length } = error.location ?? { offset: 0, length: 0 };
    return { part: error.part, marked: text.slice(offset, offset + length), message: error.message };
  }
  assert.fail('the texts loaded');
}

describe('endpoint texts', () => {
  it('load as the file they make, the contract served as written', () => {
    const loaded = loadEndpointTexts(contractTexts());
    assert.deepEqual(loaded.definitions, CONTRACT);
    assert.deepEqual(loadEndpointTexts([]).definitions, { endpoints: [] });
  });

  it("place each problem in its endpoint's text, with that text's line and column", () => {
    const [prices = '', login = ''] = contractTexts();
    const misspelt = login.replace('"setState"', '"setStat"');
    assert.deepEqual(problemOf([prices, misspelt]), {
      part: 1,
      marked: '"setStat": "in"',
      message: 'rules[0] (line 13, column 7): unknown key "setStat"',
    });
    assert.deepEqual(problemOf([prices.replace('"/prices"', '"/login"'), login]), {
      part: 1,
      marked: '"path": "/login"',
      message: 'path (line 2, column 3): /login is defined twice',
    });
    const unclosed = problemOf([prices, '{\n  "path": "/x",\n  "rules": [\n}']);
    assert.equal(unclosed.part, 1);
    assert.match(unclosed.message, /^Not JSON: a value expected at line 4, column 1$/);
    assert.deepEqual(problemOf([prices, '"just a string"']), {
      part: 1,
      marked: '"just a string"',
      message: 'the endpoint (line 1, column 1): Invalid input: expected object, received string',
    });
  });

  it('refuse a text that is more than one endpoint, or none', () => {
    // Joined as they are, these would make a valid file of three endpoints out of two texts.
    const smuggled = problemOf(['{"path":"/a"}, {"path":"/b"}', '{"path":"/c"}']);
    assert.equal(smuggled.part, 0);
    assert.match(smuggled.message, /^Not JSON: text after the end of the JSON value at line 1, column 14$/);
    assert.match(problemOf(['{"path":"/a"}', '  ']).message, /^Not JSON: a value expected at line 1, column 3$/);
    assert.match(problemOf(['{"path":"/a"}', '{"path":"/b"}]}']).message, /^Not JSON: text after the end/);
  });

  it('survive a save and a split as they were written (generated layouts)', () => {
    const endpoint = fc.record({
      path: fc.stringMatching(/^\/[a-z0-9-]{1,12}$/),
      fallback: fc.constantFrom('echo', 'none'),
      rules: fc.array(fc.record({ match: fc.record({ text: fc.string() }), send: fc.string() }), { maxLength: 3 }),
    });
    fc.assert(
      fc.property(fc.array(fc.tuple(endpoint, fc.constantFrom(0, 2, 4, '\t')), { maxLength: 4 }), (endpoints) => {
        const texts = endpoints.map(([value, indent]) => JSON.stringify(value, null, indent));
        const file = joinEndpointTexts(texts);
        assert.deepEqual(splitEndpointTexts(file), texts);
        assert.deepEqual(
          JSON.parse(file),
          JSON.parse(JSON.stringify({ endpoints: endpoints.map(([value]) => value) })),
        );
      }),
    );
  });

  it("split a hand-written file's endpoints back to column 0", () => {
    const file = '{ "endpoints": [\n      {\n        "path": "/a"\n      },\n      { "path": "/b" }\n  ] }';
    assert.deepEqual(splitEndpointTexts(file), ['{\n  "path": "/a"\n}', '{ "path": "/b" }']);
    assert.equal(splitEndpointTexts('{"endpoints": {}}'), null);
    assert.equal(splitEndpointTexts('not json'), null);
  });
});

describe('endpoints file in the user-data folder', () => {
  it('round-trips, in the format --endpoints reads', (t) => {
    const folder = tempFolder(t, 'endpoints');
    assert.deepEqual(loadStoredEndpoints(folder), { endpoints: NO_ENDPOINTS, problem: null });
    saveEndpoints(folder, contractTexts());
    assert.deepEqual(readdirSync(folder), [ENDPOINTS_FILE], 'no partial file left behind');
    const text = readFileSync(join(folder, ENDPOINTS_FILE), 'utf8');
    assert.deepEqual(loadDefinitions(text).definitions, CONTRACT);
    const stored = loadStoredEndpoints(folder);
    assert.equal(stored.problem, null);
    assert.deepEqual(stored.endpoints.texts, contractTexts());
    assert.deepEqual(stored.endpoints.loaded.definitions, CONTRACT);
  });

  it('sets a file that does not load aside, says why and where, and serves none', (t) => {
    const folder = tempFolder(t, 'endpoints');
    writeFileSync(join(folder, ENDPOINTS_FILE), '{"endpoints": [{"path": "/api/x"}]}');
    const { endpoints, problem } = loadStoredEndpoints(folder, new Date('2026-12-03T10:00:00Z'));
    assert.equal(endpoints, NO_ENDPOINTS);
    assert.equal(
      problem,
      'The endpoints file could not be used: endpoints[0].path (line 1, column 17): /api/x is reserved for the ' +
        "station's page and API. It was kept as endpoints.json.corrupt-2026-12-03T10-00-00-000Z; no endpoints are served.",
    );
    assert.deepEqual(readdirSync(folder), ['endpoints.json.corrupt-2026-12-03T10-00-00-000Z']);
  });
});

describe('station host and scripted endpoints', () => {
  const host = () => new StationHost({ ...DEFAULT_SETTINGS, port: 0, lanAccess: false }, '1.2.3');
  const tryText = (text: string, message: string | Uint8Array, state = 'start'): EndpointTryResult =>
    host().tryEndpoint({
      text,
      message: typeof message === 'string' ? { binary: false, text: message } : { binary: true, bytes: message },
      state,
    });
  const sentTexts = (result: EndpointTryResult) =>
    result.ok ? result.sends.map((send) => ('bytes' in send ? Buffer.from(send.bytes).toString() : send.problem)) : [];

  it('try a message without sending: the rule that fires, what it renders, state, delay and close', () => {
    const [prices = '', login = ''] = contractTexts();
    const welcome = tryText(login, 'secret');
    assert.deepEqual(
      { ...welcome, sends: sentTexts(welcome) },
      {
        ok: true,
        rule: 0,
        fallback: 'echo',
        sends: ['welcome'],
        to: 'sender',
        delayMs: null,
        setState: 'in',
        close: null,
      },
    );
    assert.deepEqual(sentTexts(tryText(login, 'whoami', 'in')), ['member 0']);
    assert.deepEqual(sentTexts(tryText(login, 'whoami')), ['nobody']);
    const pong = tryText(prices, 'ping');
    assert.ok(pong.ok);
    assert.deepEqual([pong.rule, pong.delayMs], [1, [300, 300]]);
    assert.deepEqual(sentTexts(tryText(prices, '{"type":"subscribe","id":7}')), ['{"ack":7}']);
    const bye = tryText(prices, 'bye');
    assert.ok(bye.ok);
    assert.deepEqual([bye.rule, bye.sends, bye.close], [3, [], { code: 4000, reason: 'bye' }]);
    const unmatched = tryText(login, new Uint8Array([1, 2]));
    assert.ok(unmatched.ok);
    assert.deepEqual(
      [unmatched.rule, unmatched.fallback, unmatched.sends],
      [null, 'echo', [{ binary: true, bytes: new Uint8Array([1, 2]) }]],
    );
    const silent = tryText(prices, 'anything');
    assert.ok(silent.ok);
    assert.deepEqual([silent.rule, silent.fallback, silent.sends], [null, 'none', []]);
  });

  it('try says what cannot be sent, and why a definition cannot be tried', () => {
    const [echoing] = loadEndpointTexts(['{"path": "/x", "rules": [{"send": "{{message.text}}"}]}']).endpoints;
    assert.ok(echoing);
    const oversized = tryMessage(echoing, Buffer.from('hello world'), false, 'start', 4);
    assert.deepEqual(oversized.sends, [{ binary: false, problem: '11 bytes, more than maxPayload (4)' }]);
    const broken = tryText('{"path": "/x", "rules": [{"send": "{{oops"}]}', 'a');
    assert.ok(!broken.ok);
    assert.match(broken.message, /^rules\[0\]\.send \(line 1, column 27\): the template does not parse/);
    const failing = tryText('{"path": "/x", "rules": [{"send": "{{randomInt 1 0}}"}]}', 'a');
    assert.ok(failing.ok);
    assert.match(sentTexts(failing)[0] ?? '', /randomInt/);
    assert.equal(host().tryEndpoint({ text: 1, message: null, state: 'start' }).ok, false);
  });

  it('answers any texts and any tried message with a result, never an exception (generated input)', () => {
    const station = host();
    const [prices = '', login = ''] = contractTexts();
    // Real texts cut, spliced and mixed with junk: the edits a person makes on the way.
    const text = fc.oneof(
      fc.constantFrom(prices, login),
      fc.string(),
      fc.json(),
      fc
        .tuple(fc.constantFrom(prices, login), fc.nat(), fc.nat(), fc.string())
        .map(
          ([base, at, cut, inserted]) =>
            base.slice(0, at % base.length) + inserted + base.slice((at % base.length) + (cut % 20)),
        ),
    );
    fc.assert(
      fc.property(
        fc.array(text, { maxLength: 4 }),
        fc.string(),
        fc.uint8Array({ maxLength: 16 }),
        (texts, typed, bytes) => {
          const check = station.checkEndpoints(texts);
          if (!check.ok && check.part !== null) {
            const part = texts[check.part] ?? '';
            assert.ok(check.offset >= 0 && check.offset + check.length <= part.length, 'the mark is inside its text');
          }
          for (const candidate of texts) {
            const message = typed.length % 2 === 0 ? { binary: false, text: typed } : { binary: true, bytes };
            const tried = station.tryEndpoint({ text: candidate, message, state: typed });
            assert.equal(typeof tried.ok, 'boolean');
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('applies endpoint texts to the running station and to the next one after a restart', async (t) => {
    const running = host();
    t.after(() => running.stop());
    await running.start();
    const refused = running.applyEndpoints(['{"path": "/websocket/test"}']);
    assert.deepEqual(refused, {
      ok: false,
      part: 0,
      offset: 1,
      length: 25,
      message: "path (line 1, column 2): /websocket/test is the station's own endpoint",
    });
    assert.deepEqual(running.applyEndpoints(contractTexts()), { ok: true, paths: ['/prices', '/login'] });
    assert.deepEqual(running.endpointTexts(), contractTexts());
    const port = running.station?.port;
    const login = await openClient(`ws://127.0.0.1:${port}/login`, ['graphql-transport-ws']);
    login.socket.send('secret');
    assert.equal((await login.inbox.next()).data.toString(), 'welcome');
    // Settings restart the station: it comes back with the same endpoints.
    const gone = closed(login.socket);
    assert.ok((await running.apply({ ...running.currentSettings, tickMs: 500 })).ok);
    assert.equal((await gone).code, 1001);
    const again = await openClient(`ws://127.0.0.1:${running.station?.port}/login`, ['graphql-transport-ws']);
    again.socket.send('whoami');
    assert.equal((await again.inbox.next()).data.toString(), 'nobody');
    assert.deepEqual(running.checkEndpoints('not a list'), {
      ok: false,
      part: null,
      offset: 0,
      length: 0,
      message: 'Endpoints are a list of JSON texts',
    });
    again.socket.close();
  });
});
