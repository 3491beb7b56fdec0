/**
 * Property-based fuzzing (fast-check) of a real station process: generated request lines,
 * targets and header sets, then generated frame sequences on accepted connections: any frames,
 * and a client's messages (fragmented, with pings and pongs between the fragments, written whole,
 * in small pieces or a message and the start of the next at once, now and then broken in one
 * place). Whatever arrives, the process lives, nothing reaches its error guard, every answer is a
 * valid HTTP status or a valid close, a 101 is always a registered peer (it is greeted), a
 * client's messages get exactly the answers a client expects and its breaks the RFC's close code,
 * and a bystander keeps its ticks and echoes.
 *
 * Inputs that once broke the station are kept below as fixed examples, run on every pass.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { StationStatus } from '../common/station-status';
import { startCliStation } from './helpers/cli';
import { openClient, type Client } from './helpers/client';
import { closeCodeOf, encodeFrame, rawUpgrade, sendRaw, splitFrames, type ServerFrame } from './helpers/raw-websocket';

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

/** What an arbitrary generates. */
type Generated<A> = A extends fc.Arbitrary<infer T> ? T : never;

/** The frame station's --max-payload: small, so that generated messages reach it and go over it. */
const MAX_PAYLOAD = 150;

interface Control {
  opcode: 0x9 | 0xa;
  payload: Uint8Array;
}

/** A ping or a pong as a client may send it: FIN set, at most 125 bytes (RFC 6455 5.5), now and then nearly 125. */
const control: fc.Arbitrary<Control> = fc.record({
  opcode: fc.constantFrom(0x9 as const, 0xa as const),
  payload: fc.oneof(
    { weight: 4, arbitrary: fc.uint8Array({ maxLength: 16 }) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 120, maxLength: 125 }) },
  ),
});

interface Message {
  opcode: 0x1 | 0x2;
  payload: Uint8Array;
  /** Each fragment after the first: where the payload is cut for it, and the control frames sent just before it. */
  fragments: { at: number; controls: Control[] }[];
}

type Content = Pick<Message, 'opcode' | 'payload'>;
const text = (strings: fc.Arbitrary<string>): fc.Arbitrary<Content> =>
  strings.map((string) => ({ opcode: 0x1, payload: new Uint8Array(Buffer.from(string)) }));
const binary = (arrays: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Content> =>
  arrays.map((payload) => ({ opcode: 0x2, payload }));

/**
 * Cut into up to five fragments (cuts taken modulo the length, so empty fragments and cuts inside a
 * UTF-8 character occur), with pings and pongs between them: the first trick of the attack.
 */
function fragmented(
  content: fc.Arbitrary<Content>,
  controls = fc.array(control, { maxLength: 2 }),
): fc.Arbitrary<Message> {
  return fc
    .record({ content, fragments: fc.array(fc.record({ at: fc.nat(), controls }), { maxLength: 4 }) })
    .map(({ content: { opcode, payload }, fragments }) => ({ opcode, payload, fragments }));
}

/** Text (any code point; 37 take at most 148 bytes) and bytes, up to MAX_PAYLOAD exactly. */
const validMessage = fragmented(
  fc.oneof(
    text(fc.string({ unit: 'binary', maxLength: 37 })),
    text(fc.string({ minLength: MAX_PAYLOAD - 8, maxLength: MAX_PAYLOAD })),
    binary(fc.uint8Array({ maxLength: 40 })),
    binary(fc.uint8Array({ minLength: MAX_PAYLOAD - 8, maxLength: MAX_PAYLOAD })),
  ),
);

/** Never UTF-8 wherever they go in valid text: a stray byte, overlong, a surrogate, past U+10FFFF, cut short. */
const NOT_UTF8 = [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe8, 0xbf]];

/** No controls inside: a station may fail invalid text at the first bad fragment or at the end (RFC 6455 8.1). */
const invalidText = fragmented(
  fc
    .tuple(fc.string({ unit: 'binary', maxLength: 20 }), fc.constantFrom(...NOT_UTF8), fc.nat())
    .map(([string, bad, at]): Content => {
      const valid = Buffer.from(string);
      const cut = at % (valid.length + 1);
      return {
        opcode: 0x1,
        payload: new Uint8Array(Buffer.concat([valid.subarray(0, cut), Buffer.from(bad), valid.subarray(cut)])),
      };
    }),
  fc.constant([]),
);

const violation = fc.oneof(
  fc.record({
    kind: fc.constant('continuation without a start'),
    at: fc.nat(),
    fin: fc.boolean(),
    payload: fc.uint8Array({ maxLength: 8 }),
  }),
  fc.record({
    kind: fc.constant('new data frame inside a fragmented message'),
    at: fc.nat(),
    opcode: fc.constantFrom(0x1, 0x2),
    fin: fc.boolean(),
    payload: fc.uint8Array({ maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant('control frame without FIN'), at: fc.nat(), control }),
  fc.record({
    kind: fc.constant('control frame over 125 bytes'),
    at: fc.nat(),
    control: fc.record({
      opcode: fc.constantFrom(0x9 as const, 0xa as const),
      payload: fc.uint8Array({ minLength: 126, maxLength: 200 }),
    }),
  }),
  fc.record({ kind: fc.constant('text that is not UTF-8'), at: fc.nat(), message: invalidText }),
  fc.record({
    kind: fc.constant('message over maxPayload'),
    at: fc.nat(),
    message: fragmented(binary(fc.uint8Array({ minLength: MAX_PAYLOAD + 1, maxLength: 2 * MAX_PAYLOAD }))),
  }),
);
type Violation = Generated<typeof violation>;

const writePlan = fc.oneof(
  fc.record({ how: fc.constant('in one write') }),
  // The second trick: a message and the start of the next read in one go.
  fc.record({
    how: fc.constant('whole messages and the start of the next in one write'),
    message: fc.nat(),
    into: fc.nat(),
  }),
  fc.record({
    how: fc.constant('in small pieces'),
    sizes: fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 3 }),
  }),
  fc.record({ how: fc.constant('cut at random'), cuts: fc.array(fc.nat(), { maxLength: 4 }) }),
);
type WritePlan = Generated<typeof writePlan>;

/** Messages and control frames as a client sends them, valid most of the time, else broken in one place. */
const messageSequence = fc.record({
  items: fc.array(fc.oneof({ weight: 3, arbitrary: validMessage }, { weight: 1, arbitrary: control }), {
    minLength: 1,
    maxLength: 4,
  }),
  violation: fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: violation }),
  write: writePlan,
  /** Of a valid sequence, stop inside this message until the station shows it holds what came of it. */
  hold: fc.option(fc.record({ message: fc.nat(), at: fc.nat() }), { freq: 2, nil: undefined }),
});
type MessageSequence = Generated<typeof messageSequence>;

/** One frame on the wire, and what a client sees of it. */
interface WireFrame {
  bytes: Buffer;
  /** The echo of the message this frame completes (`text 6869`), or the payload a pong returns. */
  echo?: string;
  pong?: string;
  /** Whether a fragmented message is still open after this frame. */
  open: boolean;
  /** For a frame of a valid message: the message's number and how many payload bytes the frame carries. */
  message?: number;
  payloadBytes: number;
}

/** A message as the assertions show it: `text 6869`, `binary 00ff`. */
function show(opcode: number, payload: Uint8Array): string {
  return `${opcode === 0x1 ? 'text' : 'binary'} ${Buffer.from(payload).toString('hex')}`;
}

function controlFrame({ opcode, payload }: Control, open: boolean, fin = true): WireFrame {
  const bytes = encodeFrame(opcode, Buffer.from(payload), { fin });
  const pong = opcode === 0x9 && fin && payload.length <= 125 ? Buffer.from(payload).toString('hex') : undefined;
  return { bytes, pong, open, payloadBytes: 0 };
}

/** A message's frames: its fragments with the control frames between them; `number` marks a valid one. */
function messageFrames(message: Message, number?: number): WireFrame[] {
  const payload = Buffer.from(message.payload);
  const cuts = message.fragments.map((fragment) => fragment.at % (payload.length + 1)).sort((a, b) => a - b);
  const bounds = [0, ...cuts, payload.length];
  const frames: WireFrame[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    if (i > 0) frames.push(...(message.fragments[i - 1]?.controls ?? []).map((c) => controlFrame(c, true)));
    const piece = payload.subarray(bounds[i], bounds[i + 1]);
    const fin = i + 2 === bounds.length;
    frames.push({
      bytes: encodeFrame(i === 0 ? message.opcode : 0x0, piece, { fin }),
      echo: fin && number !== undefined ? show(message.opcode, payload) : undefined,
      open: !fin,
      message: number,
      payloadBytes: piece.length,
    });
  }
  return frames;
}

interface Plan {
  frames: WireFrame[];
  /** The frame at which the station must fail the connection (frames.length: none), and with what code. */
  failsAt: number;
  code: number;
}

/** The frames of a sequence, its violation (if any) put where the attacker would put it. */
function planOf({ items, violation }: MessageSequence): Plan {
  let number = 0;
  const frames = items.flatMap((item) =>
    'fragments' in item ? messageFrames(item, number++) : [controlFrame(item, false)],
  );
  if (violation === undefined) return { frames, failsAt: frames.length, code: 1000 };
  const gaps = Array.from({ length: frames.length + 1 }, (_, gap) => gap);
  const inside = gaps.filter((gap) => frames[gap - 1]?.open === true);
  const between = gaps.filter((gap) => frames[gap - 1]?.open !== true);
  const broken = violationFrames(violation, inside.length > 0);
  const where = { inside, between, anywhere: gaps }[broken.where];
  const gap = where[violation.at % where.length] ?? 0;
  frames.splice(gap, 0, ...broken.frames);
  return { frames, failsAt: gap + broken.failsAt, code: broken.code };
}

/** A violation's frames, where they may go (between messages, inside a fragmented one), and how it must fail. */
function violationFrames(
  violation: Violation,
  canBeInside: boolean,
): { frames: WireFrame[]; where: 'between' | 'inside' | 'anywhere'; failsAt: number; code: number } {
  const frame = (opcode: number, payload: Uint8Array, fin: boolean): WireFrame => ({
    bytes: encodeFrame(opcode, Buffer.from(payload), { fin }),
    open: false,
    payloadBytes: 0,
  });
  switch (violation.kind) {
    case 'continuation without a start':
      return { frames: [frame(0x0, violation.payload, violation.fin)], where: 'between', failsAt: 0, code: 1002 };
    case 'new data frame inside a fragmented message': {
      const bad = frame(violation.opcode, violation.payload, violation.fin);
      // Without a fragmented message to go in, it brings its own start.
      if (canBeInside) return { frames: [bad], where: 'inside', failsAt: 0, code: 1002 };
      return { frames: [frame(0x1, new Uint8Array(), false), bad], where: 'between', failsAt: 1, code: 1002 };
    }
    case 'control frame without FIN':
      return { frames: [controlFrame(violation.control, false, false)], where: 'anywhere', failsAt: 0, code: 1002 };
    case 'control frame over 125 bytes':
      return { frames: [controlFrame(violation.control, false)], where: 'anywhere', failsAt: 0, code: 1002 };
    case 'text that is not UTF-8': {
      assert.equal(isUtf8(violation.message.payload), false, 'the generator broke the text');
      const frames = messageFrames(violation.message);
      return { frames, where: 'between', failsAt: frames.length - 1, code: 1007 };
    }
    case 'message over maxPayload': {
      // It fails at the fragment that takes it over, after the pings before that one are answered.
      const frames = messageFrames(violation.message);
      let total = 0;
      const failsAt = frames.findIndex((f) => (total += f.payloadBytes) > MAX_PAYLOAD);
      return { frames, where: 'between', failsAt, code: 1009 };
    }
  }
}

/** Where the writes are cut, and how long to wait between them. */
function cutsOf(
  plan: WritePlan,
  frames: WireFrame[],
  total: number,
): { cuts: number[]; pause: () => Promise<unknown> } {
  const immediate = () => new Promise((resolve) => setImmediate(resolve));
  switch (plan.how) {
    case 'in one write':
      return { cuts: [], pause: immediate };
    case 'whole messages and the start of the next in one write': {
      // The first frame of a message that follows another, cut somewhere after its first byte.
      const starts = frameOffsets(frames).filter(({ frame, index }) => {
        const first = frames.findIndex((f) => f.message === frame.message);
        return frame.message !== undefined && frame.message > 0 && first === index;
      });
      const start = starts[plan.message % Math.max(1, starts.length)];
      if (start === undefined) return { cuts: [], pause: immediate };
      return { cuts: [start.offset + 1 + (plan.into % (start.frame.bytes.length - 1))], pause: () => sleep(1) };
    }
    case 'in small pieces': {
      // A turn of our event loop between pieces, not a timer: many still arrive as reads of their own.
      const cuts: number[] = [];
      for (let at = 0, i = 0; at < total; i++) cuts.push((at += plan.sizes[i % plan.sizes.length] ?? 1));
      return { cuts, pause: immediate };
    }
    case 'cut at random':
      return { cuts: plan.cuts.map((cut) => cut % (total + 1)).sort((a, b) => a - b), pause: () => sleep(1) };
  }
}

function frameOffsets(frames: WireFrame[]): { frame: WireFrame; index: number; offset: number; end: number }[] {
  let offset = 0;
  return frames.map((frame, index) => {
    const start = offset;
    offset += frame.bytes.length;
    return { frame, index, offset: start, end: offset };
  });
}

/** Writes bytes[from, to) cut at `cuts`, pausing between the writes. */
async function writeCut(
  socket: Socket,
  bytes: Buffer,
  [from, to]: [number, number],
  { cuts, pause }: { cuts: number[]; pause: () => Promise<unknown> },
): Promise<void> {
  let start = from;
  for (const cut of cuts) {
    if (cut <= start || cut >= to) continue;
    socket.write(bytes.subarray(start, cut));
    start = cut;
    await pause();
  }
  socket.write(bytes.subarray(start, to));
}

/**
 * Where to stop inside a message (after its first byte, before its last), and how many of its
 * payload bytes come before that point: the least the station must be holding for it meanwhile.
 */
function holdPoint(
  hold: { message: number; at: number },
  frames: WireFrame[],
): { at: number; payloadBytes: number; acrossControl: boolean } | undefined {
  const messages = new Set(frames.flatMap((f) => (f.message === undefined ? [] : [f.message])));
  if (messages.size === 0) return undefined;
  const number = hold.message % messages.size;
  const placed = frameOffsets(frames);
  const first = placed.findIndex(({ frame }) => frame.message === number);
  const last = placed.findLastIndex(({ frame }) => frame.message === number);
  const start = placed[first]?.offset ?? 0;
  const at = start + 1 + (hold.at % ((placed[last]?.end ?? 0) - start - 1));
  let payloadBytes = 0;
  let acrossControl = false;
  for (const { frame, offset, end } of placed.slice(first, last + 1)) {
    const payloadStart = end - frame.payloadBytes;
    if (frame.message === number) payloadBytes += Math.min(Math.max(at - payloadStart, 0), frame.payloadBytes);
    else if (end <= at && payloadBytes > 0) acrossControl = true;
    if (offset >= at) break;
  }
  return { at, payloadBytes, acrossControl };
}

interface Answers {
  echoes: string[];
  pongs: string[];
  close?: ServerFrame;
  /** Frames the station sent after its Close (it may send none). */
  afterClose: number;
}

function isTick(frame: ServerFrame): boolean {
  return frame.opcode === 0x1 && /^[01]\.\d\d$/.test(frame.payload.toString());
}

/**
 * What a client sees after the greeting: echoes and pongs, in order, and the Close. A tick is
 * dropped unless it is the echo due (on the plain wire an echo of `0.42` looks like a tick); the
 * station's own heartbeat pings are not answers.
 */
function answersIn(frames: ServerFrame[], expectedEchoes: string[]): Answers {
  const answers: Answers = { echoes: [], pongs: [], afterClose: 0 };
  for (const frame of frames.slice(1)) {
    if (answers.close) answers.afterClose += 1;
    else if (frame.opcode === 0x8) answers.close = frame;
    else if (frame.opcode === 0xa) answers.pongs.push(frame.payload.toString('hex'));
    else if (frame.opcode === 0x1 || frame.opcode === 0x2) {
      // One frame per message, whatever its fragments were: an echo without FIN shows as such.
      const echo = show(frame.opcode, frame.payload) + (frame.fin ? '' : ' without FIN');
      if (echo === expectedEchoes[answers.echoes.length] || !isTick(frame)) answers.echoes.push(echo);
    }
  }
  return answers;
}

async function stationStatus(port: number): Promise<StationStatus> {
  const response = await fetch(`http://127.0.0.1:${port}/api/status`);
  assert.equal(response.status, 200);
  return (await response.json()) as StationStatus;
}

/** Asks the status until `accept` says so or `timeoutMs` pass; returns the last one. */
async function statusWhen(port: number, accept: (status: StationStatus) => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await stationStatus(port);
    if (accept(status) || Date.now() > deadline) return status;
    await sleep(5);
  }
}

/** Whether the first `written` bytes hold a whole message and the start, not the end, of another. */
function endsInsideALaterMessage(frames: WireFrame[], written: number): boolean {
  const spans = new Map<number, { start: number; end: number }>();
  for (const { frame, offset, end } of frameOffsets(frames)) {
    if (frame.message !== undefined)
      spans.set(frame.message, { start: spans.get(frame.message)?.start ?? offset, end });
  }
  const all = [...spans.values()];
  return all.some((span) => span.end <= written) && all.some((span) => span.start < written && written < span.end);
}

/**
 * Sends a sequence of messages and control frames the way `write` says; a valid one must get
 * exactly a client's answers and stay open until our Close, a broken one the RFC's close code
 * after the answers to what came before the break. `note` counts what the generator reached.
 */
async function checkMessages(port: number, sequence: MessageSequence, note: (what: string) => void): Promise<void> {
  const { frames, failsAt, code } = planOf(sequence);
  const valid = failsAt === frames.length;
  const taken = frames.slice(0, failsAt);
  const expected = {
    echoes: taken.flatMap((f) => (f.echo === undefined ? [] : [f.echo])),
    pongs: taken.flatMap((f) => (f.pong === undefined ? [] : [f.pong])),
  };
  const ourClose = encodeFrame(0x8, Buffer.from([0x03, 0xe8]));
  // A broken sequence ends with our Close too: a station that missed the break answers it with 1000.
  const bytes = Buffer.concat([...frames.map((f) => f.bytes), ...(valid ? [] : [ourClose])]);
  const cuts = cutsOf(sequence.write, frames, bytes.length);
  const hold = valid && sequence.hold ? holdPoint(sequence.hold, frames) : undefined;
  const firstWrite = Math.min(bytes.length, hold?.at ?? Infinity, ...cuts.cuts.filter((cut) => cut > 0));
  note(valid ? 'valid' : (sequence.violation?.kind ?? ''));
  if (valid && frames.some((f, i) => f.message === undefined && f.open && frames[i - 1]?.open)) {
    note('valid, with control frames between fragments');
  }
  if (endsInsideALaterMessage(frames, firstWrite)) note('whole messages and the start of the next in one write');
  if (sequence.write.how === 'in small pieces') note('in small pieces');

  const peer = await rawUpgrade(port, ENDPOINT);
  assert.equal(peer.status, 101);
  peer.socket.setNoDelay(true);
  const watch = watchFrames(peer.socket, peer.rest);
  const heldFor = (status: StationStatus) =>
    status.peers.find((p) => p.remotePort === peer.socket.localPort)?.heldInputBytes;
  const closedEarly = () => {
    const close = answersIn(watch.frames(), []).close;
    return close && closeCodeOf(close);
  };
  try {
    let written = 0;
    if (hold) {
      await writeCut(peer.socket, bytes, [0, hold.at], cuts);
      written = hold.at;
      if (hold.payloadBytes > 0) {
        // What the station must hold for a message still arriving: every fragment so far, also
        // across the pings between them and after whole messages read in the same chunk.
        const enough = (held = -1) => held >= hold.payloadBytes;
        const held = heldFor(await statusWhen(port, (s) => enough(heldFor(s)) || closedEarly() !== undefined, 1000));
        assert.equal(closedEarly(), undefined, 'a valid sequence is not closed');
        assert.ok(enough(held), `held ${held} bytes of a message ${hold.payloadBytes} bytes into its payload`);
        note(hold.acrossControl ? 'held across a control frame between fragments' : 'held while arriving');
      }
    }
    await writeCut(peer.socket, bytes, [written, bytes.length], cuts);
    // A valid sequence is answered in full; a broken one, until the station's Close.
    const allIn = (received: ServerFrame[]) => {
      const answers = answersIn(received, expected.echoes);
      if (answers.close !== undefined || !valid) return answers.close !== undefined;
      return answers.echoes.length >= expected.echoes.length && answers.pongs.length >= expected.pongs.length;
    };
    let received = await watch.until(allIn, 3000);
    assert.ok(received[0]?.payload.toString() === GREETING, 'greeted first');
    let answers = answersIn(received, expected.echoes);
    if (valid) {
      assert.equal(closedEarly(), undefined, 'a valid sequence is not closed');
      assert.ok(!watch.ended, 'the connection stays open');
      assert.deepEqual(
        answers,
        { ...expected, afterClose: 0 },
        'each message echoed once, each ping answered, in order',
      );
      // Every message is in and answered (a trailing pong has no answer to wait for, hence the
      // polling): the station holds nothing more for this peer.
      const held = heldFor(await statusWhen(port, (s) => heldFor(s) === 0, 1000));
      assert.equal(held, 0, 'input held once everything is answered');
      peer.socket.write(ourClose);
      received = await watch.until((f) => answersIn(f, expected.echoes).close !== undefined, 3000);
      answers = answersIn(received, expected.echoes);
    }
    const { close, ...seen } = answers;
    assert.ok(close, valid ? 'the station answered our Close' : `the station closed on a ${sequence.violation?.kind}`);
    assertValidClose(close);
    assert.equal(closeCodeOf(close), code, 'close code');
    assert.deepEqual(seen, { ...expected, afterClose: 0 }, 'answers to what came before the Close, and nothing after');
    assert.equal((await stationStatus(port)).internalErrors, 0, 'nothing reached the error guard');
  } finally {
    watch.stop();
    peer.socket.destroy();
  }
}

interface FrameWatch {
  /** Whether the connection has ended. */
  readonly ended: boolean;
  /** The complete frames so far. */
  frames(): ServerFrame[];
  /** Waits until `enough` says so, the socket ends, or `timeoutMs` pass; returns the frames so far. */
  until(enough: (frames: ServerFrame[]) => boolean, timeoutMs: number): Promise<ServerFrame[]>;
  stop(): void;
}

/** Gathers the station's frames from the socket. Call it before writing, so no answer is missed. */
function watchFrames(socket: Socket, already: Buffer): FrameWatch {
  let buffer = already;
  let ended = false;
  const onData = (chunk: Buffer) => (buffer = Buffer.concat([buffer, chunk]));
  const onEnd = () => (ended = true);
  socket.on('data', onData);
  socket.on('close', onEnd);
  socket.on('error', onEnd);
  return {
    get ended() {
      return ended;
    },
    frames: () => parseServerFrames(buffer),
    async until(enough, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const frames = parseServerFrames(buffer);
        if (ended || enough(frames) || Date.now() > deadline) return frames;
        await sleep(2);
      }
    },
    stop() {
      socket.off('data', onData);
      socket.off('close', onEnd);
      socket.off('error', onEnd);
    },
  };
}

/** The station's frames until `enough` says so, the socket ends, or `timeoutMs` pass. */
async function collectFrames(
  socket: Socket,
  already: Buffer,
  enough: (frames: ServerFrame[]) => boolean,
  timeoutMs: number,
): Promise<ServerFrame[]> {
  const watch = watchFrames(socket, already);
  try {
    return await watch.until(enough, timeoutMs);
  } finally {
    watch.stop();
  }
}

/** Any frames at all, cut anywhere: whatever the station makes of them, what it sends is valid. */
async function checkFrames(port: number, { frames, cuts, truncated }: Generated<typeof frameSequence>): Promise<void> {
  const peer = await rawUpgrade(port, ENDPOINT);
  assert.equal(peer.status, 101);
  const watch = watchFrames(peer.socket, peer.rest);
  try {
    // Complete frames end with a Close of our own, which the station must answer (if it has
    // not closed already); a truncated frame at the end leaves it waiting, which it may.
    const collectedAt = Date.now();
    const enough = truncated
      ? () => Date.now() - collectedAt > 150
      : (received: ServerFrame[]) => received.some((f) => f.opcode === 0x8);
    const parts = frames.map(frameBytes);
    parts.push(
      truncated ? encodeFrame(0x2, randomBytes(100)).subarray(0, 40) : encodeFrame(0x8, Buffer.from([0x03, 0xe8])),
    );
    const bytes = Buffer.concat(parts);
    let start = 0;
    for (const cut of [...cuts.map((c) => c % (bytes.length + 1))].sort((a, b) => a - b)) {
      peer.socket.write(bytes.subarray(start, cut));
      start = cut;
      await sleep(1);
    }
    peer.socket.write(bytes.subarray(start));
    const received = await watch.until(enough, 3000);
    const close = received.find((f) => f.opcode === 0x8);
    if (!truncated) assert.ok(close, 'the station answered with a Close');
    if (close) assertValidClose(close);
    assert.equal((await stationStatus(port)).internalErrors, 0, 'nothing reached the error guard');
  } finally {
    watch.stop();
    peer.socket.destroy();
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

  it('answers any frame sequence with valid frames and a valid close, and messages as a client expects', async (t) => {
    const station = await startCliStation(t, ['--quiet', '--tick-ms', '100', '--max-payload', String(MAX_PAYLOAD)]);
    const bystander = await openClient(`ws://127.0.0.1:${station.port}${ENDPOINT}`);
    t.after(() => bystander.socket.terminate());
    const reached = new Map<string, number>();
    const note = (what: string) => reached.set(what, (reached.get(what) ?? 0) + 1);
    const sequence = fc.oneof(
      frameSequence.map((frames) => ({ frames })),
      messageSequence.map((messages) => ({ messages })),
    );
    await fc.assert(
      fc.asyncProperty(sequence, (generated) =>
        'frames' in generated
          ? checkFrames(station.port, generated.frames)
          : checkMessages(station.port, generated.messages, note),
      ),
      // A failing case waits out its timeouts: shrinking stops after a minute with the smallest failure so
      // far; a run cut short by that minute fails rather than passing on fewer cases.
      { numRuns: 600, timeout: 5000, interruptAfterTimeLimit: 60_000, markInterruptAsFailure: true },
    );
    // The generator reached every kind of sequence, break and way of writing.
    for (const what of [
      'valid',
      'valid, with control frames between fragments',
      'continuation without a start',
      'new data frame inside a fragmented message',
      'control frame without FIN',
      'control frame over 125 bytes',
      'text that is not UTF-8',
      'message over maxPayload',
      'held while arriving',
      'held across a control frame between fragments',
      'whole messages and the start of the next in one write',
      'in small pieces',
    ]) {
      assert.ok(reached.has(what), `no sequence: ${what}`);
    }
    assert.equal(station.child.exitCode, null, 'the station is still running');
    assert.doesNotMatch(station.output(), /internal error/);
    await assertServed(bystander, 'after the frame fuzz');
    bystander.socket.close();
  });
});
