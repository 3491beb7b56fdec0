/**
 * The Peers panel's list of refused handshakes, newest first: each a line (when, who, the status
 * and what it means, the request line) that opens to the station's reason and the request as
 * received. Asks the main process only for refusals newer than those shown, when the counts move.
 */
import { REFUSALS_KEPT, type RefusalEntry, type StationStatus } from '../../common/station-status';
import type { StationBridge } from '../../common/client-config';
import { byId } from '../dom';
import { requestText } from './head-text-block';
import { isMessageKey, type Translate } from '../i18n';

const element = (id: string) => byId(id, HTMLElement);

export class RefusalList {
  /** Newest first, as shown. */
  #entries: RefusalEntry[] = [];
  /** The station they came from (its start time): a restarted station counts from 1 again. */
  #startedAt = '';
  /** The refusal count the list was last brought up to. */
  #countSeen = -1;
  #fetching = false;

  constructor(
    private readonly bridge: StationBridge,
    private t: Translate,
  ) {}

  setTranslator(t: Translate): void {
    this.t = t;
    this.#rebuild();
  }

  /** A status arrived: fetch what is new when the refusal counts moved or the station restarted. */
  follow(status: StationStatus | undefined): void {
    const startedAt = status?.station.startedAt ?? '';
    if (startedAt !== this.#startedAt) {
      this.#startedAt = startedAt;
      this.#entries = [];
      this.#countSeen = -1;
      this.#rebuild();
    }
    const count = Object.values(status?.totals.rejected ?? {}).reduce((sum, value) => sum + value, 0);
    if (status === undefined || count === this.#countSeen || this.#fetching) return;
    if (count === 0) this.#countSeen = 0;
    else void this.#fetchNewer(startedAt, count);
  }

  /** Brings the list up to `count` refusals; one that fails is tried again at the next status. */
  async #fetchNewer(startedAt: string, count: number): Promise<void> {
    this.#fetching = true;
    try {
      const newer = await this.bridge.refusals(this.#entries[0]?.seq ?? 0);
      if (startedAt !== this.#startedAt) return;
      this.#countSeen = count;
      if (newer.length === 0) return;
      const added = newer.reverse();
      this.#entries = [...added, ...this.#entries].slice(0, REFUSALS_KEPT);
      this.#render(added);
    } catch {
      // The main process could not answer (it is restarting the station): the next status asks again.
    } finally {
      this.#fetching = false;
    }
  }

  #rebuild(): void {
    element('refusal-list').replaceChildren();
    this.#render(this.#entries);
  }

  /** Adds `added` (newest first) at the top; rows past the kept number go; open rows stay open. */
  #render(added: readonly RefusalEntry[]): void {
    const list = element('refusal-list');
    list.prepend(...added.map((entry) => this.#row(entry)));
    while (list.children.length > this.#entries.length) list.lastElementChild?.remove();
    element('refusal-log').hidden = this.#entries.length === 0;
  }

  #row(entry: RefusalEntry): HTMLLIElement {
    const item = document.createElement('li');
    const details = document.createElement('details');
    const summary = document.createElement('summary');
    const span = (className: string, text: string) => {
      const part = document.createElement('span');
      part.className = className;
      part.textContent = text;
      return part;
    };
    const whyKey = `why${entry.status}`;
    summary.append(
      span(
        'refusal-time',
        new Date(entry.time).toLocaleTimeString(document.documentElement.lang, { hourCycle: 'h23' }),
      ),
      ' ',
      span('refusal-address', entry.address),
      ' ',
      span('refusal-status', String(entry.status)),
      ' ',
      span('refusal-why', this.t(isMessageKey(whyKey) ? whyKey : 'whyOther')),
      ' ',
      span('refusal-line', `${entry.request.method} ${entry.request.target}`),
    );
    const reason = document.createElement('p');
    reason.textContent = this.t('refusalAnswered', { status: entry.status, reason: entry.reason });
    const head = document.createElement('pre');
    head.className = 'head-block';
    head.textContent = requestText(entry.request, this.t);
    details.append(summary, reason, head);
    item.append(details);
    return item;
  }
}
