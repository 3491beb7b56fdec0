/**
 * The recent ticks as a line chart (uPlot: small, fast canvas charts, maintained and typed), with
 * a text summary for those who cannot see it. Keeps the last few minutes, at most MAX_POINTS, and
 * redraws at most once per frame. The time axis is 24-hour in the page's language, in whole
 * seconds, with labels spaced so they never overlap.
 */
import uPlot from 'uplot';
import type { Language } from '../common/client-config';
import type { Translate } from './i18n';

const WINDOW_MS = 3 * 60 * 1000;
const MAX_POINTS = 2000;
/** Steps between time labels, in seconds: never below one, so no sub-second labels. */
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600];
const MIN_LABEL_GAP_PX = 72;
/** Below this height (phones) the chart is a sparkline: the value beside it says the rest. */
const SPARKLINE_MAX_HEIGHT_PX = 100;

function clockFormat(language: Language): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat(language, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
}

export class TickChart {
  readonly #times: number[] = [];
  readonly #values: number[] = [];
  readonly #chart: uPlot;
  #drawQueued = false;
  #clock: Intl.DateTimeFormat;

  constructor(
    private readonly container: HTMLElement,
    private readonly summary: HTMLElement,
    language: Language,
    private t: Translate,
  ) {
    this.#clock = clockFormat(language);
    const style = getComputedStyle(container);
    const line = style.getPropertyValue('--chart-line').trim() || '#2563eb';
    const axis = style.getPropertyValue('--chart-axis').trim() || '#6b7280';
    const grid = style.getPropertyValue('--chart-grid').trim() || '#e5e7eb';
    const axisStyle = { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const sparkline = container.clientHeight < SPARKLINE_MAX_HEIGHT_PX;
    this.#chart = new uPlot(
      {
        width: Math.max(container.clientWidth, 120),
        height: Math.max(container.clientHeight, 48),
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: true }, y: { range: [0, 1] } },
        axes: [
          {
            ...axisStyle,
            show: !sparkline,
            space: MIN_LABEL_GAP_PX,
            incrs: TIME_STEPS,
            values: (_chart, splits) => splits.map((seconds) => this.#clock.format(seconds * 1000)),
          },
          { ...axisStyle, show: !sparkline, size: 52 },
        ],
        series: [{}, { stroke: line, width: 2, fill: `${line}22`, points: { show: false } }],
      },
      [this.#times, this.#values],
      container,
    );
    new ResizeObserver(() => {
      this.#chart.setSize({
        width: Math.max(container.clientWidth, 120),
        height: Math.max(container.clientHeight, 48),
      });
    }).observe(container);
  }

  /** The page's language changed: labels and summary follow it. */
  setLanguage(language: Language, t: Translate): void {
    this.#clock = clockFormat(language);
    this.t = t;
    this.#chart.redraw(false, true);
    this.#summarize();
  }

  get pointCount(): number {
    return this.#times.length;
  }

  add(timeMs: number, value: number): void {
    this.#times.push(timeMs / 1000);
    this.#values.push(value);
    const oldest = (timeMs - WINDOW_MS) / 1000;
    let drop = 0;
    while (drop < this.#times.length && ((this.#times[drop] ?? 0) < oldest || this.#times.length - drop > MAX_POINTS))
      drop++;
    if (drop > 0) {
      this.#times.splice(0, drop);
      this.#values.splice(0, drop);
    }
    this.container.dataset.points = String(this.#times.length);
    if (this.#drawQueued) return;
    this.#drawQueued = true;
    requestAnimationFrame(() => {
      this.#drawQueued = false;
      this.#chart.setData([this.#times, this.#values]);
      this.#summarize();
    });
  }

  #summarize(): void {
    const count = this.#values.length;
    const first = this.#times[0];
    const last = this.#times.at(-1);
    if (count === 0 || first === undefined || last === undefined) {
      this.summary.textContent = this.t('chartEmpty');
      return;
    }
    const value = (n: number) => n.toFixed(2);
    this.summary.textContent = this.t('chartSummary', {
      count,
      from: this.#clock.format(first * 1000),
      to: this.#clock.format(last * 1000),
      min: value(Math.min(...this.#values)),
      max: value(Math.max(...this.#values)),
      latest: value(this.#values.at(-1) ?? 0),
    });
  }
}
