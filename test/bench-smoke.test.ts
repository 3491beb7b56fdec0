/** The benchmark at tiny sizes: every scenario runs against all three servers and yields numbers. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { runBenchmarks } from '../bench/run';

it('produces a number for every figure of every scenario and server', { timeout: 120_000 }, async () => {
  const report = await runBenchmarks('smoke', () => undefined);
  assert.equal(report.scenarios.length, 5);
  for (const { label, figures } of report.scenarios) {
    for (const [server, values] of Object.entries(figures)) {
      assert.ok(Object.keys(values).length > 1, `${label} / ${server} has figures`);
      for (const [name, value] of Object.entries(values)) {
        assert.ok(Number.isFinite(value), `${label} / ${server} / ${name} = ${value}`);
      }
    }
  }
  for (const [page, metrics] of Object.entries(report.pages)) {
    assert.equal(metrics.responsive, true, page);
    for (const [name, value] of Object.entries(metrics)) {
      if (typeof value === 'number') assert.ok(Number.isFinite(value), `${page} / ${name} = ${value}`);
    }
  }
  assert.match(report.machine.pinning, /CPU 0|taskset unavailable/);
});
