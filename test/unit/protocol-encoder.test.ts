/**
 * The encoder: exact bytes for each argument type and size class (each takes its own path in
 * RequestWriter), `take()` chunking, validation that never leaves half a command behind, and
 * fast-check round trips through our own decoder.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { InvalidArgumentError, ReplyError } from '../../src/errors.js';
import { RespDecoder } from '../../src/protocol/decoder.js';
import { encodeCommand, encodeReply, RequestWriter } from '../../src/protocol/encoder.js';
import type { RespArg, RespValue } from '../../src/protocol/resp-types.js';
import { cutsArb, SAFE_INT, splitAt, TREE } from '../helpers/resp-arbitraries.js';

/** The expected RESP bytes of a command, built the slow obvious way. */
function expectedCommand(args: readonly RespArg[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const body = argBytes(arg);
    parts.push(Buffer.from(`$${body.length}\r\n`), body, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** The bytes an argument must be sent as (integral numbers exactly, even beyond 2^53). */
function argText(arg: Exclude<RespArg, Buffer>): string {
  return typeof arg === 'number' && Number.isInteger(arg) ? BigInt(arg).toString() : String(arg);
}

function argBytes(arg: RespArg): Buffer {
  return Buffer.isBuffer(arg) ? arg : Buffer.from(argText(arg), 'utf8');
}

function decodeAll(bytes: Buffer | readonly Buffer[], returnBuffers: boolean): RespValue[] {
  const out: RespValue[] = [];
  const decoder = new RespDecoder({ onReply: (v) => out.push(v) });
  decoder.returnBuffers = returnBuffers;
  for (const chunk of Buffer.isBuffer(bytes) ? [bytes] : bytes) decoder.write(chunk);
  assert.equal(decoder.idle, true, 'bytes left over after the last frame');
  return out;
}

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('exact bytes', () => {
  const cases: [string, RespArg[], string | Buffer][] = [
    ['ASCII strings', ['GET', 'key'], '*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n'],
    ['empty string', ['SET', 'k', ''], '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n'],
    ['two-byte UTF-8', ['ECHO', 'héllo'], latin1('*2\r\n$4\r\nECHO\r\n$6\r\nh\xc3\xa9llo\r\n')],
    ['surrogate pair', ['ECHO', '😀'], latin1('*2\r\n$4\r\nECHO\r\n$4\r\n\xf0\x9f\x98\x80\r\n')],
    [
      'lone surrogate becomes U+FFFD, with the length counted for it',
      ['ECHO', 'a\ud800'],
      latin1('*2\r\n$4\r\nECHO\r\n$4\r\na\xef\xbf\xbd\r\n'),
    ],
    ['integer zero', ['INCRBY', 'k', 0], '*3\r\n$6\r\nINCRBY\r\n$1\r\nk\r\n$1\r\n0\r\n'],
    ['negative integer', ['INCRBY', 'k', -17], '*3\r\n$6\r\nINCRBY\r\n$1\r\nk\r\n$3\r\n-17\r\n'],
    ['negative zero', ['X', -0], '*2\r\n$1\r\nX\r\n$1\r\n0\r\n'],
    [
      'integers around digit boundaries',
      ['X', 9, 10, -9, -10],
      '*5\r\n$1\r\nX\r\n$1\r\n9\r\n$2\r\n10\r\n$2\r\n-9\r\n$3\r\n-10\r\n',
    ],
    [
      'largest safe integers',
      ['X', Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER],
      '*3\r\n$1\r\nX\r\n$16\r\n9007199254740991\r\n$17\r\n-9007199254740991\r\n',
    ],
    [
      'non-integer numbers in their shortest decimal form',
      ['X', 1.5, -0.25, 1e-7],
      '*4\r\n$1\r\nX\r\n$3\r\n1.5\r\n$5\r\n-0.25\r\n$4\r\n1e-7\r\n',
    ],
    // String(2 ** 60) would say 1152921504606847000: a different integer to the server.
    [
      'integral numbers beyond 2^53, exactly',
      ['X', 2 ** 60, -(2 ** 60), 1e21],
      '*4\r\n$1\r\nX\r\n$19\r\n1152921504606846976\r\n$20\r\n-1152921504606846976\r\n$22\r\n1000000000000000000000\r\n',
    ],
    [
      'bigints',
      ['X', 0n, -9223372036854775808n, 2n ** 70n],
      '*4\r\n$1\r\nX\r\n$1\r\n0\r\n$20\r\n-9223372036854775808\r\n$22\r\n1180591620717411303424\r\n',
    ],
    [
      'small binary Buffer, copied as is',
      ['SET', 'k', Buffer.from([0x00, 0x0d, 0x0a, 0xff])],
      latin1('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\n\x00\r\n\xff\r\n'),
    ],
    ['empty Buffer', ['SET', 'k', Buffer.alloc(0)], '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n'],
  ];
  for (const [name, args, bytes] of cases) {
    test(name, () => {
      const expected = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
      assert.deepEqual(encodeCommand(args), expected);
      assert.deepEqual(encodeCommand(args), expectedCommand(args));
    });
  }

  test('strings around the 48-unit short-string path', () => {
    for (const s of [
      'a'.repeat(47),
      'a'.repeat(48),
      'a'.repeat(49),
      `${'a'.repeat(47)}é`,
      `${'a'.repeat(49)}é`,
      'é'.repeat(48),
      '😀'.repeat(24),
      '😀'.repeat(30),
    ]) {
      assert.deepEqual(encodeCommand(['ECHO', s]), expectedCommand(['ECHO', s]), s);
    }
  });

  test('a header with many arguments', () => {
    const args = Array.from({ length: 1234 }, (_, i) => `a${i}`);
    const bytes = encodeCommand(args);
    assert.ok(bytes.subarray(0, 8).equals(Buffer.from('*1234\r\n$')));
    assert.deepEqual(bytes, expectedCommand(args));
  });

  test('a Buffer of 16 KiB or more is passed by reference (zero copy)', () => {
    for (const size of [16 * 1024, 100 * 1024]) {
      const big = Buffer.alloc(size, 0x5a);
      const writer = new RequestWriter();
      writer.writeCommand(['SET', 'k', big]);
      assert.equal(writer.pendingBytes, expectedCommand(['SET', 'k', big]).length);
      const chunks = writer.take();
      assert.ok(
        chunks.some((c) => c === big),
        'the argument itself should be one of the chunks',
      );
      assert.deepEqual(Buffer.concat(chunks), expectedCommand(['SET', 'k', big]));
    }
  });

  test('a Buffer just under 16 KiB is copied', () => {
    const buf = Buffer.alloc(16 * 1024 - 1, 0x41);
    const writer = new RequestWriter();
    writer.writeCommand(['SET', 'k', buf]);
    const chunks = writer.take();
    assert.ok(chunks.every((c) => c !== buf));
    assert.deepEqual(Buffer.concat(chunks), expectedCommand(['SET', 'k', buf]));
  });

  test('strings of 32 KiB or more, ASCII and not', () => {
    for (const s of ['b'.repeat(32 * 1024), 'c'.repeat(200_000), 'ü'.repeat(20_000)]) {
      const writer = new RequestWriter();
      writer.writeCommand(['SET', 'k', s, 'tail']);
      assert.deepEqual(Buffer.concat(writer.take()), expectedCommand(['SET', 'k', s, 'tail']));
    }
  });
});

describe('writeFrame (raw relay)', () => {
  test('frames go out verbatim, in order with encoded commands, small ones in the slab', () => {
    const small = encodeCommand(['GET', 'a']);
    const big = encodeCommand(['SET', 'b', Buffer.alloc(20 * 1024, 0x62)]);
    const writer = new RequestWriter();
    writer.writeCommand(['PING']);
    writer.writeFrame(small);
    writer.writeFrame(big);
    writer.writeCommand(['GET', 'c']);
    assert.equal(writer.pendingBytes, 14 + small.length + big.length + 20);
    const chunks = writer.take();
    assert.ok(chunks.includes(big), 'a large frame is passed by reference');
    assert.ok(!chunks.includes(small), 'a small frame is copied into the slab');
    assert.deepEqual(
      Buffer.concat(chunks),
      Buffer.concat([encodeCommand(['PING']), small, big, encodeCommand(['GET', 'c'])]),
    );
  });

  test("a copied frame is independent of the caller's buffer", () => {
    const frame = encodeCommand(['GET', 'k']);
    const writer = new RequestWriter();
    writer.writeFrame(frame);
    const chunks = writer.take();
    frame.fill(0x21);
    assert.deepEqual(Buffer.concat(chunks), encodeCommand(['GET', 'k']));
  });
});

describe('take()', () => {
  test('nothing encoded: no chunks', () => {
    const writer = new RequestWriter();
    assert.deepEqual(writer.take(), []);
    assert.equal(writer.pendingBytes, 0);
  });

  test('several commands come out as one chunk equal to their separate encodings', () => {
    const commands: RespArg[][] = [
      ['SET', 'a', 1],
      ['GET', 'a'],
      ['DEL', 'a', 'b', 'c'],
    ];
    const writer = new RequestWriter();
    let pending = 0;
    for (const args of commands) {
      writer.writeCommand(args);
      pending += encodeCommand(args).length;
      assert.equal(writer.pendingBytes, pending);
    }
    const chunks = writer.take();
    assert.equal(chunks.length, 1);
    assert.deepEqual(chunks[0], Buffer.concat(commands.map(encodeCommand)));
    assert.equal(writer.pendingBytes, 0);
    assert.deepEqual(writer.take(), []);
  });

  test('a taken chunk is never written to again', () => {
    const writer = new RequestWriter();
    writer.writeCommand(['SET', 'k', 'v']);
    const [first] = writer.take();
    assert.ok(first !== undefined);
    const snapshot = Buffer.from(first);
    for (let i = 0; i < 5000; i++) writer.writeCommand(['SET', `key:${i}`, 'x'.repeat(i % 60)]);
    writer.take();
    assert.deepEqual(first, snapshot);
  });

  test('10k commands without take() roll over slabs and concatenate exactly', () => {
    const commands: RespArg[][] = [];
    for (let i = 0; i < 10_000; i++) {
      commands.push(['HSET', `user:${i}`, 'name', `n${'é'.repeat(i % 7)}${i}`, 'age', i - 5000]);
      if (i % 997 === 0) commands.push(['SET', 'blob', Buffer.alloc(20_000 + i, i & 0xff)]);
    }
    const writer = new RequestWriter();
    for (const args of commands) writer.writeCommand(args);
    const expected = Buffer.concat(commands.map(encodeCommand));
    assert.equal(writer.pendingBytes, expected.length);
    const chunks = writer.take();
    assert.ok(chunks.length > 2, 'expected several slabs');
    assert.deepEqual(Buffer.concat(chunks), expected);
    assert.equal(decodeAll(chunks, false).length, commands.length);
  });
});

describe('invalid arguments', () => {
  const invalid: [string, unknown[]][] = [
    ['an object', ['SET', 'k', { a: 1 }]],
    ['an array', ['SET', 'k', ['v']]],
    ['NaN', ['INCRBY', 'k', Number.NaN]],
    ['Infinity', ['INCRBY', 'k', Number.POSITIVE_INFINITY]],
    ['-Infinity', ['INCRBY', 'k', Number.NEGATIVE_INFINITY]],
    ['undefined', ['GET', undefined]],
    ['null', ['GET', null]],
    ['a boolean', ['SET', 'k', true]],
    ['a symbol', ['SET', 'k', Symbol('v')]],
    ['a Uint8Array that is not a Buffer', ['SET', 'k', new Uint8Array(3)]],
    ['an invalid command name', [null, 'k']],
    ['empty args', []],
  ];
  for (const [name, args] of invalid) {
    test(`${name}: InvalidArgumentError, pending bytes unchanged`, () => {
      const writer = new RequestWriter();
      writer.writeCommand(['PING']);
      const before = writer.pendingBytes;
      // Deliberately outside the RespArg type: this is what untyped callers can pass.
      assert.throws(() => writer.writeCommand(args as RespArg[]), InvalidArgumentError);
      assert.equal(writer.pendingBytes, before);
      writer.writeCommand(['ECHO', 'after']);
      assert.deepEqual(
        Buffer.concat(writer.take()),
        Buffer.concat([encodeCommand(['PING']), encodeCommand(['ECHO', 'after'])]),
      );
      assert.throws(() => encodeCommand(args as RespArg[]), InvalidArgumentError);
    });
  }

  test('the error names the argument position', () => {
    assert.throws(() => encodeCommand(['SET', 'k', Number.NaN]), /argument 2/);
  });
});

describe('encodeReply exact bytes', () => {
  const cases: [string, RespValue, string, string][] = [
    ['null', null, '_\r\n', '$-1\r\n'],
    ['string', 'hé', '$3\r\nhé\r\n', '$3\r\nhé\r\n'],
    ['integer', -5, ':-5\r\n', ':-5\r\n'],
    ['double', 1.5, ',1.5\r\n', '$3\r\n1.5\r\n'],
    ['infinity', Number.NEGATIVE_INFINITY, ',-inf\r\n', '$4\r\n-inf\r\n'],
    ['integral double beyond 2^53', 1e21, ',1e+21\r\n', '$5\r\n1e+21\r\n'],
    ['bigint', 12n, '(12\r\n', ':12\r\n'],
    ['booleans', [true, false], '*2\r\n#t\r\n#f\r\n', '*2\r\n:1\r\n:0\r\n'],
    ['map', new Map([['a', 1]]), '%1\r\n$1\r\na\r\n:1\r\n', '*2\r\n$1\r\na\r\n:1\r\n'],
    ['error with a newline', new ReplyError('ERR a\r\nb'), '-ERR a  b\r\n', '-ERR a  b\r\n'],
    ['buffer', Buffer.from([0xff]), '$1\r\n\xff\r\n', '$1\r\n\xff\r\n'],
  ];
  for (const [name, value, resp3, resp2] of cases) {
    test(name, () => {
      const asBytes = (s: string): Buffer =>
        Buffer.isBuffer(value) ? Buffer.from(s, 'latin1') : Buffer.from(s, 'utf8');
      assert.deepEqual(encodeReply(value, true), asBytes(resp3));
      assert.deepEqual(encodeReply(value, false), asBytes(resp2));
    });
  }
});

// ------------------------------------------------------------------------------------------------
// Properties

const argArb: fc.Arbitrary<RespArg> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: 'grapheme-ascii', minLength: 40, maxLength: 60 }),
  fc.uint8Array({ maxLength: 64 }).map((u) => Buffer.from(u)),
  SAFE_INT,
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.bigInt(),
  // Rarely, something big enough for the long-string and zero-copy paths.
  fc
    .tuple(fc.integer({ min: 16 * 1024, max: 40 * 1024 }), fc.boolean())
    .map(([n, asBuffer]): RespArg => (asBuffer ? Buffer.alloc(n, n & 0xff) : 's'.repeat(n))),
);

const commandArb = fc.array(argArb, { minLength: 1, maxLength: 8 });

describe('properties', () => {
  test('encodeCommand → decoder gives back the arguments (as Buffers, and as strings)', () => {
    fc.assert(
      fc.property(commandArb, (args) => {
        const bytes = encodeCommand(args);
        assert.deepEqual(bytes, expectedCommand(args));
        assert.deepEqual(decodeAll(bytes, true), [args.map(argBytes)]);
        if (args.every((a): a is Exclude<RespArg, Buffer> => !Buffer.isBuffer(a))) {
          assert.deepEqual(decodeAll(bytes, false), [args.map(argText)]);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('RequestWriter with take() at random points equals the separate encodings', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(commandArb, fc.boolean()), { minLength: 1, maxLength: 40 }),
        (steps) => {
          const writer = new RequestWriter();
          const taken: Buffer[] = [];
          for (const [args, takeNow] of steps) {
            writer.writeCommand(args);
            if (takeNow) taken.push(...writer.take());
          }
          taken.push(...writer.take());
          assert.equal(writer.pendingBytes, 0);
          assert.deepEqual(
            Buffer.concat(taken),
            Buffer.concat(steps.map(([args]) => encodeCommand(args))),
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  test('encodeReply(v, true) → decoder gives back v', () => {
    fc.assert(
      fc.property(TREE, (value) => {
        assert.deepEqual(decodeAll(encodeReply(value, true), false), [value]);
      }),
      { numRuns: 1000 },
    );
  });

  test('re-chunking: any split of encoded replies decodes the same', () => {
    fc.assert(
      fc.property(fc.array(TREE, { minLength: 1, maxLength: 4 }), cutsArb, (values, seeds) => {
        const bytes = Buffer.concat(values.map((v) => encodeReply(v, true)));
        assert.deepEqual(decodeAll(splitAt(bytes, seeds), false), values);
      }),
      { numRuns: 500 },
    );
  });

  test('re-chunking: any split of encoded commands decodes the same', () => {
    fc.assert(
      fc.property(fc.array(commandArb, { minLength: 1, maxLength: 4 }), cutsArb, (cmds, seeds) => {
        const bytes = Buffer.concat(cmds.map(encodeCommand));
        assert.deepEqual(
          decodeAll(splitAt(bytes, seeds), true),
          cmds.map((args) => args.map(argBytes)),
        );
      }),
      { numRuns: 300 },
    );
  });
});
