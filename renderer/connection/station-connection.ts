/**
 * The page's one WebSocket, through the browser's standard API only. Reconnects by itself with
 * exponential backoff and jitter after a failed attempt, or after a close the station did not
 * mean to be final (close-policy.ts); never after Disconnect.
 */
import type { ClientConfig } from '../../common/client-config';
import { backoffDelay } from './backoff';
import { reconnectsAfter } from './close-policy';

export interface CloseInfo {
  code: number;
  reason: string;
  wasClean: boolean;
}

export interface ConnectionHandlers {
  onStateChange(readyState: number): void;
  onText(text: string): void;
  onBinary(bytes: Uint8Array): void;
  onError(): void;
  onClose(info: CloseInfo, opened: boolean): void;
  /** A reconnect is due at `at` (ms since epoch); `attempt` counts from 1. */
  onReconnectScheduled(at: number, attempt: number): void;
}

export class StationConnection {
  #socket: WebSocket | undefined;
  #binaryType: BinaryType = 'arraybuffer';
  #attempt = 0;
  #reconnectTimer: number | undefined;
  /** Blobs are read asynchronously; while any is, later messages queue behind it to keep their order. */
  #delivery: Promise<void> = Promise.resolve();
  #blobsInFlight = 0;
  #closedByPerson = false;

  constructor(
    private readonly config: ClientConfig,
    private readonly handlers: ConnectionHandlers,
  ) {}

  get socket(): WebSocket | undefined {
    return this.#socket;
  }

  /** Whether the last close was the person's (Disconnect), after which it does not reconnect. */
  get closedByPerson(): boolean {
    return this.#closedByPerson;
  }

  get readyState(): number {
    return this.#socket?.readyState ?? WebSocket.CLOSED;
  }

  get binaryType(): BinaryType {
    return this.#binaryType;
  }

  set binaryType(type: BinaryType) {
    this.#binaryType = type;
    if (this.#socket) this.#socket.binaryType = type;
  }

  connect(): void {
    this.#cancelReconnect();
    if (this.#socket && this.#socket.readyState !== WebSocket.CLOSED) return;
    const socket = new WebSocket(this.config.websocketUrl, [this.config.subprotocol]);
    socket.binaryType = this.#binaryType;
    this.#socket = socket;
    let opened = false;
    this.handlers.onStateChange(socket.readyState);
    socket.onopen = () => {
      opened = true;
      this.#attempt = 0;
      this.handlers.onStateChange(socket.readyState);
    };
    socket.onmessage = (event: MessageEvent<string | ArrayBuffer | Blob>) => this.#deliver(event.data);
    socket.onerror = () => this.handlers.onError();
    socket.onclose = (event) => {
      if (this.#socket !== socket) return;
      this.handlers.onStateChange(WebSocket.CLOSED);
      this.handlers.onClose({ code: event.code, reason: event.reason, wasClean: event.wasClean }, opened);
      if (!this.#closedByPerson && (!opened || reconnectsAfter(event.code))) this.#scheduleReconnect();
    };
    this.#closedByPerson = false;
  }

  /** Disconnect: closes and stays closed until connect(). */
  close(code?: number, reason?: string): void {
    this.#closedByPerson = true;
    this.#cancelReconnect();
    const socket = this.#socket;
    if (!socket || socket.readyState === WebSocket.CLOSED) return;
    socket.close(code, reason);
    this.handlers.onStateChange(socket.readyState);
  }

  send(data: string | Uint8Array): void {
    this.#socket?.send(data);
  }

  #deliver(data: string | ArrayBuffer | Blob): void {
    if (this.#blobsInFlight === 0 && !(data instanceof Blob)) {
      this.#deliverNow(data);
      return;
    }
    this.#blobsInFlight += 1;
    this.#delivery = this.#delivery.then(async () => {
      this.#deliverNow(data instanceof Blob ? await data.arrayBuffer() : data);
      this.#blobsInFlight -= 1;
    });
  }

  #deliverNow(data: string | ArrayBuffer): void {
    if (typeof data === 'string') this.handlers.onText(data);
    else this.handlers.onBinary(new Uint8Array(data));
  }

  #scheduleReconnect(): void {
    this.#attempt += 1;
    const delay = backoffDelay(this.#attempt);
    this.handlers.onReconnectScheduled(Date.now() + delay, this.#attempt);
    this.#reconnectTimer = window.setTimeout(() => this.connect(), delay);
  }

  #cancelReconnect(): void {
    if (this.#reconnectTimer !== undefined) window.clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
  }
}
