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

/** What the log shows: entries containing `text` (any case), of one direction and one kind. */
export interface LogFilter {
  text: string;
  direction: Direction | 'all';
  kind: EntryKind | 'all';
  hideTicks: boolean;
}

export const NO_FILTER: LogFilter = { text: '', direction: 'all', kind: 'all', hideTicks: false };

export class LogStore {
  #entries: LogEntry[] = [];
  #nextId = 1;
  #filter: LogFilter = NO_FILTER;
  #matches = matcher(NO_FILTER);
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
    // Keep the filtered view as it goes rather than filter every entry again on every message.
    const visible = this.#visible;
    if (visible) {
      if (this.#matches(stored)) visible.push(stored);
      const oldestKept = this.#entries[Math.max(0, this.#entries.length - this.capacity)]?.id ?? stored.id;
      let dropped = 0;
      while ((visible[dropped]?.id ?? Infinity) < oldestKept) dropped += 1;
      if (dropped > 0) visible.splice(0, dropped);
    }
    return stored;
  }

  clear(): void {
    this.#entries = [];
    this.#visible = undefined;
  }

  get filter(): LogFilter {
    return this.#filter;
  }

  set filter(filter: LogFilter) {
    this.#filter = filter;
    this.#matches = matcher(filter);
    this.#visible = undefined;
  }

  /** Whether any filter is on, so that an empty view can say why. */
  get filtering(): boolean {
    const { text, direction, kind, hideTicks } = this.#filter;
    return text !== '' || direction !== 'all' || kind !== 'all' || hideTicks;
  }

  /** How many entries the log holds, whatever the filter. */
  get size(): number {
    return Math.min(this.#entries.length, this.capacity);
  }

  /** The entries to show, oldest first, at most `capacity`. */
  visible(): readonly LogEntry[] {
    if (!this.#visible) {
      const kept = this.#entries.length > this.capacity ? this.#entries.slice(-this.capacity) : this.#entries;
      this.#visible = kept.filter(this.#matches);
    }
    return this.#visible;
  }

  /** Changes an entry's text in place (an outage's row counts its attempts); false if it is gone. */
  update(id: number, text: string): boolean {
    const entry = this.find(id);
    if (!entry) return false;
    entry.text = text;
    // Its text may now match the search, or no longer.
    this.#visible = undefined;
    return true;
  }

  find(id: number): LogEntry | undefined {
    // Ids ascend; the entry sought is usually among the newest.
    for (let index = this.#entries.length - 1; index >= 0; index--) {
      const entry = this.#entries[index];
      if (entry?.id === id) return entry;
      if (entry && entry.id < id) return undefined;
    }
    return undefined;
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

function matcher({ text, direction, kind, hideTicks }: LogFilter): (entry: LogEntry) => boolean {
  const needle = text.trim().toLocaleLowerCase();
  return (entry) =>
    (direction === 'all' || entry.direction === direction) &&
    (kind === 'all' || entry.kind === kind) &&
    !(hideTicks && entry.kind === 'tick') &&
    (needle === '' || entry.text.toLocaleLowerCase().includes(needle));
}
