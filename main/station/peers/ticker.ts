/**
 * The one shared schedule that drives every peer's ticks. Each tick is aimed at
 * start + n × period, so slow callbacks do not make the cadence drift; after a stall
 * (a blocked event loop, a suspended laptop) missed slots are dropped, not burst out.
 * onTick is given its slot (performance.now() time).
 */
export function startTicker(periodMs: number, onTick: (slotAt: number) => void): () => void {
  const start = performance.now();
  let slot = 0;
  let timer: NodeJS.Timeout;
  const schedule = () => {
    timer = setTimeout(run, Math.max(0, start + (slot + 1) * periodMs - performance.now()));
  };
  const run = () => {
    slot = Math.max(slot + 1, Math.floor((performance.now() - start) / periodMs));
    onTick(start + slot * periodMs);
    schedule();
  };
  schedule();
  return () => clearTimeout(timer);
}
