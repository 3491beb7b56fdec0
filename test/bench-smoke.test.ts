/** The benchmark at tiny sizes: every scenario runs against every server (and scripted endpoint) and yields numbers. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { runBenchmarks } from '../bench/run';

it(
  'produces a number for every figure of every scenario, server and page, and judges every target',
  { timeout: 180_000 },
  async () => {
    const lines: string[] = [];
    const report = await runBenchmarks('smoke', (line) => lines.push(line));
    assert.equal(report.scenarios.length, 5);
    for (const { label, rounds, summary } of report.scenarios) {
      assert.equal(rounds.length, report.rounds);
      for (const round of rounds) {
        for (const [server, values] of Object.entries(round)) {
          assert.ok(Object.keys(values).length > 1, `${label} / ${server} has figures`);
          for (const [name, value] of Object.entries(values)) {
            assert.ok(Number.isFinite(value), `${label} / ${server} / ${name} = ${value}`);
          }
        }
      }
      for (const round of rounds) assert.deepEqual(Object.keys(round), ['bare', 'bare-fair', 'seed', 'station']);
      for (const [figure, { vsBare, vsSeed, fairShareCost }] of Object.entries(summary)) {
        for (const ratio of [vsBare, vsSeed, fairShareCost]) {
          assert.ok(Number.isFinite(ratio.median), `${label} / ${figure} has ratios`);
        }
      }
    }
    for (const round of report.pages.rounds) {
      for (const [page, figures] of Object.entries(round)) {
        // At 100 messages a second even the seed's page keeps up: every figure is read.
        for (const [name, value] of Object.entries(figures)) {
          assert.ok(Number.isFinite(value), `${page} / ${name} = ${value}`);
        }
        assert.ok(figures.messagesSent > 0, page);
        assert.equal(figures.messagesReceived, figures.messagesSent, page);
      }
    }
    assert.equal(report.targets.length, 7);
    for (const target of report.targets) assert.notEqual(target.verdict, 'no figure', target.name);
    assert.ok(lines.some((line) => line.includes('targets:')));
    // The scripted endpoints, each beside the seed endpoint in every round, and their three targets.
    assert.deepEqual(
      report.scripted.map(({ rounds }) => rounds.map((round) => Object.keys(round))),
      [
        Array.from({ length: report.rounds }, () => ['station', 'reply-rule', 'after-100-rules']),
        Array.from({ length: report.rounds }, () => ['station', 'per-peer-stream']),
      ],
    );
    for (const { label, rounds } of report.scripted) {
      for (const round of rounds) {
        for (const [server, values] of Object.entries(round)) {
          for (const [name, value] of Object.entries(values)) {
            assert.ok(Number.isFinite(value), `${label} / ${server} / ${name} = ${value}`);
          }
        }
      }
    }
    assert.deepEqual(
      report.scriptedTargets.map((target) => target.name),
      ['reply rule, echo rate', 'after 100 rules, echo rate', 'per-peer stream, fan-out CPU'],
    );
    for (const target of report.scriptedTargets) assert.notEqual(target.verdict, 'no figure', target.name);
    assert.ok(lines.some((line) => line.includes('scripted endpoints: ÷')));
    // wss://: bare ws on node:https (with and without the fair share) and the station's TLS port, each round.
    assert.deepEqual(
      report.tls.map(({ rounds }) => rounds.map((round) => Object.keys(round))),
      [0, 1].map(() => Array.from({ length: report.rounds }, () => ['bare-wss', 'bare-wss-fair', 'station-tls'])),
    );
    for (const { label, rounds } of report.tls) {
      for (const round of rounds) {
        for (const [server, values] of Object.entries(round)) {
          for (const [name, value] of Object.entries(values)) {
            assert.ok(Number.isFinite(value) && value > 0, `${label} / ${server} / ${name} = ${value}`);
          }
        }
      }
    }
    assert.deepEqual(
      report.tlsTargets.map((target) => target.name),
      ['wss echo throughput', 'wss handshakes'],
    );
    for (const target of report.tlsTargets) assert.notEqual(target.verdict, 'no figure', target.name);
    assert.match(report.machine.pinning, /CPU 0|taskset unavailable/);
  },
);
