/**
 * Per-address limits key an address by host: an IPv4 address (also when a dual-stack listener
 * reports it IPv4-mapped), or an IPv6 /64. Checked with generated addresses and spellings
 * (fast-check), then with an attacker's moves against the real TokenThrottle and AddressLimits,
 * at unit level: test hosts may only use 198.18.0.0/15, so no real IPv6 peers can be had here.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { addressKey } from '../main/station/admission/address-key';
import { AddressLimits } from '../main/station/admission/address-limits';
import { isLoopbackAddress } from '../main/station/addresses';
import { DEFAULT_CONFIG, LIMITS } from '../main/station/config';
import { TokenThrottle } from '../main/station/admission/token-throttle';

// ---- IPv6 addresses, spelled every way a parser must accept ----

/** Groups of 16 bits; zero often, so that `::` has runs to compress. */
const group = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
const fourGroups = fc.array(group, { minLength: 4, maxLength: 4 });

interface Spelling {
  upper: boolean;
  /** Leading zeros written out (`0db8`). */
  pad: boolean;
  /** Which run of zero groups becomes `::` (modulo the runs there are); negative: none. */
  compress: number;
  zone: string | null;
}
const spelling: fc.Arbitrary<Spelling> = fc.record({
  upper: fc.boolean(),
  pad: fc.boolean(),
  compress: fc.integer({ min: -1, max: 3 }),
  zone: fc.option(fc.constantFrom('eth0', 'en0', 'wlp2s0', '3'), { nil: null }),
});
/** As Node reports an address (RFC 5952 aside): lower case, no padding, no zone. */
const noSpelling: Spelling = { upper: false, pad: false, compress: -1, zone: null };

function spell(groups: readonly number[], how: Spelling): string {
  const texts = groups.map((value) => (how.pad ? value.toString(16).padStart(4, '0') : value.toString(16)));
  const runs: [number, number][] = [];
  for (let start = 0; start < groups.length; start += 1) {
    if (groups[start] !== 0) continue;
    let end = start;
    while (groups[end] === 0) end += 1;
    runs.push([start, end]);
    start = end;
  }
  const run = how.compress < 0 ? undefined : runs[how.compress % Math.max(1, runs.length)];
  const text =
    run === undefined ? texts.join(':') : `${texts.slice(0, run[0]).join(':')}::${texts.slice(run[1]).join(':')}`;
  return (how.upper ? text.toUpperCase() : text) + (how.zone === null ? '' : `%${how.zone}`);
}

/** The /64 as written by Node's own WHATWG URL serializer (RFC 5952's form), not by the code under test. */
function expectedKey(prefix: readonly number[]): string {
  const hostname = new URL(`http://[${prefix.map((value) => value.toString(16)).join(':')}::]/`).hostname;
  return `${hostname.slice(1, -1)}/64`;
}

/** An address in ::ffff:0:0/96 is IPv4-mapped, and counts as IPv4. */
const isMapped = (groups: readonly number[]) =>
  groups.slice(0, 5).every((value) => value === 0) && groups[5] === 0xffff;

describe('address keys', () => {
  it('counts every address of one IPv6 /64 under one key, however it is spelled', () => {
    fc.assert(
      fc.property(fourGroups, fourGroups, fourGroups, spelling, spelling, (prefix, idA, idB, howA, howB) => {
        fc.pre(!isMapped([...prefix, ...idA]) && !isMapped([...prefix, ...idB]));
        const a = addressKey(spell([...prefix, ...idA], howA));
        const b = addressKey(spell([...prefix, ...idB], howB));
        assert.equal(a, expectedKey(prefix));
        assert.equal(b, a);
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps different /64s apart', () => {
    fc.assert(
      fc.property(fourGroups, fourGroups, fourGroups, spelling, (prefixA, prefixB, id, how) => {
        fc.pre(prefixA.some((value, i) => value !== prefixB[i]));
        fc.pre(!isMapped([...prefixA, ...id]) && !isMapped([...prefixB, ...id]));
        assert.notEqual(addressKey(spell([...prefixA, ...id], how)), addressKey(spell([...prefixB, ...id], how)));
      }),
      { numRuns: 1000 },
    );
  });

  it('counts ::ffff:a.b.c.d as a.b.c.d, in any spelling, and IPv4 as it is', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.boolean(), spelling, (ipv4, upper, how) => {
        const [a = 0, b = 0, c = 0, d = 0] = ipv4.split('.').map(Number);
        assert.equal(addressKey(ipv4), ipv4);
        assert.equal(addressKey(`${upper ? '::FFFF' : '::ffff'}:${ipv4}`), ipv4);
        assert.equal(addressKey(`0:0:0:0:0:ffff:${ipv4}`), ipv4);
        assert.equal(addressKey(spell([0, 0, 0, 0, 0, 0xffff, (a << 8) | b, (c << 8) | d], how)), ipv4);
      }),
      { numRuns: 1000 },
    );
  });

  it('writes keys in one canonical form; leaves what it cannot parse as it is', () => {
    assert.equal(addressKey('2001:DB8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:0db8:0000:0000:ffff:0:0:1'), '2001:db8::/64');
    assert.equal(addressKey('fe80::1%eth0'), 'fe80::/64');
    assert.equal(addressKey('fe80::2'), 'fe80::/64');
    // IPv4-compatible addresses (deprecated; Node prints ::/96 so) are IPv6 in ::/64, not IPv4.
    assert.equal(addressKey('::198.18.0.2'), '::/64');
    assert.equal(addressKey('::0.0.0.2'), '::/64');
    for (const unparseable of ['', 'x', '198.18.0', '2001:db8::1::2', '::ffff:198.18.0.256']) {
      assert.equal(addressKey(unparseable), unparseable);
    }
  });

  it('still knows loopback in every form Node reports it, so it stays exempt', () => {
    for (const address of ['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1', '::ffff:127.1.2.3']) {
      assert.ok(isLoopbackAddress(address), address);
    }
    for (const address of ['198.18.0.2', '::ffff:198.18.0.2', '2001:db8::1', '::2']) {
      assert.ok(!isLoopbackAddress(address), address);
    }
  });
});

// ---- The token lockout, as station.ts sets it up ----

const THROTTLE = {
  failures: LIMITS.tokenFailuresBeforeLockout,
  failureWindowMs: LIMITS.tokenFailureWindowMs,
  lockoutMs: DEFAULT_CONFIG.tokenLockoutMs,
  maxAddresses: LIMITS.tokenThrottleMaxAddresses,
};
const T0 = 1_700_000_000_000;

/** The station's answer to a wrong token (handshake.ts checks a lockout before the token). */
function wrongToken(throttle: TokenThrottle, address: string, now: number): 401 | 429 {
  if (throttle.remainingLockout(address, now) > 0) return 429;
  throttle.recordFailure(address, now);
  return 401;
}

/** Distinct hosts, as an attacker would gather them: IPv4 in 198.18.0.0/15, mapped, and IPv6 /64s. */
function otherHost(i: number): string {
  const n = Math.floor(i / 3);
  if (i % 3 === 0) return `198.18.${(n >> 8) & 0xff}.${n & 0xff}`;
  if (i % 3 === 1) return `::ffff:198.19.${(n >> 8) & 0xff}.${n & 0xff}`;
  return `2001:db8:${n.toString(16)}:7::1`;
}

describe('token lockout by host', () => {
  it('locks out 50 addresses of one /64 together after the 10th wrong token among them', () => {
    fc.assert(
      fc.property(
        fourGroups,
        fc.uniqueArray(fourGroups, { minLength: 50, maxLength: 50, selector: (id) => id.join(':') }),
        fc.array(spelling, { minLength: 50, maxLength: 50 }),
        (prefix, ids, hows) => {
          fc.pre(ids.every((id) => !isMapped([...prefix, ...id])));
          const addresses = ids.map((id, i) => spell([...prefix, ...id], hows[i] ?? noSpelling));
          const throttle = new TokenThrottle(THROTTLE);
          const answers = Array.from({ length: 500 }, (_, i) =>
            wrongToken(throttle, addresses[i % addresses.length] ?? '', T0 + i),
          );
          const compared = THROTTLE.failures;
          assert.deepEqual(answers.slice(0, compared), Array<number>(compared).fill(401));
          assert.deepEqual(answers.slice(compared), Array<number>(500 - compared).fill(429));
          assert.equal(throttle.lockouts, 1);
          for (const address of addresses) assert.ok(throttle.remainingLockout(address, T0 + 500) > 0, address);
          const neighbour = spell([...prefix.slice(0, 3), (prefix[3] ?? 0) ^ 1, 0, 0, 0, 2], noSpelling);
          assert.equal(throttle.remainingLockout(neighbour, T0 + 500), 0, 'the next /64 is another host');
        },
      ),
      { numRuns: 50 },
    );
  });

  it('keeps a locked address locked while 4,097 and more other addresses fail once each', () => {
    for (const victim of ['198.18.200.1', '::ffff:198.18.200.2', '2001:db8:ffff:1::1']) {
      const throttle = new TokenThrottle(THROTTLE);
      for (let k = 0; k < THROTTLE.failures; k += 1) wrongToken(throttle, victim, T0);
      assert.equal(wrongToken(throttle, victim, T0), 429);
      for (let i = 0; i < 3 * THROTTLE.maxAddresses; i += 1) {
        assert.equal(wrongToken(throttle, otherHost(i), T0 + 1), 401);
        if (i === THROTTLE.maxAddresses) assert.equal(wrongToken(throttle, victim, T0 + 1), 429, victim);
      }
      assert.equal(wrongToken(throttle, victim, T0 + 2), 429, victim);
      assert.equal(throttle.remainingLockout(victim, T0 + 2), THROTTLE.lockoutMs - 2);
      assert.equal(throttle.size, THROTTLE.maxAddresses, 'the others were forgotten instead');
      assert.equal(throttle.lockouts, 1);
    }
  });

  it('still forgets an address that is not locked out once maxAddresses others failed after it', () => {
    const victim = '2001:db8:ffff:1::1';
    for (const others of [THROTTLE.maxAddresses - 1, THROTTLE.maxAddresses]) {
      const throttle = new TokenThrottle(THROTTLE);
      for (let k = 1; k < THROTTLE.failures; k += 1) throttle.recordFailure(victim, T0);
      for (let i = 0; i < others; i += 1) throttle.recordFailure(otherHost(i), T0 + 1);
      const locked = throttle.recordFailure(victim, T0 + 2);
      // Remembered, its 10th wrong token locks it out; forgotten, counting starts afresh.
      assert.equal(locked, others < THROTTLE.maxAddresses, `after ${others} others`);
      assert.ok(throttle.size <= THROTTLE.maxAddresses);
    }
  });

  it('keeps every locked address beyond maxAddresses, and forgets them once their lockouts end', () => {
    const throttle = new TokenThrottle(THROTTLE);
    const lockedHosts = THROTTLE.maxAddresses + 5;
    for (let i = 0; i < lockedHosts; i += 1) {
      for (let k = 0; k < THROTTLE.failures; k += 1) throttle.recordFailure(otherHost(i), T0);
    }
    assert.equal(throttle.lockouts, lockedHosts);
    assert.equal(throttle.size, lockedHosts);
    const midway = T0 + THROTTLE.lockoutMs / 2;
    for (let i = 0; i < lockedHosts; i += 1) assert.equal(wrongToken(throttle, otherHost(i), midway), 429);

    // A newcomer while everyone else is locked out is remembered too: its wrong tokens add up.
    const newcomer = '198.18.255.1';
    for (let k = 1; k < THROTTLE.failures; k += 1) assert.equal(throttle.recordFailure(newcomer, midway), false);
    assert.equal(throttle.size, lockedHosts + 1);
    assert.equal(throttle.recordFailure(newcomer, midway), true);

    // Once those lockouts are over, the next failure brings the records back down to maxAddresses,
    // forgetting the ended lockouts, not the newcomer's, which is still running.
    const later = T0 + THROTTLE.lockoutMs;
    assert.equal(wrongToken(throttle, '198.18.255.2', later), 401);
    assert.equal(throttle.size, THROTTLE.maxAddresses);
    assert.equal(wrongToken(throttle, newcomer, later), 429);
    assert.equal(throttle.remainingLockout(newcomer, later), THROTTLE.lockoutMs / 2);
  });
});

// ---- Connection caps per host ----

/** What AddressLimits uses of a socket: its remoteAddress, and 'close'. */
class FakeSocket extends EventEmitter {
  constructor(readonly remoteAddress: string) {
    super();
  }
}

/** Opens a fake connection; `closeAll` ends every one opened, as the sockets' 'close' would. */
function connections(limits: AddressLimits) {
  const open: Socket[] = [];
  return {
    admit(address: string) {
      const socket = new FakeSocket(address) as unknown as Socket;
      const refusal = limits.admit(socket);
      if (refusal === null) open.push(socket);
      return { refusal, socket };
    },
    close(socket: Socket) {
      socket.emit('close', false);
      open.splice(open.indexOf(socket), 1);
    },
    closeAll() {
      for (const socket of open.splice(0)) socket.emit('close', false);
    },
  };
}

describe('connection caps by host', () => {
  const maxOpen = DEFAULT_CONFIG.maxConnectionsPerAddress;
  const maxPending = DEFAULT_CONFIG.maxPendingPerAddress;

  it('makes the addresses of one IPv6 /64 share the open and pending caps', () => {
    fc.assert(
      fc.property(fourGroups, fourGroups, (prefix, base) => {
        fc.pre(!isMapped([...prefix, base[0] ?? 0, base[1] ?? 0]));
        const limits = new AddressLimits(maxOpen, maxPending);
        const conns = connections(limits);
        // A fresh interface id for every connection, as a host with privacy addresses may use.
        let next = 0;
        const fresh = () => {
          next += 1;
          const id = [base[0] ?? 0, base[1] ?? 0, (next >> 16) ^ (base[2] ?? 0), next & 0xffff];
          return spell([...prefix, ...id], noSpelling);
        };
        const pending = Array.from({ length: maxPending }, () => conns.admit(fresh()));
        assert.ok(pending.every(({ refusal }) => refusal === null));
        assert.equal(conns.admit(fresh()).refusal, 'pending-per-address');
        const elsewhere = conns.admit(spell([...prefix.slice(0, 3), (prefix[3] ?? 0) ^ 1, 0, 0, 0, 1], noSpelling));
        assert.equal(elsewhere.refusal, null, 'another /64 is another host');

        for (const { socket } of pending) limits.established(socket);
        for (let i = maxPending; i < maxOpen; i += 1) {
          const { refusal, socket } = conns.admit(fresh());
          assert.equal(refusal, null);
          limits.established(socket);
        }
        assert.equal(conns.admit(fresh()).refusal, 'open-per-address');
        const [first] = pending;
        assert.ok(first);
        conns.close(first.socket);
        assert.equal(conns.admit(fresh()).refusal, null, 'a closed connection frees its place');

        conns.closeAll();
        for (let i = 0; i < maxPending; i += 1) assert.equal(conns.admit(fresh()).refusal, null);
        conns.closeAll();
      }),
      { numRuns: 20 },
    );
  });

  it('counts an IPv4-mapped peer as its IPv4 address, and each IPv4 address on its own', () => {
    const limits = new AddressLimits(maxOpen, maxPending);
    const conns = connections(limits);
    for (let i = 0; i < maxPending; i += 1) {
      assert.equal(conns.admit(i % 2 === 0 ? '198.18.0.2' : '::ffff:198.18.0.2').refusal, null);
    }
    assert.equal(conns.admit('198.18.0.2').refusal, 'pending-per-address');
    assert.equal(conns.admit('::ffff:198.18.0.2').refusal, 'pending-per-address');
    for (let i = 0; i < maxPending; i += 1) {
      assert.equal(conns.admit(i % 2 === 0 ? '::ffff:198.18.0.3' : '198.18.0.3').refusal, null);
    }
    assert.equal(conns.admit('::ffff:198.18.0.3').refusal, 'pending-per-address');
    conns.closeAll();
    assert.equal(conns.admit('::ffff:198.18.0.2').refusal, null);
    conns.closeAll();
  });

  it('never limits loopback, in any form', () => {
    const limits = new AddressLimits(1, 1);
    const conns = connections(limits);
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
      for (let i = 0; i < 3; i += 1) assert.equal(conns.admit(address).refusal, null, address);
    }
    assert.equal(conns.admit('198.18.0.2').refusal, null);
    assert.equal(conns.admit('198.18.0.2').refusal, 'open-per-address');
    conns.closeAll();
  });
});
