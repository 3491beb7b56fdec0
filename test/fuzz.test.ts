/**
 * Property-based fuzzing (fast-check) of a real station process: generated request lines,
 * targets and header sets, then generated frame sequences on accepted connections. Whatever
 * arrives, the process lives, every answer is a valid HTTP status or a valid close, a 101 is
 * always a registered peer (it is greeted), and a bystander keeps its ticks and echoes.
 *
 * Inputs that once broke the station are kept below as fixed examples, run on every pass.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { startCliStation } from './helpers/cli';
import { openClient, type Client } from './helpers/client';
import { encodeFrame, rawUpgrade, sendRaw, splitFrames, type ServerFrame } from './helpers/raw-websocket';

const ENDPOINT = '/websocket/test';
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const GREETING = '连接成功';

/** Header values: printable ASCII and some obs-text, never CR or LF (they would end the head). */
const headerText = fc.string({
  unit: fc.oneof(
    fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
    fc.constantFrom('\t', '\u00e9', '\u00ff'),
  ),
  maxLength: 40,
});

const segment = fc.oneof(
  fc.constantFrom(
    'websocket',
    'test',
    '.',
    '..',
    '%2e',
    '%2E',
    '%74est',
    '',
    '%',
    '%zz',
    '[',
    ']',
    '\\',
    '#',
    '@',
    ':',
  ),
  fc.string({ unit: fc.constantFrom(...Array.from('abcAZ09-._~!$&()*+,;=:@%/?#[]\\^`{|}"<>')), maxLength: 8 }),
);
const origin = fc.oneof(
  fc.constant('http://127.0.0.1'),
  fc
    .tuple(
      fc.constantFrom('http', 'https', 'ftp', 'ws'),
      fc.constantFrom('a', '[', '[::1]', '127.0.0.1', 'xn--', ''),
      fc.integer({ min: 0, max: 100_000 }),
    )
    .map(([scheme, host, port]) => `${scheme}://${host}:${port}`),
);
const path = fc.oneof(
  fc.constant(ENDPOINT),
  fc.array(segment, { maxLength: 5 }).map((segments) => `/${segments.join('/')}`),
);
const query = fc.option(
  fc.string({ unit: fc.constantFrom(...Array.from('token=abc&%/?#[] x')), maxLength: 16 }).map((text) => `?${text}`),
  { nil: '' },
);
const target = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(path, query).map(([p, q]) => p + q) },
  { weight: 1, arbitrary: fc.tuple(origin, path, query).map(([o, p, q]) => o + p + q) },
  { weight: 1, arbitrary: headerText },
);
const validKey = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((bytes) => Buffer.from(bytes).toString('base64'));

interface GeneratedRequest {
  method: string;
  target: string;
  version: string;
  headers: [string, string][];
}

/** Mostly well-formed upgrades with something wrong, so the generator reaches the station's own checks. */
const request: fc.Arbitrary<GeneratedRequest> = fc.record({
  method: fc.oneof(
    { weight: 4, arbitrary: fc.constant('GET') },
    { weight: 1, arbitrary: fc.constantFrom('POST', 'HEAD', 'PUT', 'OPTIONS', 'CONNECT', 'get', 'G ET', 'PRI') },
  ),
  target: fc.oneof({ weight: 1, arbitrary: fc.constant(ENDPOINT) }, { weight: 3, arbitrary: target }),
  version: fc.oneof(
    { weight: 4, arbitrary: fc.constant('HTTP/1.1') },
    { weight: 1, arbitrary: fc.constantFrom('HTTP/1.0', 'HTTP/1.2', 'HTTP/2.0', 'HTTP/0.9', 'http/1.1', 'HTTP/11') },
  ),
  headers: fc
    .record({
      host: maybe(fc.constant('127.0.0.1'), headerText),
      connection: maybe(fc.constant('Upgrade'), fc.constantFrom('upgrade', 'keep-alive, Upgrade', 'close', '')),
      upgrade: maybe(fc.constant('websocket'), fc.constantFrom('WebSocket', 'h2c', 'websocket, x', '')),
      version: maybe(fc.constant('13'), fc.oneof(fc.constantFrom('8', '14', '0', '-1', '13, 8', '013'), headerText)),
      key: maybe(validKey, headerText),
      protocol: maybe(fc.constantFrom('station.v1.json', 'chat, station.v1.json'), headerText, 2),
      extensions: maybe(fc.constant('permessage-deflate; client_max_window_bits'), headerText, 2),
      origin: maybe(origin, headerText, 2),
      authorization: maybe(
        headerText.map((text) => `Bearer ${text}`),
        headerText,
        2,
      ),
    })
    .chain((known) =>
      fc
        .array(
          fc.tuple(
            fc.oneof(
              fc.constantFrom('Sec-WebSocket-Key', 'Upgrade', 'Content-Length', 'Transfer-Encoding', 'Host'),
              fc.stringMatching(/^[A-Za-z-]{1,12}$/),
            ),
            headerText,
          ),
          { maxLength: 3 },
        )
        .map((extra) => [...namedHeaders(known), ...extra]),
    ),
});

/** A header that is usually present and usually well-formed (absent one time in `absentOneIn`). */
function maybe(
  valid: fc.Arbitrary<string>,
  invalid: fc.Arbitrary<string>,
  absentOneIn = 8,
): fc.Arbitrary<string | undefined> {
  const value = fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: invalid });
  return fc.option(value, { freq: absentOneIn, nil: undefined });
}

function namedHeaders(known: Partial<Record<string, string>>): [string, string][] {
  const names: Record<string, string> = {
    host: 'Host',
    connection: 'Connection',
    upgrade: 'Upgrade',
    version: 'Sec-WebSocket-Version',
    key: 'Sec-WebSocket-Key',
    protocol: 'Sec-WebSocket-Protocol',
    extensions: 'Sec-WebSocket-Extensions',
    origin: 'Origin',
    authorization: 'Authorization',
  };
  return Object.entries(known).flatMap(([field, value]) =>
    value === undefined ? [] : [[names[field] ?? field, value] as [string, string]],
  );
}

function requestBytes(port: number, generated: GeneratedRequest): string {
  const head = generated.headers
    .map(([name, value]) => `${name}: ${name === 'Host' && value === '127.0.0.1' ? `${value}:${port}` : value}\r\n`)
    .join('');
  return `${generated.method} ${generated.target} ${generated.version}\r\n${head}\r\n`;
}

const VALID_HEADERS: [string, string][] = [
  ['Host', '127.0.0.1'],
  ['Connection', 'Upgrade'],
  ['Upgrade', 'websocket'],
  ['Sec-WebSocket-Version', '13'],
  ['Sec-WebSocket-Key', 'bwb9SFiJONXhQ/A4pLaXIg=='],
];

/** Requests that once ended the station or got a 101 they should not have: a valid handshake but for one part. */
const REGRESSIONS: GeneratedRequest[] = [
  ...[
    'http://a:99999/websocket/test',
    '//[/x',
    '//%',
    '//a:70000/websocket/test',
    '/websocket/./test',
    '/x/../websocket/test',
    '/websocket/%2e/test',
    '/websocket\\test',
    '/websocket/test#x',
  ].map((regression) => ({ method: 'GET', target: regression, version: 'HTTP/1.1', headers: VALID_HEADERS })),
  { method: 'CONNECT', target: ENDPOINT, version: 'HTTP/1.1', headers: [] },
  // Announces a body it never sends: express's own final handler would wait for it.
  {
    method: 'POST',
    target: ENDPOINT,
    version: 'HTTP/1.1',
    headers: [...VALID_HEADERS.slice(0, 1), ['Content-Length', '1']],
  },
  { method: 'GET', target: ENDPOINT, version: 'HTTP/1.0', headers: VALID_HEADERS },
  { method: 'GET', target: ENDPOINT, version: 'HTTP/1.1', headers: VALID_HEADERS.slice(1) },
  {
    method: 'GET',
    target: ENDPOINT,
    version: 'HTTP/1.1',
    headers: VALID_HEADERS.map(([name, value]) => [name, name === 'Sec-WebSocket-Version' ? '013' : value]),
  },
];

function acceptFor(key: string): string {
  return createHash('sha1')
    .update(key + WEBSOCKET_GUID)
    .digest('base64');
}

function headerOf(generated: GeneratedRequest, name: string): string | undefined {
  return generated.headers.find(([header]) => header.toLowerCase() === name.toLowerCase())?.[1];
}

/** The station's complete frames so far; throws on anything a server may not send (RFC 6455 5.1, 5.2). */
function parseServerFrames(bytes: Buffer): ServerFrame[] {
  const { frames } = splitFrames(bytes);
  for (const frame of frames) {
    assert.equal(frame.masked, false, 'a server frame is never masked');
    assert.equal(frame.rsv, 0, 'no reserved bits without an extension');
    assert.ok([0x1, 0x2, 0x8, 0x9, 0xa].includes(frame.opcode), `opcode ${frame.opcode} from the station`);
  }
  return frames;
}

/** RFC 6455 7.4: codes an endpoint may put in a Close frame. */
function isSendableCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

function assertValidClose(frame: ServerFrame): void {
  if (frame.payload.length === 0) return;
  assert.ok(frame.payload.length >= 2, 'a close payload has a two-byte code');
  const code = frame.payload.readUInt16BE(0);
  assert.ok(isSendableCloseCode(code), `close code ${code}`);
  assert.doesNotThrow(() => new TextDecoder('utf-8', { fatal: true }).decode(frame.payload.subarray(2)));
}

interface GeneratedFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  payload: Uint8Array;
}

const frame: fc.Arbitrary<GeneratedFrame> = fc.record({
  fin: fc.boolean(),
  rsv: fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 7 }) }),
  opcode: fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(0x0, 0x1, 0x2) },
    { weight: 2, arbitrary: fc.constantFrom(0x8, 0x9, 0xa) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 15 }) },
  ),
  masked: fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  payload: fc.oneof(
    fc.uint8Array({ maxLength: 200 }),
    fc.string({ maxLength: 60 }).map((text) => new Uint8Array(Buffer.from(text))),
  ),
});

function frameBytes(generated: GeneratedFrame): Buffer {
  const bytes = encodeFrame(generated.opcode, Buffer.from(generated.payload), {
    mask: generated.masked,
    fin: generated.fin,
  });
  bytes[0] = (bytes[0] ?? 0) | (generated.rsv << 4);
  return bytes;
}

const frameSequence = fc.record({
  frames: fc.array(frame, { minLength: 1, maxLength: 6 }),
  /** Where the bytes are cut into separate writes. */
  cuts: fc.array(fc.nat(), { maxLength: 4 }),
  /** Ends with a frame whose announced length is longer than what is sent, instead of a Close. */
  truncated: fc.boolean(),
});

/**
 * Collects the station's frames from the socket until `enough` says so, the socket ends, or
 * `idleMs` pass without data. Call it before writing, so no answer is missed.
 */
async function collectFrames(
  socket: Socket,
  already: Buffer,
  enough: (frames: ServerFrame[]) => boolean,
  idleMs: number,
): Promise<ServerFrame[]> {
  let buffer = already;
  const connection = { ended: false };
  let lastData = Date.now();
  const onData = (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    lastData = Date.now();
  };
  const onEnd = () => (connection.ended = true);
  socket.on('data', onData);
  socket.on('close', onEnd);
  socket.on('error', onEnd);
  try {
    for (;;) {
      const frames = parseServerFrames(buffer);
      if (connection.ended || enough(frames) || Date.now() - lastData > idleMs) return frames;
      await sleep(5);
    }
  } finally {
    socket.off('data', onData);
  }
}

async function assertServed(bystander: Client, text: string): Promise<void> {
  bystander.socket.send(text);
  await bystander.inbox.nextMatching((m) => !m.isBinary && m.data.toString() === text, 5000);
  // A tick after the echo: the shared schedule is still running.
  await bystander.inbox.nextMatching((m) => /^[01]\.\d\d$/.test(m.data.toString()), 5000);
}

describe('fuzzing', () => {
  it('answers any request head with a valid status; a 101 only to a real handshake, and greeted', async (t) => {
    const station = await startCliStation(t, ['--quiet', '--tick-ms', '100']);
    const bystander = await openClient(`ws://127.0.0.1:${station.port}${ENDPOINT}`);
    const examples = REGRESSIONS.map((regression): [GeneratedRequest] => [regression]);
    const seen = new Set<number>();
    await fc.assert(
      fc.asyncProperty(request, async (generated) => {
        const response = await sendRaw(station.port, requestBytes(station.port, generated), true);
        assert.ok(response !== null, 'the station answered');
        if (response.status !== 101) response.socket.destroy();
        const match = /^HTTP\/1\.1 (\d{3}) /.exec(response.statusLine);
        assert.ok(match, `status line ${JSON.stringify(response.statusLine)}`);
        assert.ok(STATUS_CODES[Number(match[1])], `known status ${match[1]}`);
        seen.add(response.status);
        if (response.status !== 101) return;
        try {
          // Only a GET over HTTP/1.1 for exactly the endpoint, with version 13 and a valid key.
          assert.equal(generated.method, 'GET');
          assert.equal(generated.version, 'HTTP/1.1');
          assert.equal(generated.target.replace(/^[a-z]+:\/\/[^/]*/, '').split('?')[0], ENDPOINT);
          assert.equal(headerOf(generated, 'Sec-WebSocket-Version'), '13');
          assert.notEqual(headerOf(generated, 'Host'), undefined);
          assert.equal(headerOf(generated, 'Upgrade')?.toLowerCase(), 'websocket');
          const key = headerOf(generated, 'Sec-WebSocket-Key') ?? '';
          assert.equal(response.headers['sec-websocket-accept'], acceptFor(key));
          // A registered peer is greeted first; a socket outside the registry would not be.
          const frames = await collectFrames(response.socket, response.rest, (f) => f.length > 0, 2000);
          const greeting = frames[0]?.payload.toString() ?? '';
          assert.ok(greeting === GREETING || greeting.includes(`"text":"${GREETING}"`), `greeted: ${greeting}`);
        } finally {
          response.socket.destroy();
        }
      }),
      { numRuns: 2000, examples, timeout: 5000 },
    );
    // The generator reached the station's own checks, not only Node's parser.
    for (const status of [101, 400, 403, 404, 405, 426]) assert.ok(seen.has(status), `some request got ${status}`);
    assert.equal(station.child.exitCode, null, 'the station is still running');
    assert.doesNotMatch(station.output(), /internal error/);
    await assertServed(bystander, 'after the request fuzz');
    bystander.socket.close();
  });

  it('answers any frame sequence with valid frames and, when it closes, a valid close code', async (t) => {
    const station = await startCliStation(t, ['--quiet', '--tick-ms', '100', '--max-payload', '150']);
    const bystander = await openClient(`ws://127.0.0.1:${station.port}${ENDPOINT}`);
    await fc.assert(
      fc.asyncProperty(frameSequence, async ({ frames, cuts, truncated }) => {
        const peer = await rawUpgrade(station.port, ENDPOINT);
        assert.equal(peer.status, 101);
        // Complete frames end with a Close of our own, which the station must answer (if it has
        // not closed already); a truncated frame at the end leaves it waiting, which it may.
        const collectedAt = Date.now();
        const enough = truncated
          ? () => Date.now() - collectedAt > 150
          : (received: ServerFrame[]) => received.some((f) => f.opcode === 0x8);
        const answer = collectFrames(peer.socket, peer.rest, enough, 2000);
        try {
          const parts = frames.map(frameBytes);
          parts.push(
            truncated
              ? encodeFrame(0x2, randomBytes(100)).subarray(0, 40)
              : encodeFrame(0x8, Buffer.from([0x03, 0xe8])),
          );
          const bytes = Buffer.concat(parts);
          let start = 0;
          for (const cut of [...cuts.map((c) => c % (bytes.length + 1))].sort((a, b) => a - b)) {
            peer.socket.write(bytes.subarray(start, cut));
            start = cut;
            await sleep(1);
          }
          peer.socket.write(bytes.subarray(start));
          const received = await answer;
          const close = received.find((f) => f.opcode === 0x8);
          if (!truncated) assert.ok(close, 'the station answered with a Close');
          if (close) assertValidClose(close);
        } finally {
          peer.socket.destroy();
        }
      }),
      { numRuns: 500, timeout: 5000 },
    );
    assert.equal(station.child.exitCode, null, 'the station is still running');
    assert.doesNotMatch(station.output(), /internal error/);
    await assertServed(bystander, 'after the frame fuzz');
    bystander.socket.close();
  });
});
