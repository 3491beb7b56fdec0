/** A ws client that keeps every frame it receives, so tests can await them in order. */
import { WebSocket, type ClientOptions } from 'ws';

export interface Received {
  data: Buffer;
  isBinary: boolean;
}

export class Inbox {
  readonly #queue: Received[] = [];
  readonly #waiters: ((message: Received) => void)[] = [];

  constructor(socket: WebSocket) {
    socket.on('message', (data: Buffer, isBinary) => {
      const message = { data, isBinary };
      const waiter = this.#waiters.shift();
      if (waiter) waiter(message);
      else this.#queue.push(message);
    });
  }

  next(timeoutMs = 3000): Promise<Received> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`no message within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (message: Received) => {
        clearTimeout(timer);
        resolve(message);
      };
      this.#waiters.push(waiter);
    });
  }

  /** The next message that passes `accept`, dropping the others (ticks, usually). */
  async nextMatching(accept: (message: Received) => boolean, timeoutMs = 3000): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const message = await this.next(Math.max(1, deadline - Date.now()));
      if (accept(message)) return message;
    }
  }

  async nextJson(type: string, timeoutMs = 3000): Promise<Record<string, unknown>> {
    const message = await this.nextMatching((m) => !m.isBinary && parseJson(m).type === type, timeoutMs);
    return parseJson(message);
  }
}

export function parseJson(message: Received): Record<string, unknown> {
  return JSON.parse(message.data.toString('utf8')) as Record<string, unknown>;
}

export interface Client {
  socket: WebSocket;
  inbox: Inbox;
}

export function openClient(url: string, protocols?: string | string[], options?: ClientOptions): Promise<Client> {
  const socket = new WebSocket(url, protocols, options);
  const inbox = new Inbox(socket);
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ socket, inbox }));
    socket.once('error', reject);
  });
}

export function closed(socket: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => {
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
}
