/**
 * The message log's history: the newest `capacity` entries, however long the station runs.
 * Long messages are kept shortened, so memory stays bounded by count × MAX_TEXT_CHARS.
 */
import type { IncomingKind } from './message-classifier';

export type EntryKind = IncomingKind | 'sent' | 'binary' | 'state';
export type Direction = 'in' | 'out' | 'local';

export interface LogEntry {
  id: number;
  /** Epoch milliseconds. */
  time: number;
  direction: Direction;
  kind: EntryKind;
  text: string;
  /** Size of the original message in bytes (0 for local events). */
  bytes: number;
  /** A binary message: `text` is its bytes in hex. */
  binary: boolean;
  /** The text is a shortened form of the message. */
  truncated: boolean;
}

export const LOG_CAPACITY = 5000;
export const MAX_TEXT_CHARS = 16 * 1024;

export class LogStore {
  #entries: LogEntry[] = [];
  #nextId = 1;
  #hideTicks = false;
  #visible: LogEntry[] | undefined;

  constructor(readonly capacity = LOG_CAPACITY) {}

  add(entry: Omit<LogEntry, 'id' | 'truncated'>): LogEntry {
    const truncated = entry.text.length > MAX_TEXT_CHARS;
    const stored: LogEntry = {
      ...entry,
      id: this.#nextId++,
      text: truncated ? entry.text.slice(0, MAX_TEXT_CHARS) : entry.text,
      truncated,
    };
    this.#entries.push(stored);
    // Trim in batches so a flood costs an occasional splice, not one per message.
    if (this.#entries.length > this.capacity * 1.1) this.#entries.splice(0, this.#entries.length - this.capacity);
    this.#visible = undefined;
    return stored;
  }

  clear(): void {
    this.#entries = [];
    this.#visible = undefined;
  }

  get hideTicks(): boolean {
    return this.#hideTicks;
  }

  set hideTicks(hide: boolean) {
    this.#hideTicks = hide;
    this.#visible = undefined;
  }

  /** The entries to show, oldest first, at most `capacity`. */
  visible(): readonly LogEntry[] {
    if (!this.#visible) {
      const kept = this.#entries.length > this.capacity ? this.#entries.slice(-this.capacity) : this.#entries;
      this.#visible = this.#hideTicks ? kept.filter((entry) => entry.kind !== 'tick') : kept;
    }
    return this.#visible;
  }

  find(id: number): LogEntry | undefined {
    return this.#entries.find((entry) => entry.id === id);
  }

  /** JSON lines: one object per entry, every field. */
  toJsonLines(): string {
    return this.visible()
      .map((entry) => JSON.stringify({ ...entry, time: new Date(entry.time).toISOString() }))
      .join('\n');
  }

  /** One readable line per entry. */
  toText(): string {
    const arrow = { in: '<-', out: '->', local: '--' } as const;
    return this.visible()
      .map((e) => `${new Date(e.time).toISOString()} ${arrow[e.direction]} ${e.kind}: ${e.text}`)
      .join('\n');
  }
}
