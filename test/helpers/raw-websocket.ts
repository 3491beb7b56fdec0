/**
 * Speaks HTTP and WebSocket frames byte by byte, for what a well-behaved client library will
 * not send: odd handshakes, unmasked or malformed frames.
 */
import { connect, type Socket } from 'node:net';

/** The seed article's pair, straight from RFC 6455's algorithm. */
export const SEED_KEY = 'bwb9SFiJONXhQ/A4pLaXIg==';
export const SEED_ACCEPT = '2jrbCWSCPlzPtxarlGTp4Y8XD20=';

export interface RawResponse {
  /** The response's first line, e.g. `HTTP/1.1 404 Not Found`. */
  statusLine: string;
  status: number;
  headers: Record<string, string>;
  body: string;
  socket: Socket;
  /** Bytes that arrived after the response head (frames, after a 101). */
  rest: Buffer;
}

/** Sends an upgrade request; a header given as undefined is left out. */
export async function rawUpgrade(
  port: number,
  path: string,
  headers: Record<string, string | undefined> = {},
  method = 'GET',
  httpVersion = 'HTTP/1.1',
): Promise<RawResponse> {
  const all: Record<string, string | undefined> = {
    Host: `127.0.0.1:${port}`,
    Connection: 'Upgrade',
    Upgrade: 'websocket',
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Key': SEED_KEY,
    ...headers,
  };
  const head = Object.entries(all)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  const response = await sendRaw(port, `${method} ${path} ${httpVersion}\r\n${head}\r\n`);
  if (response === null) throw new Error(`connection closed without a response to ${method} ${path}`);
  return response;
}

/**
 * Sends bytes exactly as given and reads the response head; resolves at a 101 (the socket stays
 * open for frames) or when the station ends the connection, with null if it never answered.
 * With `headOnly`, resolves as soon as any response head is in (the body is not awaited).
 */
export function sendRaw(port: number, request: string | Buffer, headOnly = false): Promise<RawResponse | null> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let received = Buffer.alloc(0);
    let parsed: Omit<RawResponse, 'body' | 'rest'> | undefined;
    // A reset (or a refused connection) ends in 'close' too, which decides what was answered.
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (parsed || end === -1) return;
      const [statusLine = '', ...lines] = received.subarray(0, end).toString('latin1').split('\r\n');
      const headerMap: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headerMap[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      parsed = { statusLine, status: Number(statusLine.split(' ')[1]), headers: headerMap, socket };
      if (parsed.status === 101 || headOnly) {
        socket.removeAllListeners('data');
        resolve({ ...parsed, body: '', rest: received.subarray(end + 4) });
      }
    });
    socket.on('close', () => {
      if (!parsed) {
        resolve(null);
        return;
      }
      const end = received.indexOf('\r\n\r\n');
      resolve({ ...parsed, body: received.subarray(end + 4).toString('utf8'), rest: Buffer.alloc(0) });
    });
  });
}

export interface FrameOptions {
  mask?: boolean;
  fin?: boolean;
}

/** One client frame. Clients must mask (RFC 6455 5.3); `mask: false` breaks that rule on purpose. */
export function encodeFrame(opcode: number, payload: Buffer, { mask = true, fin = true }: FrameOptions = {}): Buffer {
  const length = payload.length;
  const lengthBytes = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const header = Buffer.alloc(2 + lengthBytes + (mask ? 4 : 0));
  header[0] = (fin ? 0x80 : 0) | opcode;
  header[1] = (mask ? 0x80 : 0) | (length < 126 ? length : length < 65536 ? 126 : 127);
  if (lengthBytes === 2) header.writeUInt16BE(length, 2);
  if (lengthBytes === 8) header.writeBigUInt64BE(BigInt(length), 2);
  if (!mask) return Buffer.concat([header, payload]);
  const key = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  key.copy(header, 2 + lengthBytes);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ (key[i % 4] ?? 0)));
  return Buffer.concat([header, masked]);
}

export interface ServerFrame {
  opcode: number;
  /** Whether the frame is the last of its message (FIN). */
  fin: boolean;
  /** Set on the first frame of a compressed message (permessage-deflate). */
  rsv1: boolean;
  /** All three reserved bits (RSV1 RSV2 RSV3), as a number from 0 to 7. */
  rsv: number;
  /** Whether the frame carried a masking key (a server's never may, RFC 6455 5.1). */
  masked: boolean;
  payload: Buffer;
}

/** Splits the complete frames off the front of `bytes` (RFC 6455 5.2); `rest` is what is left. */
export function splitFrames(bytes: Buffer): { frames: ServerFrame[]; rest: Buffer } {
  const frames: ServerFrame[] = [];
  let offset = 0;
  for (;;) {
    if (bytes.length - offset < 2) break;
    const first = bytes[offset] ?? 0;
    const second = bytes[offset + 1] ?? 0;
    let length = second & 0x7f;
    let headerLength = 2;
    if (length === 126) {
      if (bytes.length - offset < 4) break;
      length = bytes.readUInt16BE(offset + 2);
      headerLength = 4;
    } else if (length === 127) {
      if (bytes.length - offset < 10) break;
      length = Number(bytes.readBigUInt64BE(offset + 2));
      headerLength = 10;
    }
    const masked = (second & 0x80) !== 0;
    if (masked) headerLength += 4;
    if (bytes.length - offset < headerLength + length) break;
    frames.push({
      opcode: first & 0x0f,
      fin: (first & 0x80) !== 0,
      rsv1: (first & 0x40) !== 0,
      rsv: (first & 0x70) >> 4,
      masked,
      payload: bytes.subarray(offset + headerLength, offset + headerLength + length),
    });
    offset += headerLength + length;
  }
  return { frames, rest: bytes.subarray(offset) };
}

/** Reads the server's (unmasked) frames until it sends a close frame; returns them all. */
export function readUntilClose(socket: Socket, already: Buffer): Promise<ServerFrame[]> {
  return new Promise((resolve, reject) => {
    let buffer = already;
    const frames: ServerFrame[] = [];
    const parse = () => {
      const split = splitFrames(buffer);
      buffer = split.rest;
      for (const frame of split.frames) {
        frames.push(frame);
        if (frame.opcode === 0x8) {
          resolve(frames);
          return;
        }
      }
    };
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      parse();
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('socket closed before a close frame')));
    parse();
  });
}

export function closeCodeOf(frame: ServerFrame | undefined): number {
  return frame?.payload.readUInt16BE(0) ?? -1;
}
