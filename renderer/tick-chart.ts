/**
 * The recent ticks as a line chart (uPlot: small, fast canvas charts, maintained and typed).
 * Keeps the last few minutes, at most MAX_POINTS, and redraws at most once per frame.
 */
import uPlot from 'uplot';

const WINDOW_MS = 3 * 60 * 1000;
const MAX_POINTS = 2000;

export class TickChart {
  readonly #times: number[] = [];
  readonly #values: number[] = [];
  readonly #chart: uPlot;
  #drawQueued = false;

  constructor(private readonly container: HTMLElement) {
    const style = getComputedStyle(container);
    const line = style.getPropertyValue('--chart-line').trim() || '#2563eb';
    const axis = style.getPropertyValue('--chart-axis').trim() || '#6b7280';
    const grid = style.getPropertyValue('--chart-grid').trim() || '#e5e7eb';
    const axisStyle = { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    this.#chart = new uPlot(
      {
        width: Math.max(container.clientWidth, 200),
        height: Math.max(container.clientHeight, 120),
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: true }, y: { range: [0, 1] } },
        axes: [axisStyle, { ...axisStyle, size: 52 }],
        series: [{}, { stroke: line, width: 2, fill: `${line}22`, points: { show: false } }],
      },
      [this.#times, this.#values],
      container,
    );
    new ResizeObserver(() => {
      this.#chart.setSize({
        width: Math.max(container.clientWidth, 200),
        height: Math.max(container.clientHeight, 120),
      });
    }).observe(container);
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
    });
  }
}
