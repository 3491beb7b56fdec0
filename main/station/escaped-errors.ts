/**
 * The last-resort guard at every place the event loop enters the station (upgrades, requests,
 * peer events, timers). The handlers themselves answer every input; an error that still gets
 * out is a bug: it is logged once per distinct message and counted, and the station keeps
 * serving instead of ending for everyone.
 */
/** Distinct messages remembered; past that, errors are only counted. */
const MAX_DISTINCT = 100;

export class EscapedErrors {
  #count = 0;
  readonly #logged = new Set<string>();

  constructor(private readonly log: (line: string) => void = (line) => console.error(line)) {}

  get count(): number {
    return this.#count;
  }

  report(where: string, error: unknown): void {
    this.#count += 1;
    const message = error instanceof Error ? error.message : String(error);
    const key = `${where}: ${message}`;
    if (this.#logged.has(key) || this.#logged.size >= MAX_DISTINCT) return;
    this.#logged.add(key);
    const stack = error instanceof Error && error.stack !== undefined ? `\n${error.stack}` : '';
    this.log(`ws-station: internal error in ${where} (kept serving; logged once): ${message}${stack}`);
  }

  /**
   * Wraps a listener so that what it throws is reported instead of ending the process, and
   * `recover` (closing the one connection concerned, say) runs after the report. Both get the
   * `this` the wrapper is called with, so one wrapped function can serve many emitters.
   */
  guard<This, Args extends unknown[]>(
    where: string,
    listener: (this: This, ...args: Args) => void,
    recover?: (this: This, ...args: Args) => void,
  ): (this: This, ...args: Args) => void {
    const report = (error: unknown) => this.report(where, error);
    return function (this: This, ...args: Args) {
      try {
        listener.apply(this, args);
      } catch (error) {
        report(error);
        recover?.apply(this, args);
      }
    };
  }
}
