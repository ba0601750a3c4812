/**
 * The request encoder against the two obvious alternatives, and the claim in
 * src/protocol/encoder.ts that a JS byte loop beats `Buffer.byteLength` + `buf.write` for short
 * strings (both of which cross into C++).
 *
 * Every variant produces the same RESP bytes as a Buffer the connection could write. The writer
 * is measured with one `take()` per command, which is what a lone caller costs; with many callers
 * one `take()` serves a whole batch, so the batched figure is shown too.
 */
import { bench, do_not_optimize, group, summary } from 'mitata';
import { RequestWriter } from '../../src/protocol/encoder.js';

const SET_ASCII = ['SET', 'key:123', 'value-16-bytes!!'] as const;
const GET_ASCII = ['GET', 'key:123'] as const;
// Same shapes with one non-ASCII character each, which sends RequestWriter down its exact path.
const SET_UTF8 = ['SET', 'kéy:123', 'välue-16-bytes!'] as const;
const GET_UTF8 = ['GET', 'kéy:123'] as const;

const SLAB_SIZE = 64 * 1024;

/** The naive encoder: one string built by concatenation, then one Buffer. */
function encodeByConcat(args: readonly string[]): Buffer {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
  return Buffer.from(s);
}

/**
 * RequestWriter's structure (a shared slab, headers as bytes, a view per command) with the
 * string bytes written by `Buffer.byteLength` + `buf.write` instead of the JS loop: isolates the
 * one choice the encoder's comment is about.
 */
class NativeWriteEncoder {
  #slab = Buffer.allocUnsafe(SLAB_SIZE);
  #end = 0;

  encode(args: readonly string[]): Buffer {
    if (this.#end + 1024 > SLAB_SIZE) {
      this.#slab = Buffer.allocUnsafe(SLAB_SIZE);
      this.#end = 0;
    }
    const slab = this.#slab;
    const start = this.#end;
    let p = writeHeader(slab, start, 0x2a, args.length);
    for (const a of args) {
      p = writeHeader(slab, p, 0x24, Buffer.byteLength(a, 'utf8'));
      p += slab.write(a, p, 'utf8');
      slab[p++] = 0x0d;
      slab[p++] = 0x0a;
    }
    this.#end = p;
    return slab.subarray(start, p);
  }
}

function writeHeader(slab: Buffer, at: number, type: number, n: number): number {
  let p = at;
  slab[p++] = type;
  let digits = 1;
  for (let m = n; m >= 10; m = Math.floor(m / 10)) digits++;
  let q = p + digits;
  let m = n;
  do {
    slab[--q] = 0x30 + (m % 10);
    m = Math.floor(m / 10);
  } while (m > 0);
  p += digits;
  slab[p++] = 0x0d;
  slab[p++] = 0x0a;
  return p;
}

/** The string-writing step alone, three ways, on a 16-character argument. */
function stringWriteBenches(label: string, s: string): void {
  const slab = Buffer.allocUnsafe(SLAB_SIZE);
  let at = 0;
  const next = (): number => {
    at = at + 64 > SLAB_SIZE ? 0 : at + 64;
    return at;
  };
  summary(() => {
    bench(`${label}: JS charCodeAt loop (encoder's short path)`, () => {
      const p = next();
      let i = 0;
      for (; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        slab[p + i] = c;
      }
      // A non-ASCII string falls back to the native path, as in the encoder.
      do_not_optimize(i === s.length ? i : slab.write(s, p, 'utf8'));
    });
    bench(`${label}: Buffer.byteLength + buf.write`, () => {
      const p = next();
      do_not_optimize(Buffer.byteLength(s, 'utf8') + slab.write(s, p, 'utf8'));
    });
    bench(`${label}: buf.write alone (length known)`, () => {
      do_not_optimize(slab.write(s, next(), 'utf8'));
    });
  });
}

function commandBenches(label: string, args: readonly string[]): void {
  const writer = new RequestWriter();
  const batchedWriter = new RequestWriter();
  let batched = 0;
  const native = new NativeWriteEncoder();
  summary(() => {
    bench(`${label}: RequestWriter.writeCommand + take()`, () => {
      writer.writeCommand(args);
      do_not_optimize(writer.take());
    });
    bench(`${label}: RequestWriter.writeCommand, take() per 64`, () => {
      batchedWriter.writeCommand(args);
      if (++batched === 64) {
        batched = 0;
        do_not_optimize(batchedWriter.take());
      }
    });
    bench(`${label}: slab + byteLength + buf.write per arg`, () => {
      do_not_optimize(native.encode(args));
    });
    bench(`${label}: string concat + Buffer.from`, () => {
      do_not_optimize(encodeByConcat(args));
    });
  });
}

/** Checks that every variant emits the same bytes, so the race is between equals. */
function assertSameBytes(args: readonly string[]): void {
  const expected = encodeByConcat(args);
  const writer = new RequestWriter();
  writer.writeCommand(args);
  const fromWriter = Buffer.concat(writer.take());
  const fromNative = new NativeWriteEncoder().encode(args);
  if (!expected.equals(fromWriter) || !expected.equals(fromNative)) {
    throw new Error(`encoder variants disagree for ${args.join(' ')}`);
  }
}

export function registerEncoderBenches(): void {
  for (const args of [SET_ASCII, GET_ASCII, SET_UTF8, GET_UTF8]) assertSameBytes(args);
  group('encoder: SET key:123 value-16-bytes!! (ASCII)', () =>
    commandBenches('SET ascii', SET_ASCII),
  );
  group('encoder: GET key:123 (ASCII)', () => commandBenches('GET ascii', GET_ASCII));
  group('encoder: SET with non-ASCII key and value', () => commandBenches('SET utf8', SET_UTF8));
  group('encoder: GET with non-ASCII key', () => commandBenches('GET utf8', GET_UTF8));
  group('encoder: one 16-char string into a slab (ASCII)', () =>
    stringWriteBenches('ascii', 'value-16-bytes!!'),
  );
  group('encoder: one 15-char string into a slab (non-ASCII)', () =>
    stringWriteBenches('utf8', 'välue-16-bytes!'),
  );
}
