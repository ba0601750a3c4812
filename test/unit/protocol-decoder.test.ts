/**
 * RespDecoder against the fixture table: every fixture fed whole, byte by byte and at 50 random
 * split points (seeded per fixture, so a failure names the seed and cuts that reproduce it), in
 * string and buffer mode. How the bytes arrive must never change what comes out.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProtocolError, ReplyError } from '../../src/errors.js';
import { RespDecoder } from '../../src/protocol/decoder.js';
import type { RespValue } from '../../src/protocol/resp-types.js';
import {
  type Decoded,
  type Limits,
  MALFORMED_FIXTURES,
  toBufferMode,
  VALID_FIXTURES,
} from '../fixtures/resp-frames.js';
import { feedings } from '../helpers/feedings.js';

interface Outcome {
  readonly decoded: Decoded[];
  readonly error: unknown;
  readonly idle: boolean;
}

function decode(chunks: readonly Buffer[], limits: Limits | undefined, buffers: boolean): Outcome {
  const decoded: Decoded[] = [];
  const decoder = new RespDecoder({
    ...limits,
    onReply: (value) => decoded.push({ reply: value }),
    onPush: (p) => decoded.push({ push: { kind: p.kind, data: p.data } }),
  });
  decoder.returnBuffers = buffers;
  for (const chunk of chunks) {
    try {
      decoder.write(chunk);
    } catch (error) {
      return { decoded, error, idle: decoder.idle };
    }
  }
  return { decoded, error: undefined, idle: decoder.idle };
}

function assertProtocolError(error: unknown, where: string): asserts error is ProtocolError {
  assert.ok(error instanceof ProtocolError, `${where}: expected ProtocolError, got ${error}`);
  assert.equal(error.code, 'ERR_PROTOCOL');
}

describe('valid fixtures: whole, byte by byte and at random splits', () => {
  for (const fixture of VALID_FIXTURES) {
    test(fixture.name, () => {
      const modes: [string, boolean, readonly Decoded[]][] = [
        ['string mode', false, fixture.expected],
        ['buffer mode', true, fixture.expectedBuffers ?? toBufferMode(fixture.expected)],
      ];
      for (const [mode, buffers, expected] of modes) {
        for (const [how, chunks] of feedings(fixture.name, fixture.bytes)) {
          const outcome = decode(chunks, fixture.limits, buffers);
          const where = `${mode}, ${how}`;
          assert.equal(outcome.error, undefined, `${where}: ${outcome.error}`);
          assert.deepEqual(outcome.decoded, expected, where);
          assert.equal(outcome.idle, true, `${where}: decoder not idle at the end`);
        }
      }
    });
  }
});

describe('malformed fixtures throw ProtocolError however they arrive', () => {
  for (const fixture of MALFORMED_FIXTURES) {
    test(fixture.name, () => {
      const whole = decode([fixture.bytes], fixture.limits, false);
      assertProtocolError(whole.error, 'whole');
      for (const [how, chunks] of feedings(fixture.name, fixture.bytes)) {
        const outcome = decode(chunks, fixture.limits, false);
        assertProtocolError(outcome.error, how);
        assert.deepEqual(outcome.decoded, fixture.before, how);
        // The same frame is blamed for the same reason, wherever the chunk boundaries fall.
        assert.equal(outcome.error.message, whole.error.message, how);
      }
    });
  }
});

describe('buffer mode', () => {
  test('can change between replies, as the connection does per command', () => {
    const out: RespValue[] = [];
    const decoder = new RespDecoder({ onReply: (v) => out.push(v) });
    decoder.write(Buffer.from('+a\r\n$1\r\nb'));
    decoder.returnBuffers = true;
    decoder.write(Buffer.from('\r\n+c\r\n'));
    // '$1\r\nb' was incomplete, so it is decoded in the mode set when it completes.
    assert.deepEqual(out, ['a', Buffer.from('b'), Buffer.from('c')]);
  });

  test('returns copies, not views of the socket chunk', () => {
    const out: RespValue[] = [];
    const decoder = new RespDecoder({ onReply: (v) => out.push(v) });
    decoder.returnBuffers = true;
    const chunk = Buffer.from('$3\r\nabc\r\n+de\r\n');
    decoder.write(chunk);
    chunk.fill(0x21);
    assert.deepEqual(out, [Buffer.from('abc'), Buffer.from('de')]);
  });

  test('error messages and push kinds stay strings', () => {
    const out: Decoded[] = [];
    const decoder = new RespDecoder({
      onReply: (v) => out.push({ reply: v }),
      onPush: (p) => out.push({ push: p }),
    });
    decoder.returnBuffers = true;
    decoder.write(Buffer.from('-ERR x\r\n!3\r\nE y\r\n>2\r\n+message\r\n+hi\r\n'));
    assert.deepEqual(out, [
      { reply: new ReplyError('ERR x') },
      { reply: new ReplyError('E y') },
      { push: { kind: 'message', data: [Buffer.from('message'), Buffer.from('hi')] } },
    ]);
  });
});

describe('large and hostile input', () => {
  test('a 1 MiB blob in 1 KiB chunks decodes once, joined once', () => {
    const body = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = (i * 31 + 7) & 0xff;
    const frame = Buffer.concat([Buffer.from(`$${body.length}\r\n`), body, Buffer.from('\r\n')]);
    const out: RespValue[] = [];
    const decoder = new RespDecoder({ onReply: (v) => out.push(v) });
    decoder.returnBuffers = true;
    // Count the bytes Buffer.concat copies: re-joining everything per chunk would copy ~512 MiB.
    const concat = Buffer.concat;
    let copied = 0;
    Buffer.concat = ((list: readonly Uint8Array[], total?: number) => {
      const joined = concat(list, total);
      copied += joined.length;
      return joined;
    }) as typeof Buffer.concat;
    try {
      for (let i = 0; i < frame.length; i += 1024) {
        decoder.write(frame.subarray(i, i + 1024));
        if (i + 1024 < frame.length) assert.equal(decoder.idle, false);
      }
    } finally {
      Buffer.concat = concat;
    }
    assert.equal(out.length, 1);
    assert.ok(Buffer.isBuffer(out[0]));
    assert.ok(body.equals(out[0]), 'blob content differs');
    assert.ok(
      copied <= 2 * frame.length,
      `copied ${copied} bytes for a ${frame.length}-byte frame`,
    );
    assert.equal(decoder.idle, true);
  });

  test('100k-deep nesting gives ProtocolError, not RangeError (whole and in 4 KiB chunks)', () => {
    const frame = Buffer.from(`${'*1\r\n'.repeat(100_000)}:1\r\n`);
    for (const size of [frame.length, 4096]) {
      const decoder = new RespDecoder({ onReply: () => assert.fail('no reply expected') });
      assert.throws(() => {
        for (let i = 0; i < frame.length; i += size) decoder.write(frame.subarray(i, i + size));
      }, ProtocolError);
    }
  });

  test('100k-deep nesting under a raised maxDepth decodes without recursion', () => {
    const depth = 100_000;
    const out: RespValue[] = [];
    const decoder = new RespDecoder({ maxDepth: depth, onReply: (v) => out.push(v) });
    decoder.write(Buffer.from(`${'*1\r\n'.repeat(depth)}:1\r\n`));
    assert.equal(out.length, 1);
    // Walked iteratively: assert.deepEqual on this value would itself overflow the stack.
    let node: RespValue | undefined = out[0];
    let levels = 0;
    while (Array.isArray(node)) {
      assert.equal(node.length, 1);
      node = node[0];
      levels++;
    }
    assert.equal(levels, depth);
    assert.equal(node, 1);
  });

  test('a huge declared aggregate length allocates nothing up front', () => {
    const decoder = new RespDecoder({ onReply: () => assert.fail('no reply expected') });
    decoder.write(Buffer.from('*99999999\r\n:1\r\n'));
    assert.equal(decoder.idle, false);
  });
});

describe('failure is final', () => {
  test('after a ProtocolError every further write throws and nothing is delivered', () => {
    const out: RespValue[] = [];
    const decoder = new RespDecoder({ onReply: (v) => out.push(v) });
    assert.throws(() => decoder.write(Buffer.from('+a\r\n?bad\r\n')), ProtocolError);
    assert.deepEqual(out, ['a']);
    assert.throws(() => decoder.write(Buffer.from('+b\r\n')), ProtocolError);
    assert.throws(() => decoder.write(Buffer.alloc(0)), ProtocolError);
    assert.deepEqual(out, ['a']);
  });

  test('an error thrown by onReply propagates and kills the decoder', () => {
    const out: RespValue[] = [];
    const decoder = new RespDecoder({
      onReply: (v) => {
        if (v === 'stray') throw new ProtocolError('nobody asked');
        out.push(v);
      },
    });
    assert.throws(() => decoder.write(Buffer.from('+ok\r\n+stray\r\n+lost\r\n')), /nobody asked/);
    assert.deepEqual(out, ['ok']);
    assert.throws(() => decoder.write(Buffer.from('+x\r\n')), ProtocolError);
  });

  test('an error thrown by onReply for a blob collected across chunks kills the decoder', () => {
    const decoder = new RespDecoder({
      onReply: () => {
        throw new ProtocolError('nobody asked');
      },
    });
    const body = 'z'.repeat(20_000);
    decoder.write(Buffer.from(`$${body.length}\r\n${body.slice(0, 100)}`));
    assert.throws(() => decoder.write(Buffer.from(`${body.slice(100)}\r\n`)), /nobody asked/);
    assert.throws(() => decoder.write(Buffer.from('+x\r\n')), ProtocolError);
  });
});

describe('idle and reset()', () => {
  test('idle is true exactly when no partial frame is buffered', () => {
    const decoder = new RespDecoder({ onReply: () => {} });
    assert.equal(decoder.idle, true);
    decoder.write(Buffer.from('+O'));
    assert.equal(decoder.idle, false);
    decoder.write(Buffer.from('K\r\n'));
    assert.equal(decoder.idle, true);
    decoder.write(Buffer.from('*2\r\n:1\r\n'));
    assert.equal(decoder.idle, false, 'inside an aggregate');
    decoder.write(Buffer.from(':2\r\n'));
    assert.equal(decoder.idle, true);
    decoder.write(Buffer.from(`$20000\r\n${'y'.repeat(500)}`));
    assert.equal(decoder.idle, false, 'inside a large blob');
    decoder.write(Buffer.from(`${'y'.repeat(19_500)}\r`));
    assert.equal(decoder.idle, false, 'before the blob terminator LF');
    decoder.write(Buffer.from('\n'));
    assert.equal(decoder.idle, true);
  });

  const partials: [string, string][] = [
    ['a partial line', '+hal'],
    ['a partial aggregate', '*3\r\n:1\r\n*2\r\n:2\r\n'],
    ['a partial small blob', '$10\r\nabc'],
    ['a partial large blob', `$20000\r\n${'q'.repeat(1000)}`],
    ['a partial map key', '%2\r\n+k1\r\n:1\r\n$2\r\nk'],
  ];
  for (const [what, bytes] of partials) {
    test(`reset() forgets ${what}`, () => {
      const out: RespValue[] = [];
      const decoder = new RespDecoder({ onReply: (v) => out.push(v) });
      decoder.write(Buffer.from(bytes));
      assert.equal(decoder.idle, false);
      decoder.reset();
      assert.equal(decoder.idle, true);
      decoder.write(Buffer.from('*2\r\n+fresh\r\n%1\r\n:1\r\n:2\r\n'));
      assert.deepEqual(out, [['fresh', new Map([[1, 2]])]]);
      assert.equal(decoder.idle, true);
    });
  }

  test('reset() revives a decoder that failed', () => {
    const out: RespValue[] = [];
    const decoder = new RespDecoder({ onReply: (v) => out.push(v) });
    assert.throws(() => decoder.write(Buffer.from('*2\r\n:1\r\n#x\r\n')), ProtocolError);
    decoder.reset();
    decoder.write(Buffer.from('+again\r\n'));
    assert.deepEqual(out, ['again']);
  });
});
