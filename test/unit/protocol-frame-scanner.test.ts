/**
 * Raw relay's reader: the FrameScanner on its own and RespDecoder in raw mode, where each reply
 * is delivered as the exact bytes of its frame. Every fixture is fed whole, byte by byte and at
 * random splits; fast-check checks that scanning any encoded value (or any hand-built frame:
 * attributes, verbatim strings, blob errors, big numbers, sets) at any chunking gives back
 * exactly the bytes that were encoded.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ProtocolError, ReplyError } from '../../src/errors.js';
import { RespDecoder } from '../../src/protocol/decoder.js';
import { encodeReply } from '../../src/protocol/encoder.js';
import { FrameScanner } from '../../src/protocol/frame-scanner.js';
import { rawError } from '../../src/protocol/raw-error.js';
import type { RespValue } from '../../src/protocol/resp-types.js';
import {
  type Decoded,
  type Limits,
  MALFORMED_FIXTURES,
  VALID_FIXTURES,
} from '../fixtures/resp-frames.js';
import { feedings } from '../helpers/feedings.js';
import { cutsArb, splitAt, TREE } from '../helpers/resp-arbitraries.js';

interface RawOutcome {
  /** In arrival order: raw reply frames and decoded pushes. */
  readonly out: ({ raw: Buffer } | { push: { kind: string; data: readonly RespValue[] } })[];
  readonly error: unknown;
  readonly idle: boolean;
}

function rawDecode(chunks: readonly Buffer[], limits?: Limits): RawOutcome {
  const out: RawOutcome['out'] = [];
  const decoder = new RespDecoder({
    ...limits,
    onReply: (value) => {
      assert.ok(Buffer.isBuffer(value), `raw reply is not a Buffer: ${String(value)}`);
      out.push({ raw: value });
    },
    onPush: (p) => out.push({ push: { kind: p.kind, data: p.data } }),
  });
  decoder.raw = true;
  for (const chunk of chunks) {
    try {
      decoder.write(chunk);
    } catch (error) {
      return { out, error, idle: decoder.idle };
    }
  }
  return { out, error: undefined, idle: decoder.idle };
}

/** Decode one frame on its own: it must be exactly one reply. */
function decodeOne(frame: Buffer, limits?: Limits): RespValue {
  const values: RespValue[] = [];
  const decoder = new RespDecoder({ ...limits, onReply: (v) => values.push(v) });
  decoder.write(frame);
  assert.equal(values.length, 1, `${JSON.stringify(frame.toString('latin1'))} is not one frame`);
  assert.equal(decoder.idle, true);
  return values[0]!;
}

/** What a raw outcome means once each raw frame is decoded: comparable with a fixture. */
function asDecoded(outcome: RawOutcome, limits?: Limits): Decoded[] {
  return outcome.out.map((o) => ('raw' in o ? { reply: decodeOne(o.raw, limits) } : o));
}

const rawFrames = (outcome: RawOutcome): Buffer[] =>
  outcome.out.flatMap((o) => ('raw' in o ? [o.raw] : []));

/**
 * Malformed fixtures whose framing is sound and whose fault is in a scalar's content that the
 * scanner does not parse (a double's grammar): raw mode relays them as they are.
 */
const RELAYED_AS_IS = new Set([
  'double that is not a number',
  'double with two points',
  'empty double',
  'double with white space',
  'double in hex',
  'double spelt Infinity',
]);

describe('valid fixtures in raw mode: whole, byte by byte and at random splits', () => {
  for (const fixture of VALID_FIXTURES) {
    test(fixture.name, () => {
      const hasPush = fixture.expected.some((d) => 'push' in d);
      for (const [how, chunks] of feedings(fixture.name, fixture.bytes)) {
        const outcome = rawDecode(chunks, fixture.limits);
        assert.equal(outcome.error, undefined, `${how}: ${outcome.error}`);
        assert.equal(outcome.idle, true, `${how}: decoder not idle at the end`);
        // Each raw frame is one whole reply, and together they are the stream's replies.
        assert.deepEqual(asDecoded(outcome, fixture.limits), fixture.expected, how);
        // Nothing added, dropped or reordered: the frames are the input bytes themselves.
        if (!hasPush) assert.deepEqual(Buffer.concat(rawFrames(outcome)), fixture.bytes, how);
      }
    });
  }
});

describe('malformed fixtures in raw mode', () => {
  for (const fixture of MALFORMED_FIXTURES) {
    if (RELAYED_AS_IS.has(fixture.name)) {
      test(`${fixture.name}: relayed as it is (the client's decoder judges a double)`, () => {
        for (const [how, chunks] of feedings(fixture.name, fixture.bytes)) {
          const outcome = rawDecode(chunks, fixture.limits);
          assert.equal(outcome.error, undefined, how);
          assert.deepEqual(Buffer.concat(rawFrames(outcome)), fixture.bytes, how);
        }
      });
      continue;
    }
    test(`${fixture.name}: ProtocolError however it arrives`, () => {
      for (const [how, chunks] of feedings(fixture.name, fixture.bytes)) {
        const outcome = rawDecode(chunks, fixture.limits);
        assert.ok(outcome.error instanceof ProtocolError, `${how}: got ${outcome.error}`);
        assert.equal(outcome.error.code, 'ERR_PROTOCOL');
        assert.deepEqual(asDecoded(outcome, fixture.limits), fixture.before, how);
      }
    });
  }

  test('100k-deep nesting gives ProtocolError, not RangeError (whole and in 4 KiB chunks)', () => {
    const frame = Buffer.from(`${'*1\r\n'.repeat(100_000)}:1\r\n`);
    for (const size of [frame.length, 4096]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < frame.length; i += size) chunks.push(frame.subarray(i, i + size));
      assert.ok(rawDecode(chunks).error instanceof ProtocolError);
    }
  });

  test('after a ProtocolError the decoder is dead until reset()', () => {
    const out: RespValue[] = [];
    const decoder = new RespDecoder({ onReply: (v) => out.push(v) });
    decoder.raw = true;
    assert.throws(() => decoder.write(Buffer.from('+a\r\n*2\r\n?')), ProtocolError);
    assert.throws(() => decoder.write(Buffer.from('+b\r\n')), ProtocolError);
    decoder.reset();
    decoder.write(Buffer.from('+c\r\n'));
    assert.deepEqual(out, [Buffer.from('+a\r\n'), Buffer.from('+c\r\n')]);
  });
});

describe('copies', () => {
  test('a frame inside one chunk is a view of it (no copy)', () => {
    const chunk = Buffer.from('+PONG\r\n$5\r\nhello\r\n*2\r\n:1\r\n:2\r\n');
    const outcome = rawDecode([chunk]);
    const frames = rawFrames(outcome);
    assert.deepEqual(
      frames.map((f) => [f.buffer === chunk.buffer, f.byteOffset - chunk.byteOffset, f.length]),
      [
        [true, 0, 7],
        [true, 7, 11],
        [true, 18, 12],
      ],
    );
  });

  test('+OK is one shared constant, not a view', () => {
    const frames = rawFrames(rawDecode([Buffer.from('+OK\r\n+OK\r\n'), Buffer.from('+OK\r\n')]));
    assert.equal(frames.length, 3);
    assert.deepEqual(frames[0], Buffer.from('+OK\r\n'));
    assert.ok(frames[0] === frames[1] && frames[1] === frames[2]);
  });

  test('a 1 MiB blob in 1 KiB chunks is joined once, with no other copy', () => {
    const body = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = (i * 31 + 7) & 0xff;
    const frame = Buffer.concat([Buffer.from(`$${body.length}\r\n`), body, Buffer.from('\r\n')]);
    const chunks: Buffer[] = [];
    for (let i = 0; i < frame.length; i += 1024) chunks.push(frame.subarray(i, i + 1024));
    const concat = Buffer.concat;
    let calls = 0;
    let copied = 0;
    Buffer.concat = ((list: readonly Uint8Array[], total?: number) => {
      const joined = concat(list, total);
      calls++;
      copied += joined.length;
      return joined;
    }) as typeof Buffer.concat;
    let outcome: RawOutcome;
    try {
      outcome = rawDecode(chunks);
    } finally {
      Buffer.concat = concat;
    }
    assert.equal(outcome.error, undefined);
    assert.deepEqual(rawFrames(outcome), [frame]);
    assert.equal(calls, 1);
    assert.equal(copied, frame.length);
  });

  test('a frame spanning chunks ends where the next one starts, in the same chunk', () => {
    const outcome = rawDecode([Buffer.from('*2\r\n$3\r\nab'), Buffer.from('c\r\n:7\r\n+next\r\n')]);
    assert.deepEqual(rawFrames(outcome), [
      Buffer.from('*2\r\n$3\r\nabc\r\n:7\r\n'),
      Buffer.from('+next\r\n'),
    ]);
  });
});

describe('pushes are never replies', () => {
  test('a push between raw replies is decoded and handed to onPush', () => {
    const outcome = rawDecode([
      Buffer.from('+a\r\n>2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n:5\r\n'),
    ]);
    assert.deepEqual(outcome.out, [
      { raw: Buffer.from('+a\r\n') },
      { push: { kind: 'invalidate', data: ['invalidate', ['k']] } },
      { raw: Buffer.from(':5\r\n') },
    ]);
  });

  test('a push behind an attribute is still a push', () => {
    const bytes = Buffer.from('|1\r\n+a\r\n+b\r\n>2\r\n+message\r\n+hi\r\n+reply\r\n');
    for (const [how, chunks] of feedings('push behind an attribute', bytes)) {
      assert.deepEqual(
        rawDecode(chunks).out,
        [
          { push: { kind: 'message', data: ['message', 'hi'] } },
          { raw: Buffer.from('+reply\r\n') },
        ],
        how,
      );
    }
  });

  test('raw and decoded replies interleave, the mode chosen per reply', () => {
    const out: RespValue[] = [];
    const modes = [true, false, true, false];
    const decoder = new RespDecoder({
      onReply: (v) => {
        out.push(v);
        decoder.raw = modes[out.length] ?? false;
      },
    });
    decoder.raw = modes[0]!;
    const bytes = Buffer.from('$2\r\nab\r\n$2\r\ncd\r\n%1\r\n+k\r\n:1\r\n%1\r\n+k\r\n:1\r\n');
    for (let i = 0; i < bytes.length; i++) decoder.write(bytes.subarray(i, i + 1));
    assert.deepEqual(out, [
      Buffer.from('$2\r\nab\r\n'),
      'cd',
      Buffer.from('%1\r\n+k\r\n:1\r\n'),
      new Map([['k', 1]]),
    ]);
  });
});

describe('FrameScanner', () => {
  test('walks frame after frame through one buffer', () => {
    const scanner = new FrameScanner();
    const buf = Buffer.from('+OK\r\n*2\r\n$1\r\na\r\n_\r\n|1\r\n+x\r\n+y\r\n:1\r\n');
    const ends: number[] = [];
    for (let at = 0; at < buf.length; ) {
      at = scanner.scan(buf, at);
      ends.push(at);
    }
    assert.deepEqual(ends, [5, 19, 35]);
    assert.equal(scanner.idle, true);
  });

  test('resumes anywhere, even between CR and LF, and reports the carried type', () => {
    const scanner = new FrameScanner();
    assert.equal(scanner.scan(Buffer.from('|1\r\n+a\r\n+b\r'), 0), -1);
    assert.equal(scanner.idle, false);
    assert.equal(scanner.scan(Buffer.from('\n>1\r\n'), 0), -1);
    assert.equal(scanner.scan(Buffer.from(':1\r\n'), 0), 4);
    assert.equal(String.fromCharCode(scanner.frameType), '>');
    assert.equal(scanner.idle, true);
  });

  test('reset() forgets a frame in progress', () => {
    const scanner = new FrameScanner();
    assert.equal(scanner.scan(Buffer.from('*3\r\n:1\r\n$10\r\nab'), 0), -1);
    scanner.reset();
    assert.equal(scanner.idle, true);
    assert.equal(scanner.scan(Buffer.from(':2\r\n'), 0), 4);
  });

  test('a blob is skipped, not read: a 512 MiB header costs nothing until its bytes come', () => {
    const scanner = new FrameScanner();
    assert.equal(scanner.scan(Buffer.from(`$${512 * 1024 * 1024}\r\nxy`), 0), -1);
    assert.equal(scanner.idle, false);
  });
});

/** A hand-built frame: its bytes, for every type the encoder never produces. */
const printable = fc.string({ unit: 'grapheme-ascii', maxLength: 20 });
const body = fc.oneof(
  fc.uint8Array({ maxLength: 40 }).map((u) => Buffer.from(u)),
  fc.integer({ min: 16 * 1024, max: 20 * 1024 }).map((n) => Buffer.alloc(n, 0x0d)),
);
const blob = (type: string, b: Buffer): Buffer =>
  Buffer.concat([Buffer.from(`${type}${b.length}\r\n`), b, Buffer.from('\r\n')]);
const line = (type: string, text: string): Buffer => Buffer.from(`${type}${text}\r\n`);

const SCALAR: fc.Arbitrary<Buffer> = fc.oneof(
  printable.map((s) => line('+', s)),
  printable.map((s) => line('-', `ERR ${s}`)),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((n) => line(':', String(n))),
  fc.bigInt().map((n) => line('(', String(n))),
  fc.double().map((n) => line(',', String(n))),
  fc.boolean().map((b) => line('#', b ? 't' : 'f')),
  fc.constantFrom(line('_', ''), Buffer.from('$-1\r\n'), Buffer.from('*-1\r\n')),
  body.map((b) => blob('$', b)),
  body.map((b) => blob('!', b)),
  body.map((b) => blob('=', Buffer.concat([Buffer.from('txt:'), b]))),
);

const FRAME: fc.Arbitrary<Buffer> = fc.letrec<{ node: Buffer }>((tie) => {
  const children = fc.array(tie('node'), { maxLength: 4, depthIdentifier: 'frame' });
  const aggregate = (type: string, per: number) =>
    fc
      .array(fc.array(tie('node'), { minLength: per, maxLength: per }), {
        maxLength: 3,
        depthIdentifier: 'frame',
      })
      .map((items) => Buffer.concat([Buffer.from(`${type}${items.length}\r\n`), ...items.flat()]));
  return {
    node: fc.oneof(
      { maxDepth: 4, depthIdentifier: 'frame' },
      SCALAR,
      children.map((c) => Buffer.concat([Buffer.from(`*${c.length}\r\n`), ...c])),
      children.map((c) => Buffer.concat([Buffer.from(`~${c.length}\r\n`), ...c])),
      aggregate('%', 2),
      // An attribute and the value it annotates are one frame.
      fc
        .tuple(aggregate('|', 2), tie('node'))
        .map(([attribute, value]) => Buffer.concat([attribute, value])),
    ),
  };
}).node;

/** RESP2 has no big numbers: a bigint goes out as a `:` integer, which must fit in int64. */
function fitsResp2(value: RespValue): boolean {
  if (typeof value === 'bigint') return value >= -(2n ** 63n) && value < 2n ** 63n;
  if (Array.isArray(value)) return value.every(fitsResp2);
  if (value instanceof Map) return [...value].every(([k, v]) => fitsResp2(k) && fitsResp2(v));
  return true;
}

function assertScansTo(frames: readonly Buffer[], seeds: readonly number[]): void {
  const outcome = rawDecode(splitAt(Buffer.concat(frames), seeds));
  assert.equal(outcome.error, undefined, String(outcome.error));
  assert.equal(outcome.idle, true);
  assert.deepEqual(rawFrames(outcome), frames);
}

describe('properties', () => {
  test('scan(encodeReply(v)) is exactly the encoded bytes, RESP3 and RESP2, any chunking', () => {
    fc.assert(
      fc.property(
        fc.array(TREE, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        cutsArb,
        (values, resp3, seeds) => {
          fc.pre(resp3 || values.every(fitsResp2));
          assertScansTo(
            values.map((v) => encodeReply(v, resp3)),
            seeds,
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  test('hand-built frames (attributes, verbatim, blob errors, sets) scan to themselves', () => {
    fc.assert(
      fc.property(fc.array(FRAME, { minLength: 1, maxLength: 4 }), cutsArb, (frames, seeds) => {
        assertScansTo(frames, seeds);
        // The scanner's boundaries agree with the decoder's: each frame is one whole reply.
        for (const frame of frames) decodeOne(frame);
      }),
      { numRuns: 500 },
    );
  });
});

describe('rawError', () => {
  test('finds simple, blob and attributed errors', () => {
    const cases: [string, string | undefined][] = [
      ['-MOVED 3999 127.0.0.1:6381\r\n', 'MOVED 3999 127.0.0.1:6381'],
      ['-ERR\r\n', 'ERR'],
      ['!21\r\nSYNTAX invalid syntax\r\n', 'SYNTAX invalid syntax'],
      ['|1\r\n+a\r\n+b\r\n-LOADING dataset\r\n', 'LOADING dataset'],
      ['+OK\r\n', undefined],
      ['$5\r\n-ERR \r\n', undefined],
      ['*1\r\n-ERR inner\r\n', undefined],
      ['|1\r\n+a\r\n+b\r\n:1\r\n', undefined],
    ];
    for (const [frame, message] of cases) {
      const error = rawError(Buffer.from(frame));
      if (message === undefined) assert.equal(error, undefined, frame);
      else {
        assert.ok(error instanceof ReplyError, frame);
        assert.equal(error.message, message);
      }
    }
    assert.equal(rawError(Buffer.from('-MOVED 1 h:1\r\n'))?.prefix, 'MOVED');
  });
});
