/**
 * Draws the message log as a virtual list: only the rows in view (plus a few) exist in the DOM,
 * so a day of ticks or a flood of messages keeps the page's node count flat. It follows the
 * newest entry, smoothly as the seed's page does, unless the person has scrolled up to read;
 * then a "jump to newest" button counts what arrived meanwhile.
 */
import type { Translate } from './i18n';
import type { LogEntry, LogStore } from './log-store';

const ROW_HEIGHT = 28;
const OVERSCAN_ROWS = 6;
/**
 * Follow smoothly when entries trickle in (ticks every second); under a stream, smooth scrolls
 * would restart every frame and lag behind, so the view moves at once.
 */
const SMOOTH_SCROLL_MIN_GAP_MS = 250;
const PERSON_SCROLL_WINDOW_MS = 1000;

export class LogView {
  readonly #viewport: HTMLElement;
  readonly #spacer: HTMLElement;
  readonly #jumpButton: HTMLButtonElement;
  readonly #rows: HTMLElement[] = [];
  #following = true;
  #lastScrollTop = 0;
  /** Until when a scroll counts as the person's: shortly after a wheel, touch, pointer or key. */
  #personScrollsUntil = 0;
  #unseen = 0;
  #renderQueued = false;
  #lastCount = 0;
  #lastArrivalAt = 0;
  #selectedId: number | undefined;
  /** While reading older entries: the entry at the top of the view and how far it is scrolled. */
  #anchor: { id: number; offset: number } | undefined;

  constructor(
    private readonly store: LogStore,
    elements: { viewport: HTMLElement; jumpButton: HTMLButtonElement },
    private t: Translate,
    private readonly onSelect: (entry: LogEntry) => void,
  ) {
    this.#viewport = elements.viewport;
    this.#jumpButton = elements.jumpButton;
    this.#spacer = document.createElement('div');
    this.#spacer.className = 'log-spacer';
    this.#viewport.append(this.#spacer);
    this.#viewport.addEventListener('scroll', () => this.#onScroll(), { passive: true });
    const personScrolls = () => (this.#personScrollsUntil = performance.now() + PERSON_SCROLL_WINDOW_MS);
    for (const type of ['wheel', 'touchstart', 'pointerdown', 'keydown'] as const) {
      this.#viewport.addEventListener(type, personScrolls, { passive: true });
    }
    this.#viewport.addEventListener('click', (event) => this.#onRowActivated(event));
    this.#viewport.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') this.#onRowActivated(event);
    });
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

  jumpToNewest(): void {
    this.#following = true;
    this.#unseen = 0;
    this.#anchor = undefined;
    this.#viewport.scrollTop = this.#viewport.scrollHeight;
    this.refresh();
  }

  #onScroll(): void {
    const { scrollTop, clientHeight } = this.#viewport;
    const atBottom = scrollTop + clientHeight >= this.#spacer.offsetHeight - ROW_HEIGHT / 2;
    if (atBottom) {
      this.#following = true;
      this.#unseen = 0;
      this.#anchor = undefined;
    } else if (scrollTop < this.#lastScrollTop && performance.now() < this.#personScrollsUntil) {
      // Only the person moving the view up stops the following; the view's own scrolls do not.
      this.#following = false;
    }
    this.#lastScrollTop = scrollTop;
    if (!this.#following) this.#rememberAnchor();
    this.#render();
  }

  #rememberAnchor(): void {
    const entries = this.store.visible();
    const index = Math.floor(this.#viewport.scrollTop / ROW_HEIGHT);
    const entry = entries[index];
    this.#anchor = entry && { id: entry.id, offset: this.#viewport.scrollTop - index * ROW_HEIGHT };
  }

  #onRowActivated(event: Event): void {
    const row = (event.target as HTMLElement).closest<HTMLElement>('.log-row');
    const entry = row && this.store.find(Number(row.dataset.id));
    if (!entry) return;
    this.#selectedId = entry.id;
    this.onSelect(entry);
    this.#render();
  }

  #render(): void {
    const entries = this.store.visible();
    const added = Math.max(0, entries.length - this.#lastCount);
    this.#lastCount = entries.length;
    this.#spacer.style.height = `${entries.length * ROW_HEIGHT}px`;

    const viewport = this.#viewport;
    const now = performance.now();
    const trickle = now - this.#lastArrivalAt > SMOOTH_SCROLL_MIN_GAP_MS;
    if (added > 0) this.#lastArrivalAt = now;
    if (this.#following) {
      const bottom = entries.length * ROW_HEIGHT - viewport.clientHeight;
      if (bottom > viewport.scrollTop) viewport.scrollTo({ top: bottom, behavior: trickle ? 'smooth' : 'instant' });
    } else {
      this.#unseen += added;
      this.#keepAnchorInPlace(entries);
    }
    this.#jumpButton.hidden = this.#following || this.#unseen === 0;
    this.#jumpButton.textContent = this.t('jumpToNewest', { count: this.#unseen });

    const first = Math.max(0, Math.floor(viewport.scrollTop / ROW_HEIGHT) - OVERSCAN_ROWS);
    const last = Math.min(
      entries.length,
      Math.ceil((viewport.scrollTop + viewport.clientHeight) / ROW_HEIGHT) + OVERSCAN_ROWS,
    );
    this.#drawRows(entries, first, last);
  }

  /** Old entries leave the top as new ones arrive; keep the one being read where it was. */
  #keepAnchorInPlace(entries: readonly LogEntry[]): void {
    if (!this.#anchor) return;
    const index = indexOfId(entries, this.#anchor.id);
    if (index === -1) return;
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
      row.classList.toggle('selected', row.dataset.id === String(this.#selectedId));
    }
  }

  #createRow(): HTMLElement {
    const row = document.createElement('div');
    row.className = 'log-row';
    row.tabIndex = 0;
    row.setAttribute('role', 'listitem');
    row.innerHTML = '<time></time><span class="dir"></span><span class="kind"></span><span class="text"></span>';
    this.#spacer.append(row);
    this.#rows.push(row);
    return row;
  }

  #fillRow(row: HTMLElement, entry: LogEntry): void {
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
    const shown = entry.text.length > 300 ? `${entry.text.slice(0, 300)}…` : entry.text;
    text.textContent = entry.binary ? this.t('binarySummary', { bytes: entry.bytes, hex: shown }) : shown;
  }
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
  let low = 0;
  let high = entries.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const found = entries[middle]?.id ?? 0;
    if (found === id) return middle;
    if (found < id) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}
