/**
 * RESP encoding. Pure: no sockets, no timers.
 *
 * `RequestWriter` is the hot path: commands are encoded straight into a shared slab, with no
 * string concatenation and no per-argument Buffer. The bytes of several commands accumulate as
 * one region of the slab and leave as one Buffer view (`take()`), which the connection hands to
 * a single `socket.write`. A slab is never written to again once a view of it was taken past
 * that point, so a view still queued in the socket is never overwritten; a full slab is simply
 * abandoned to the GC and a new one started.
 *
 *   slab: [ taken, maybe still in the socket ][ pending: start..end ][ free ]
 *
 * Large Buffer arguments are not copied: the pending region is closed, the argument becomes its
 * own chunk, and `take()` returns the chunks in order (the connection corks and writes them).
 */
import { InvalidArgumentError } from '../errors.js';
import type { RespArg, RespValue } from './resp-types.js';

const SLAB_SIZE = 64 * 1024;
// Buffer arguments at least this large are passed by reference instead of copied into the slab.
const ZERO_COPY_MIN = 16 * 1024;
// Strings up to this many UTF-16 units are encoded by a JS byte loop: for short ASCII strings it
// beats Buffer.byteLength + buf.write, which each cross into C++ (bench/micro/encoder.bench.ts).
const SHORT_STRING = 48;

const CRLF_CR = 0x0d;
const CRLF_LF = 0x0a;

export class RequestWriter {
  #slab: Buffer = Buffer.allocUnsafe(SLAB_SIZE);
  #start = 0;
  #end = 0;
  #chunks: Buffer[] = [];
  #chunkBytes = 0;

  /** Bytes encoded and not yet taken. */
  get pendingBytes(): number {
    return this.#chunkBytes + this.#end - this.#start;
  }

  /** Encode one command (`args[0]` is its name) as a RESP array of blob strings. */
  writeCommand(args: readonly RespArg[]): void {
    const n = args.length;
    // Validate before writing a byte: a command that fails halfway would corrupt the batch.
    validateArgs(args);
    this.#header(0x2a, n);
    for (let i = 0; i < n; i++) this.#writeArg(args[i]!);
  }

  /**
   * Append an already-encoded request as it is (raw relay: the proxy forwards what its client
   * sent). Small frames are copied into the slab with the rest of the batch; large ones become
   * their own chunk, by reference, so the caller must not change the bytes afterwards.
   */
  writeFrame(frame: Buffer): void {
    const len = frame.length;
    if (len >= ZERO_COPY_MIN) {
      this.#pushChunk(frame);
      return;
    }
    this.#ensure(len);
    frame.copy(this.#slab, this.#end);
    this.#end += len;
  }

  /**
   * Everything encoded since the last call, as Buffers to write in order (usually exactly one).
   * The caller owns them; they are never written to again.
   */
  take(): Buffer[] {
    if (this.#end > this.#start) {
      this.#chunks.push(this.#slab.subarray(this.#start, this.#end));
      this.#start = this.#end;
    }
    const chunks = this.#chunks;
    this.#chunks = [];
    this.#chunkBytes = 0;
    return chunks;
  }

  #writeArg(arg: RespArg): void {
    if (typeof arg === 'string') {
      this.#writeString(arg);
    } else if (typeof arg === 'number') {
      if (Number.isSafeInteger(arg)) this.#writeInteger(arg);
      // String(2 ** 60) is "1152921504606847000", a different integer to the server; the exact
      // decimal of the double is what the caller holds.
      else if (Number.isInteger(arg)) this.#writeString(BigInt(arg).toString());
      else this.#writeString(String(arg));
    } else if (typeof arg === 'bigint') {
      this.#writeString(arg.toString());
    } else {
      this.#writeBuffer(arg);
    }
  }

  #writeString(s: string): void {
    const len = s.length;
    if (len <= SHORT_STRING) {
      // Room for the header (at most 5 bytes here), the ASCII bytes and CRLF, reserved before
      // the header so that #header cannot switch slabs under the loop below.
      this.#ensure(len + 24);
      const mark = this.#end;
      this.#header(0x24, len);
      const slab = this.#slab;
      let p = this.#end;
      let i = 0;
      for (; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        slab[p++] = c;
      }
      if (i === len) {
        slab[p] = CRLF_CR;
        slab[p + 1] = CRLF_LF;
        this.#end = p + 2;
        return;
      }
      // Not ASCII after all: the header's length was a guess. Rewind and take the exact path.
      this.#end = mark;
    }
    const bytes = Buffer.byteLength(s, 'utf8');
    if (bytes >= SLAB_SIZE / 2) {
      this.#header(0x24, bytes);
      this.#pushChunk(Buffer.from(s, 'utf8'));
      this.#crlf();
      return;
    }
    this.#ensure(bytes + 24);
    this.#header(0x24, bytes);
    this.#end += this.#slab.write(s, this.#end, 'utf8');
    this.#crlfUnchecked();
  }

  #writeInteger(n: number): void {
    this.#ensure(48);
    // Digits are written backwards into a scratch area after the header, so no string is made.
    let digits = 1;
    for (let m = n < 0 ? -n : n; m >= 10; m = Math.floor(m / 10)) digits++;
    const bytes = n < 0 ? digits + 1 : digits;
    this.#header(0x24, bytes);
    const slab = this.#slab;
    let p = this.#end + bytes;
    let m = n < 0 ? -n : n;
    do {
      slab[--p] = 0x30 + (m % 10);
      m = Math.floor(m / 10);
    } while (m > 0);
    if (n < 0) slab[--p] = 0x2d;
    this.#end += bytes;
    this.#crlfUnchecked();
  }

  #writeBuffer(b: Buffer): void {
    const len = b.length;
    if (len >= ZERO_COPY_MIN) {
      this.#header(0x24, len);
      this.#pushChunk(b);
      this.#crlf();
      return;
    }
    this.#ensure(len + 24);
    this.#header(0x24, len);
    b.copy(this.#slab, this.#end);
    this.#end += len;
    this.#crlfUnchecked();
  }

  /** `<type><n>\r\n` with n a non-negative integer below 2^53. */
  #header(type: number, n: number): void {
    this.#ensure(20);
    const slab = this.#slab;
    let p = this.#end;
    slab[p++] = type;
    if (n < 10) {
      slab[p++] = 0x30 + n;
    } else {
      let digits = 0;
      for (let m = n; m > 0; m = Math.floor(m / 10)) digits++;
      let q = p + digits;
      for (let m = n; m > 0; m = Math.floor(m / 10)) slab[--q] = 0x30 + (m % 10);
      p += digits;
    }
    slab[p] = CRLF_CR;
    slab[p + 1] = CRLF_LF;
    this.#end = p + 2;
  }

  #crlf(): void {
    this.#ensure(2);
    this.#crlfUnchecked();
  }

  #crlfUnchecked(): void {
    this.#slab[this.#end] = CRLF_CR;
    this.#slab[this.#end + 1] = CRLF_LF;
    this.#end += 2;
  }

  /** Make room for `bytes` more in the slab, starting a new slab when this one is full. */
  #ensure(bytes: number): void {
    if (this.#end + bytes <= this.#slab.length) return;
    if (this.#end > this.#start) this.#pushChunk(EMPTY_BUFFER);
    this.#slab = Buffer.allocUnsafe(Math.max(SLAB_SIZE, bytes));
    this.#start = 0;
    this.#end = 0;
  }

  /** Close the pending slab region as a chunk, then append `b` (may be empty) after it. */
  #pushChunk(b: Buffer): void {
    if (this.#end > this.#start) {
      const region = this.#slab.subarray(this.#start, this.#end);
      this.#chunks.push(region);
      this.#chunkBytes += region.length;
      this.#start = this.#end;
    }
    if (b.length > 0) {
      this.#chunks.push(b);
      this.#chunkBytes += b.length;
    }
  }
}

const EMPTY_BUFFER = Buffer.alloc(0);

/**
 * Throw InvalidArgumentError unless every argument is encodable (string, finite number, bigint,
 * Buffer) and there is at least a command name. Cheap: one typeof per argument.
 */
export function validateArgs(args: readonly RespArg[]): void {
  const n = args.length;
  if (n === 0) throw new InvalidArgumentError('A command needs at least its name');
  for (let i = 0; i < n; i++) {
    const arg = args[i];
    const t = typeof arg;
    if (
      t !== 'string' &&
      !(t === 'number' && Number.isFinite(arg)) &&
      t !== 'bigint' &&
      !Buffer.isBuffer(arg)
    ) {
      throw new InvalidArgumentError(
        `Command argument ${i} must be a string, finite number, bigint or Buffer; got ${describe(arg)}`,
      );
    }
  }
}

/** Encode one command to a fresh Buffer (cold paths and tests; the hot path is RequestWriter). */
export function encodeCommand(args: readonly RespArg[]): Buffer {
  const writer = new RequestWriter();
  writer.writeCommand(args);
  const chunks = writer.take();
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

/**
 * Encode a reply value as a server would (used by the fake server in tests and, later, by the
 * proxy). `ReplyError` values become `-` errors; `Map` becomes `%` in RESP3 and a flat array in
 * RESP2; booleans, doubles and big numbers degrade to RESP2 integers/blobs when `resp3` is false.
 */
export function encodeReply(value: RespValue, resp3 = true): Buffer {
  const parts: (string | Buffer)[] = [];
  appendReply(parts, value, resp3);
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
}

function appendReply(parts: (string | Buffer)[], value: RespValue, resp3: boolean): void {
  if (value === null) {
    parts.push(resp3 ? '_\r\n' : '$-1\r\n');
  } else if (typeof value === 'string') {
    parts.push(`$${Buffer.byteLength(value, 'utf8')}\r\n${value}\r\n`);
  } else if (Buffer.isBuffer(value)) {
    parts.push(`$${value.length}\r\n`, value, '\r\n');
  } else if (typeof value === 'number') {
    // Only safe integers as `:`: beyond 2^53 the text may be "1e+21" (not a RESP integer), and a
    // decoder would hand back a bigint instead of the number that was encoded.
    if (Number.isSafeInteger(value)) parts.push(`:${value}\r\n`);
    else if (resp3) parts.push(`,${formatDouble(value)}\r\n`);
    else {
      const text = formatDouble(value);
      parts.push(`$${text.length}\r\n${text}\r\n`);
    }
  } else if (typeof value === 'bigint') {
    parts.push(resp3 ? `(${value}\r\n` : `:${value}\r\n`);
  } else if (typeof value === 'boolean') {
    parts.push(resp3 ? `#${value ? 't' : 'f'}\r\n` : `:${value ? 1 : 0}\r\n`);
  } else if (Array.isArray(value)) {
    parts.push(`*${value.length}\r\n`);
    for (const item of value) appendReply(parts, item, resp3);
  } else if (value instanceof Map) {
    parts.push(resp3 ? `%${value.size}\r\n` : `*${value.size * 2}\r\n`);
    for (const [k, v] of value) {
      appendReply(parts, k, resp3);
      appendReply(parts, v, resp3);
    }
  } else {
    // ReplyError: simple error; newlines would break the frame, so they become spaces.
    parts.push(`-${value.message.replace(/[\r\n]/g, ' ')}\r\n`);
  }
}

function formatDouble(n: number): string {
  if (n === Number.POSITIVE_INFINITY) return 'inf';
  if (n === Number.NEGATIVE_INFINITY) return '-inf';
  if (Number.isNaN(n)) return 'nan';
  return String(n);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}
