/**
 * Draws the message log as a virtual listbox: only the rows in view (plus a few) exist in the DOM,
 * so a day of ticks or a flood of messages keeps the page's node count flat. The list is one Tab
 * stop; arrow keys, Page Up/Down, Home and End move the selection (aria-activedescendant). It
 * follows the newest entry unless the person has scrolled up or selected an older one to read;
 * then the entry being read stays where it is as old entries leave under the cap, and a "jump to
 * newest" button counts exactly what arrived meanwhile.
 */
import type { Translate } from '../i18n';
import type { LogEntry, LogStore } from './log-store';

const ROW_HEIGHT = 28;
const OVERSCAN_ROWS = 6;
/**
 * Follow smoothly when entries trickle in (ticks every second); under a stream, smooth scrolls
 * would restart every frame and lag behind, so the view moves at once.
 */
const SMOOTH_SCROLL_MIN_GAP_MS = 250;
const PERSON_SCROLL_WINDOW_MS = 1000;
const ROW_TEXT_CHARS = 300;
const reducedMotion = matchMedia('(prefers-reduced-motion: reduce)');

export class LogView {
  readonly #viewport: HTMLElement;
  readonly #spacer: HTMLElement;
  readonly #jumpButton: HTMLButtonElement;
  readonly #rows: HTMLElement[] = [];
  #following = true;
  #lastScrollTop = 0;
  /** Until when a scroll counts as the person's: shortly after a wheel, touch, pointer or key. */
  #personScrollsUntil = 0;
  /** The newest entry the person had seen when they stopped following: what is newer is unseen. */
  #newestSeenId = 0;
  #renderQueued = false;
  #lastArrivalAt = 0;
  #lastNewestId = 0;
  #selectedId: number | undefined;
  /** While reading older entries: the entry at the top of the view and how far it is scrolled. */
  #anchor: { id: number; offset: number } | undefined;

  constructor(
    private readonly store: LogStore,
    elements: { viewport: HTMLElement; jumpButton: HTMLButtonElement },
    private t: Translate,
    private readonly onSelect: (entry: LogEntry | undefined) => void,
  ) {
    this.#viewport = elements.viewport;
    this.#jumpButton = elements.jumpButton;
    this.#viewport.setAttribute('role', 'listbox');
    this.#spacer = document.createElement('div');
    this.#spacer.className = 'log-spacer';
    this.#spacer.setAttribute('role', 'presentation');
    this.#viewport.append(this.#spacer);
    this.#viewport.addEventListener('scroll', () => this.#onScroll(), { passive: true });
    const personScrolls = () => (this.#personScrollsUntil = performance.now() + PERSON_SCROLL_WINDOW_MS);
    for (const type of ['wheel', 'touchstart', 'pointerdown', 'keydown'] as const) {
      this.#viewport.addEventListener(type, personScrolls, { passive: true });
    }
    this.#viewport.addEventListener('click', (event) => this.#onRowClicked(event));
    this.#viewport.addEventListener('keydown', (event) => this.#onKey(event));
    this.#jumpButton.addEventListener('click', () => this.jumpToNewest());
    new ResizeObserver(() => this.refresh()).observe(this.#viewport);
  }

  setTranslator(t: Translate): void {
    this.t = t;
    // Forget what every row shows, so the next frame fills them again in the new language.
    for (const row of this.#rows) delete row.dataset.id;
    this.refresh();
  }

  /** Entries changed: redraw once, on the next frame. */
  refresh(): void {
    if (this.#renderQueued) return;
    this.#renderQueued = true;
    requestAnimationFrame(() => {
      this.#renderQueued = false;
      this.#render();
    });
  }

  /** An entry's text changed: its row, if drawn, is filled again on the next frame. */
  entryChanged(id: number): void {
    const row = this.#rows.find((candidate) => candidate.dataset.id === String(id));
    if (row) delete row.dataset.id;
    this.refresh();
  }

  /** The filter changed: the same entry stays selected if it still shows; the view goes to the newest. */
  filterChanged(): void {
    if (this.#selectedId !== undefined && indexOfId(this.store.visible(), this.#selectedId) === -1) {
      this.#select(undefined);
    }
    this.jumpToNewest();
  }

  jumpToNewest(): void {
    this.#following = true;
    this.#anchor = undefined;
    this.#newestSeenId = this.store.visible().at(-1)?.id ?? 0;
    this.#viewport.scrollTop = this.#viewport.scrollHeight;
    this.refresh();
  }

  #onScroll(): void {
    const { scrollTop, clientHeight } = this.#viewport;
    // The view's own move to keep the anchor in place: the entries may have changed since, so
    // the position says nothing new about what the person reads.
    if (!this.#following && Math.abs(scrollTop - this.#lastScrollTop) < 1) {
      this.#render();
      return;
    }
    const atBottom = scrollTop + clientHeight >= this.#spacer.offsetHeight - ROW_HEIGHT / 2;
    if (atBottom) {
      this.#follow();
    } else if (scrollTop < this.#lastScrollTop && performance.now() < this.#personScrollsUntil) {
      // Only the person moving the view up stops the following; the view's own scrolls do not.
      this.#stopFollowing();
    }
    this.#lastScrollTop = scrollTop;
    if (!this.#following) this.#rememberAnchor();
    this.#render();
  }

  #follow(): void {
    this.#following = true;
    this.#anchor = undefined;
  }

  #stopFollowing(): void {
    if (!this.#following) return;
    this.#following = false;
    this.#newestSeenId = this.store.visible().at(-1)?.id ?? 0;
  }

  #rememberAnchor(): void {
    const entries = this.store.visible();
    const index = Math.floor(this.#viewport.scrollTop / ROW_HEIGHT);
    const entry = entries[index];
    this.#anchor = entry && { id: entry.id, offset: this.#viewport.scrollTop - index * ROW_HEIGHT };
  }

  #onRowClicked(event: Event): void {
    const row = (event.target as HTMLElement).closest<HTMLElement>('.log-row');
    const entry = row && this.store.find(Number(row.dataset.id));
    if (entry) this.#select(entry);
  }

  #onKey(event: KeyboardEvent): void {
    const entries = this.store.visible();
    if (entries.length === 0) return;
    const current = this.#selectedId === undefined ? -1 : indexOfId(entries, this.#selectedId);
    const page = Math.max(1, Math.floor(this.#viewport.clientHeight / ROW_HEIGHT) - 1);
    const last = entries.length - 1;
    const target: Record<string, number> = {
      ArrowDown: current === -1 ? last : Math.min(last, current + 1),
      ArrowUp: current === -1 ? last : Math.max(0, current - 1),
      PageDown: current === -1 ? last : Math.min(last, current + page),
      PageUp: current === -1 ? last : Math.max(0, current - page),
      Home: 0,
      End: last,
    };
    const index = target[event.key];
    if (index === undefined) return;
    event.preventDefault();
    const entry = entries[index];
    if (!entry) return;
    this.#select(entry);
    if (index === last) this.jumpToNewest();
    else {
      this.#stopFollowing();
      this.#scrollIntoView(index);
    }
  }

  #select(entry: LogEntry | undefined): void {
    this.#selectedId = entry?.id;
    this.onSelect(entry);
    this.#render();
  }

  #scrollIntoView(index: number): void {
    const top = index * ROW_HEIGHT;
    const viewport = this.#viewport;
    if (top < viewport.scrollTop) viewport.scrollTop = top;
    else if (top + ROW_HEIGHT > viewport.scrollTop + viewport.clientHeight) {
      viewport.scrollTop = top + ROW_HEIGHT - viewport.clientHeight;
    }
    this.#lastScrollTop = viewport.scrollTop;
    this.#rememberAnchor();
  }

  #render(): void {
    const entries = this.store.visible();
    const newestId = entries.at(-1)?.id ?? 0;
    const arrived = newestId !== this.#lastNewestId;
    this.#lastNewestId = newestId;
    this.#spacer.style.height = `${entries.length * ROW_HEIGHT}px`;

    const viewport = this.#viewport;
    const now = performance.now();
    const trickle = now - this.#lastArrivalAt > SMOOTH_SCROLL_MIN_GAP_MS;
    if (arrived) this.#lastArrivalAt = now;
    if (this.#following) {
      this.#newestSeenId = newestId;
      const bottom = entries.length * ROW_HEIGHT - viewport.clientHeight;
      const smooth = trickle && !reducedMotion.matches;
      if (bottom > viewport.scrollTop) viewport.scrollTo({ top: bottom, behavior: smooth ? 'smooth' : 'instant' });
    } else {
      this.#keepAnchorInPlace(entries);
    }
    // Entries after the newest one seen: exact, however many the cap has dropped meanwhile.
    const unseen = this.#following ? 0 : entries.length - 1 - lastIndexAtMost(entries, this.#newestSeenId);
    this.#jumpButton.hidden = unseen === 0;
    this.#jumpButton.textContent = this.t('jumpToNewest', { count: unseen });

    const first = Math.max(0, Math.floor(viewport.scrollTop / ROW_HEIGHT) - OVERSCAN_ROWS);
    const last = Math.min(
      entries.length,
      Math.ceil((viewport.scrollTop + viewport.clientHeight) / ROW_HEIGHT) + OVERSCAN_ROWS,
    );
    this.#drawRows(entries, first, last);
    const selectedRow = this.#rows.find((row) => row.dataset.id === String(this.#selectedId));
    if (selectedRow) viewport.setAttribute('aria-activedescendant', selectedRow.id);
    else viewport.removeAttribute('aria-activedescendant');
  }

  /** Old entries leave the top as new ones arrive; keep the one being read where it was. */
  #keepAnchorInPlace(entries: readonly LogEntry[]): void {
    if (!this.#anchor) return;
    let index = indexOfId(entries, this.#anchor.id);
    // The entry itself was dropped by the cap: the oldest kept one takes its place.
    if (index === -1) index = 0;
    const top = index * ROW_HEIGHT + this.#anchor.offset;
    if (Math.abs(this.#viewport.scrollTop - top) >= 1) {
      this.#viewport.scrollTop = top;
      this.#lastScrollTop = this.#viewport.scrollTop;
    }
  }

  /**
   * Rows are recycled by entry, not by slot: a row keeps showing its entry while that entry stays
   * in the window, so the row under the pointer is still the one clicked as the list moves on.
   */
  #drawRows(entries: readonly LogEntry[], first: number, last: number): void {
    const wanted = new Map<number, number>();
    for (let index = first; index < last; index++) {
      const entry = entries[index];
      if (entry) wanted.set(entry.id, index);
    }
    const spare = this.#rows.filter((row) => !wanted.has(Number(row.dataset.id)));
    const shown = new Set(this.#rows.map((row) => Number(row.dataset.id)));
    for (const [id, index] of wanted) {
      const entry = entries[index];
      if (shown.has(id) || !entry) continue;
      this.#fillRow(spare.pop() ?? this.#createRow(), entry);
    }
    for (const row of this.#rows) {
      const index = wanted.get(Number(row.dataset.id));
      row.hidden = index === undefined;
      if (index === undefined) {
        // A spare row: it shows nothing, so it claims no entry either.
        delete row.dataset.id;
        delete row.dataset.kind;
        continue;
      }
      row.style.transform = `translateY(${index * ROW_HEIGHT}px)`;
      row.setAttribute('aria-posinset', String(index + 1));
      row.setAttribute('aria-setsize', String(entries.length));
      const selected = row.dataset.id === String(this.#selectedId);
      row.classList.toggle('selected', selected);
      row.setAttribute('aria-selected', String(selected));
    }
  }

  #createRow(): HTMLElement {
    const row = document.createElement('div');
    row.className = 'log-row';
    row.setAttribute('role', 'option');
    // The arrow repeats what the kind says, so screen readers skip it.
    row.innerHTML =
      '<time></time><span class="dir" aria-hidden="true"></span><span class="kind"></span><span class="text"></span>';
    this.#spacer.append(row);
    this.#rows.push(row);
    return row;
  }

  #fillRow(row: HTMLElement, entry: LogEntry): void {
    row.id = `${this.#viewport.id}-entry-${entry.id}`;
    row.dataset.id = String(entry.id);
    row.dataset.kind = entry.kind;
    row.dataset.direction = entry.direction;
    const [time, direction, kind, text] = row.children as unknown as [
      HTMLElement,
      HTMLElement,
      HTMLElement,
      HTMLElement,
    ];
    time.textContent = formatTime(entry.time);
    direction.textContent = { in: '↓', out: '↑', local: '•' }[entry.direction];
    kind.textContent = this.t(KIND_LABEL[entry.kind]);
    text.textContent = rowText(entry, this.t);
    text.classList.toggle('empty', entry.text === '' && entry.direction !== 'local');
  }
}

/** What a row shows of an entry: one line (line breaks as ⏎), shortened; an empty message says so. */
export function rowText(entry: LogEntry, t: Translate): string {
  if (entry.text === '' && entry.direction !== 'local') return t('emptyMessage');
  const oneLine = entry.text.length > ROW_TEXT_CHARS ? `${entry.text.slice(0, ROW_TEXT_CHARS)}…` : entry.text;
  const shown = oneLine.replace(/\r?\n/g, ' ⏎ ');
  return entry.binary ? t('binarySummary', { bytes: entry.bytes, hex: shown }) : shown;
}

export const KIND_LABEL = {
  greeting: 'kindGreeting',
  tick: 'kindTick',
  echo: 'kindEcho',
  host: 'kindHost',
  sent: 'kindSent',
  binary: 'kindBinary',
  message: 'kindMessage',
  notice: 'kindNotice',
  state: 'kindState',
} as const;

export function formatTime(epochMs: number): string {
  const date = new Date(epochMs);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** Entries are in ascending id order. */
function indexOfId(entries: readonly LogEntry[], id: number): number {
  const index = lastIndexAtMost(entries, id);
  return entries[index]?.id === id ? index : -1;
}

/** The index of the last entry whose id is at most `id` (-1 when there is none). */
function lastIndexAtMost(entries: readonly LogEntry[], id: number): number {
  let low = 0;
  let high = entries.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if ((entries[middle]?.id ?? 0) <= id) low = middle + 1;
    else high = middle - 1;
  }
  return high;
}
