/**
 * The count of held input against a model, for generated frame sequences cut into generated
 * reads: fragments with control frames between them, messages packed into one read, headers split
 * across reads, 7-, 16- and 64-bit lengths, compressed messages. What the meter says a peer holds
 * must be exactly what ws still holds by the rules in input-meter.ts, however the bytes arrive.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FRAGMENT_BYTES, InputMeter, MAX_INFLATION_RATIO } from '../main/station/peers/input-meter';
import { encodeFrame } from './helpers/raw-websocket';

const MAX_PAYLOAD = 16 * 1024 * 1024;

const controlFrame = fc.record({ opcode: fc.constantFrom(0x9, 0xa), size: fc.integer({ min: 0, max: 125 }) });
const message = fc.record({
  opcode: fc.constantFrom(0x1, 0x2),
  compressed: fc.boolean(),
  fragments: fc.array(
    fc.record({
      // Across the 7-bit, 16-bit and 64-bit length forms.
      size: fc.oneof(fc.integer({ min: 0, max: 200 }), fc.constantFrom(125, 126, 65_535, 65_536, 70_000)),
      controlsAfter: fc.array(controlFrame, { maxLength: 2 }),
    }),
    { minLength: 1, maxLength: 3 },
  ),
});
type Message = typeof message extends fc.Arbitrary<infer T> ? T : never;
type Control = typeof controlFrame extends fc.Arbitrary<infer T> ? T : never;

interface Wire {
  bytes: Buffer[];
  length: number;
  /** Each event ws emits (a message, a ping, a pong), in order: the mark (a wire offset) once it is emitted. */
  events: { mark: number; compressed: boolean }[];
  /** Where the header of each fragment ws keeps as an object of its own ends. */
  fragmentHeadersEnd: number[];
}

/** A wire offset on the meter's scale: plus FRAGMENT_BYTES for each fragment whose header came before it. */
function scaled(wire: Wire, offset: number): number {
  return offset + FRAGMENT_BYTES * wire.fragmentHeadersEnd.filter((end) => end <= offset).length;
}

function frame(opcode: number, size: number, fin: boolean, compressed = false): Buffer {
  const bytes = encodeFrame(opcode, Buffer.alloc(size), { fin });
  if (compressed) bytes[0] = (bytes[0] ?? 0) | 0x40;
  return bytes;
}

function append(wire: Wire, bytes: Buffer): void {
  wire.bytes.push(bytes);
  wire.length += bytes.length;
}

/** A ping or pong; inside a fragmented message it leaves the mark at the message's start. */
function addControl(wire: Wire, control: Control, messageStart: number | null): void {
  append(wire, frame(control.opcode, control.size, true));
  wire.events.push({ mark: messageStart ?? wire.length, compressed: false });
}

/** A message whose control frames come between its fragments (and after its last). */
function addMessage(wire: Wire, { opcode, compressed, fragments }: Message): void {
  const start = wire.length;
  fragments.forEach((fragment, index) => {
    const last = index === fragments.length - 1;
    const bytes = frame(index === 0 ? opcode : 0x0, fragment.size, last, compressed && index === 0);
    if (fragments.length > 1 && fragment.size > 0) {
      wire.fragmentHeadersEnd.push(wire.length + bytes.length - fragment.size);
    }
    append(wire, bytes);
    if (last) wire.events.push({ mark: wire.length, compressed });
    for (const control of fragment.controlsAfter) addControl(wire, control, last ? null : start);
  });
}

const scenario = fc.record({
  complete: fc.array(fc.oneof(message, controlFrame), { maxLength: 5 }),
  /** A message that has started and is not complete: cut this far into its bytes. */
  unfinished: fc.option(fc.record({ message, cut: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }) })),
  reads: fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 20 }),
  emittedShare: fc.double({ min: 0, max: 1, noNaN: true }),
});

describe('the count of held input', () => {
  it('is what ws still holds, however the frames are cut into reads', () => {
    fc.assert(
      fc.property(scenario, ({ complete, unfinished, reads, emittedShare }) => {
        const wire: Wire = { bytes: [], length: 0, events: [], fragmentHeadersEnd: [] };
        for (const item of complete) {
          if ('fragments' in item) addMessage(wire, item);
          else addControl(wire, item, null);
        }
        const eventsBeforeUnfinished = wire.events.length;
        let unfinishedStart = -1;
        let compressedStarted = wire.events.filter((event) => event.compressed).length;
        if (unfinished !== null) {
          unfinishedStart = wire.length;
          // Nothing after its last fragment: cut anywhere short of its end, it is unfinished.
          const fragments = unfinished.message.fragments.map((fragment, index, all) =>
            index === all.length - 1 ? { ...fragment, controlsAfter: [] } : fragment,
          );
          const tail: Wire = { bytes: [], length: 0, events: [], fragmentHeadersEnd: [] };
          addMessage(tail, { ...unfinished.message, fragments });
          const whole = Buffer.concat(tail.bytes);
          const cut = 1 + Math.floor(unfinished.cut * (whole.length - 1));
          wire.fragmentHeadersEnd.push(...tail.fragmentHeadersEnd.map((end) => unfinishedStart + end));
          append(wire, whole.subarray(0, cut));
          // Its control frames that came whole are emitted by ws, the mark staying at its start.
          let end = 0;
          for (const part of tail.bytes) {
            end += part.length;
            if (end <= cut && ((part[0] ?? 0) & 0x0f) >= 0x8) {
              wire.events.push({ mark: unfinishedStart, compressed: false });
            }
          }
          // The meter knows a message is compressed once it has the first frame's whole header.
          if (unfinished.message.compressed && cut >= 2 + headerExtra(tail.bytes[0])) compressedStarted += 1;
        }
        const bytes = Buffer.concat(wire.bytes);

        const meter = new InputMeter({ readableLength: 0 }, MAX_PAYLOAD);
        let offset = 0;
        for (let i = 0; offset < bytes.length; i += 1) {
          const size = reads[i % reads.length] ?? 1;
          meter.scan(bytes.subarray(offset, offset + size));
          offset += size;
        }
        const emitted = Math.floor(emittedShare * wire.events.length);
        for (let i = 0; i < emitted; i += 1) meter.emitted();

        const taken = wire.events.slice(0, emitted);
        const wireHeld = scaled(wire, bytes.length) - scaled(wire, taken.at(-1)?.mark ?? 0);
        const compressedInFlight = compressedStarted - taken.filter((event) => event.compressed).length;
        const inflation = compressedInFlight > 0 ? Math.min(MAX_PAYLOAD, MAX_INFLATION_RATIO * wireHeld) : 0;
        // The meter's own queue counts too: at most 8 bytes for each event it still expects.
        assert.ok(meter.queueBytes() <= 8 * wire.events.length);
        assert.equal(meter.heldBytes() - meter.queueBytes(), wireHeld + inflation);
        assert.equal(meter.inProgressStart(), unfinishedStart === -1 ? -1 : scaled(wire, unfinishedStart));
        // The station waits for the peer only once everything before the unfinished message is taken.
        assert.equal(meter.awaitingPeer(), unfinishedStart !== -1 && emitted >= eventsBeforeUnfinished);
      }),
      { numRuns: 300 },
    );
  });
});

/** A client frame header's bytes after the first two: the extended length and the masking key. */
function headerExtra(frameBytes: Buffer | undefined): number {
  const length7 = (frameBytes?.[1] ?? 0) & 0x7f;
  return (length7 === 126 ? 2 : length7 === 127 ? 8 : 0) + 4;
}

describe('what the meter stops counting', () => {
  const ping = () => frame(0x9, 4, true);

  it('counts nothing after a Close frame: ws reads on only to discard', () => {
    const meter = new InputMeter({ readableLength: 0 }, MAX_PAYLOAD);
    const close = frame(0x8, 2, true);
    const before = Buffer.concat([frame(0x1, 10, true), close]);
    assert.equal(meter.scan(before), before.length);
    const held = meter.heldBytes();
    // A half-open peer streaming pings after its Close: ten thousand of them, in one read and in many.
    assert.equal(meter.scan(Buffer.concat(Array.from({ length: 10_000 }, ping))), 0);
    for (let i = 0; i < 100; i += 1) assert.equal(meter.scan(ping()), 0);
    assert.equal(meter.heldBytes(), held);
    assert.equal(meter.takeCompleted(), 1);
    // The message before the Close is still ws's to emit; then only the Close itself is counted.
    meter.emitted();
    assert.equal(meter.heldBytes(), close.length);
  });

  it('counts and expects nothing once ws gives up on the stream', () => {
    const meter = new InputMeter({ readableLength: 0 }, MAX_PAYLOAD);
    meter.scan(Buffer.concat([frame(0x1, 10, false), ping(), ping()]));
    assert.ok(meter.heldBytes() > 0);
    meter.stop();
    assert.equal(meter.heldBytes(), 0);
    assert.equal(meter.inProgressStart(), -1);
    assert.equal(meter.scan(Buffer.concat(Array.from({ length: 1000 }, ping))), 0);
    assert.equal(meter.heldBytes(), 0);
  });

  it('counts each kept fragment as FRAGMENT_BYTES on top of its bytes, and a whole message as its bytes', () => {
    const meter = new InputMeter({ readableLength: 0 }, MAX_PAYLOAD);
    const single = frame(0x1, 1, true);
    assert.equal(meter.scan(single), single.length);
    meter.emitted();
    const fragments = Buffer.concat([frame(0x1, 1, false), ...Array.from({ length: 99 }, () => frame(0x0, 1, false))]);
    assert.equal(meter.scan(fragments), fragments.length + 100 * FRAGMENT_BYTES);
    assert.equal(meter.heldBytes(), fragments.length + 100 * FRAGMENT_BYTES);
  });
});
