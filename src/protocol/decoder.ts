/**
 * Incremental, iterative RESP2/RESP3 decoder. Pure: no sockets, no timers.
 *
 * Feed it chunks as they arrive with `write(chunk)`; every complete top-level value is handed to
 * `onReply`, every push frame to `onPush`, synchronously and in order. A malformed frame, or one
 * over a configured limit, throws `ProtocolError` from `write()`; the decoder is then dead and the
 * connection that owns it must be closed (the byte stream can no longer be trusted).
 *
 * Nesting is handled with an explicit stack, never recursion, so a hostile `*1\r\n*1\r\n…` cannot
 * overflow the JS stack (ioredis #2108); `maxDepth` bounds the stack itself.
 *
 * Resumption: a scalar or an aggregate header is consumed only when it is complete. When a chunk
 * ends inside one, the bytes from its first byte on are kept and re-read with the next chunk; the
 * stack of partly filled aggregates survives as it is. A blob whose header is complete but whose
 * body is not is collected chunk by chunk and joined once (no quadratic re-concatenation of a
 * large value arriving in 64 KiB reads).
 *
 * Raw mode (`raw`, set per reply like `returnBuffers`): the next top-level reply is not decoded.
 * A FrameScanner finds where it ends and `onReply` gets its exact bytes: a view of the socket
 * chunk when the frame lies in one (no copy), or one `Buffer.concat` of the pieces when it spans
 * several (a big blob is skipped, not collected twice). Push frames are decoded in either mode:
 * they are never anyone's reply.
 */
import { ProtocolError, ReplyError } from '../errors.js';
import { DEFAULT_DECODER_LIMITS, type DecoderLimits } from './decoder-limits.js';
import { FrameScanner } from './frame-scanner.js';
import { type RespPush, RespType, type RespValue } from './resp-types.js';

export { DEFAULT_DECODER_LIMITS } from './decoder-limits.js';

export interface DecoderOptions extends DecoderLimits {
  /**
   * Called with each complete top-level reply, in order. In raw mode the reply is a Buffer
   * holding the frame's bytes.
   */
  readonly onReply: (value: RespValue) => void;
  /** Called with each RESP3 push frame (always decoded, raw mode or not). Default: ignored. */
  readonly onPush?: (push: RespPush) => void;
}

const CR = 0x0d;
const LF = 0x0a;

// Aggregate kinds on the stack.
const K_ARRAY = 0;
const K_MAP = 1;
const K_PUSH = 2;
const K_ATTRIBUTE = 3;

/** Marks "this scalar is incomplete, wait for more bytes". */
const INCOMPLETE: unique symbol = Symbol('incomplete');
/** Marks "an attribute was consumed; nothing to hand to the parent". */
const NOTHING: unique symbol = Symbol('nothing');
const NO_KEY: unique symbol = Symbol('no-key');

interface Frame {
  kind: number;
  remaining: number;
  items: RespValue[];
  map: Map<RespValue, RespValue> | null;
  key: RespValue | typeof NO_KEY;
}

export class RespDecoder {
  /**
   * When true, blob and simple strings decode to `Buffer`s instead of `string`s. The connection
   * sets it before each reply from the command at the head of its queue, so buffer mode can be
   * chosen per call.
   */
  returnBuffers = false;
  /**
   * When true, the next top-level reply is delivered as a Buffer holding exactly its frame's
   * bytes (raw relay). Set, like `returnBuffers`, from the command at the head of the queue.
   */
  raw = false;

  readonly #onReply: (value: RespValue) => void;
  readonly #onPush: ((push: RespPush) => void) | undefined;
  readonly #maxDepth: number;
  readonly #maxBulkLength: number;
  readonly #maxAggregateLength: number;
  readonly #maxLineLength: number;
  readonly #limits: DecoderLimits;
  /** Created on the first raw reply: a connection that never relays raw pays nothing for it. */
  #scanner: FrameScanner | null = null;
  /** The pieces of a raw frame that spans chunks, or null. */
  #rawParts: Buffer[] | null = null;

  // Unconsumed bytes from the previous chunk (the start of an incomplete element), or null.
  #leftover: Buffer | null = null;
  // A blob whose header was read but whose body is still arriving: its type, the bytes still
  // expected (body + CRLF), and the chunks collected so far.
  #blobType = 0;
  #blobLength = 0;
  #blobMissing = 0;
  #blobChunks: Buffer[] = [];
  // Frames are reused across replies: only `items`/`map` are allocated per aggregate.
  readonly #stack: Frame[] = [];
  #depth = 0;
  #dead = false;
  // Set when the element left incomplete is a small blob whose header was read: its size is
  // bounded by maxBulkLength, so the line limit must not apply to it.
  #waitingForBody = false;
  // The chunk being parsed and the read position in it; fields rather than locals so the scalar
  // readers can advance them without returning tuples.
  #buf: Buffer = Buffer.alloc(0);
  #pos = 0;

  constructor(options: DecoderOptions) {
    this.#onReply = options.onReply;
    this.#onPush = options.onPush;
    this.#maxDepth = options.maxDepth ?? DEFAULT_DECODER_LIMITS.maxDepth;
    this.#maxBulkLength = options.maxBulkLength ?? DEFAULT_DECODER_LIMITS.maxBulkLength;
    this.#maxAggregateLength =
      options.maxAggregateLength ?? DEFAULT_DECODER_LIMITS.maxAggregateLength;
    this.#maxLineLength = options.maxLineLength ?? DEFAULT_DECODER_LIMITS.maxLineLength;
    this.#limits = {
      maxDepth: this.#maxDepth,
      maxBulkLength: this.#maxBulkLength,
      maxAggregateLength: this.#maxAggregateLength,
      maxLineLength: this.#maxLineLength,
    };
  }

  /** True when no partial frame is buffered: every byte written so far has been decoded. */
  get idle(): boolean {
    return (
      this.#leftover === null &&
      this.#blobMissing === 0 &&
      this.#depth === 0 &&
      this.#rawParts === null
    );
  }

  /** Forget any partial frame (used when the connection is replaced). */
  reset(): void {
    this.#rawParts = null;
    this.#scanner?.reset();
    this.#leftover = null;
    this.#blobMissing = 0;
    this.#blobChunks = [];
    this.#depth = 0;
    this.#dead = false;
  }

  /**
   * Decode a chunk. Complete values are delivered through the callbacks before this returns.
   * @throws ProtocolError on malformed input or a limit; the decoder is unusable afterwards.
   */
  write(chunk: Buffer): void {
    if (this.#dead) throw new ProtocolError('The decoder already failed on an earlier frame');
    if (this.#rawParts !== null) {
      chunk = this.#continueRaw(chunk);
      if (this.#rawParts !== null || chunk.length === 0) return;
    }
    if (this.#blobMissing > 0) {
      chunk = this.#continueBlob(chunk);
      if (this.#blobMissing > 0) return;
    }
    if (this.#leftover !== null) {
      chunk = Buffer.concat([this.#leftover, chunk]);
      this.#leftover = null;
    }
    this.#buf = chunk;
    this.#pos = 0;
    try {
      this.#parse();
    } catch (error) {
      this.#dead = true;
      throw error;
    }
  }

  #parse(): void {
    const buf = this.#buf;
    const end = buf.length;
    while (this.#pos < end) {
      const start = this.#pos;
      if (this.raw && this.#depth === 0 && buf[start] !== RespType.Push) {
        if (!this.#scanRaw(buf, start)) return;
        continue;
      }
      const value = this.#readValue();
      if (value === INCOMPLETE) {
        if (this.#blobMissing === 0) {
          // Not counted: the type byte, and a last CR that may be the first half of the line's
          // CRLF. A line of exactly the limit is thus never refused early, and a longer one is
          // refused here or by #findLineEnd, wherever the chunk boundaries fall.
          if (!this.#waitingForBody && end - start - 2 > this.#maxLineLength) {
            throw new ProtocolError(`A line exceeds the ${this.#maxLineLength}-byte limit`);
          }
          this.#leftover = buf.subarray(start);
        }
        this.#waitingForBody = false;
        return;
      }
      if (value !== NOTHING) this.#complete(value);
    }
  }

  /**
   * A raw frame starting at `start`: delivered as a view when it ends in this chunk (returns
   * true), or its first piece kept (returns false: the chunk is used up).
   */
  #scanRaw(buf: Buffer, start: number): boolean {
    this.#scanner ??= new FrameScanner(this.#limits);
    const frameEnd = this.#scanner.scan(buf, start);
    if (frameEnd === -1) {
      this.#rawParts = [buf.subarray(start)];
      this.#pos = buf.length;
      return false;
    }
    this.#pos = frameEnd;
    // "+OK" answers half of write-heavy traffic, and a Buffer view costs ~60 ns to create (four
    // times the scan itself; bench/micro/frame-scanner): hand out one shared, immutable copy.
    if (
      frameEnd - start === 5 &&
      buf[start] === RespType.SimpleString &&
      buf[start + 1] === 0x4f &&
      buf[start + 2] === 0x4b
    ) {
      this.#onReply(RAW_OK);
    } else {
      this.#rawFrame(buf.subarray(start, frameEnd));
    }
    return true;
  }

  /** Feed a chunk to a raw frame in progress; returns the unconsumed rest of the chunk. */
  #continueRaw(chunk: Buffer): Buffer {
    const parts = this.#rawParts!;
    let frameEnd: number;
    try {
      frameEnd = this.#scanner!.scan(chunk, 0);
    } catch (error) {
      this.#dead = true;
      throw error;
    }
    if (frameEnd === -1) {
      parts.push(chunk);
      return chunk;
    }
    parts.push(chunk.subarray(0, frameEnd));
    this.#rawParts = null;
    try {
      this.#rawFrame(Buffer.concat(parts));
    } catch (error) {
      this.#dead = true;
      throw error;
    }
    return chunk.subarray(frameEnd);
  }

  #rawFrame(frame: Buffer): void {
    // A push behind an attribute (`|…>…`) is still a push: decode it as one, never a reply.
    if (this.#scanner!.frameType === RespType.Push) this.#decodeWhole(frame);
    else this.#onReply(frame);
  }

  /** Decode one complete frame out of line (the rare push-behind-an-attribute case). */
  #decodeWhole(frame: Buffer): void {
    const buf = this.#buf;
    const pos = this.#pos;
    const raw = this.raw;
    this.raw = false;
    this.#buf = frame;
    this.#pos = 0;
    try {
      this.#parse();
    } finally {
      this.#buf = buf;
      this.#pos = pos;
      this.raw = raw;
    }
  }

  /**
   * Read one element at #pos: a scalar (returned), an aggregate header (pushed on the stack;
   * returns NOTHING, or the value itself when the aggregate is empty), or INCOMPLETE.
   */
  #readValue(): RespValue | typeof INCOMPLETE | typeof NOTHING {
    const buf = this.#buf;
    const type = buf[this.#pos]!;
    switch (type) {
      case RespType.BlobString:
      case RespType.Verbatim:
      case RespType.BlobError:
        return this.#readBlob(type);
      case RespType.SimpleString: {
        const lineEnd = this.#findLineEnd(this.#pos + 1);
        if (lineEnd === -1) return INCOMPLETE;
        const start = this.#pos + 1;
        this.#pos = lineEnd + 2;
        if (this.returnBuffers) return copyBytes(buf, start, lineEnd);
        // "+OK" answers every SET, MSET, HMSET…: about half of all replies in write-heavy
        // traffic. A constant skips the native string build (~70 ns; bench/micro/decoder).
        if (lineEnd - start === 2 && buf[start] === 0x4f && buf[start + 1] === 0x4b) return 'OK';
        return buf.toString('utf8', start, lineEnd);
      }
      case RespType.SimpleError: {
        const lineEnd = this.#findLineEnd(this.#pos + 1);
        if (lineEnd === -1) return INCOMPLETE;
        const message = buf.toString('utf8', this.#pos + 1, lineEnd);
        this.#pos = lineEnd + 2;
        return new ReplyError(message);
      }
      case RespType.Integer:
        return this.#readInteger();
      case RespType.Array:
      case RespType.Set:
      case RespType.Push:
      case RespType.Map:
      case RespType.Attribute:
        return this.#readAggregateHeader(type);
      case RespType.Null: {
        const lineEnd = this.#findLineEnd(this.#pos + 1);
        if (lineEnd === -1) return INCOMPLETE;
        if (lineEnd !== this.#pos + 1) throw new ProtocolError('Malformed null frame');
        this.#pos = lineEnd + 2;
        return null;
      }
      case RespType.Boolean: {
        const lineEnd = this.#findLineEnd(this.#pos + 1);
        if (lineEnd === -1) return INCOMPLETE;
        const c = buf[this.#pos + 1];
        if (lineEnd !== this.#pos + 2 || (c !== 0x74 && c !== 0x66)) {
          throw new ProtocolError('Malformed boolean frame');
        }
        this.#pos = lineEnd + 2;
        return c === 0x74;
      }
      case RespType.Double: {
        const lineEnd = this.#findLineEnd(this.#pos + 1);
        if (lineEnd === -1) return INCOMPLETE;
        const text = buf.toString('latin1', this.#pos + 1, lineEnd);
        this.#pos = lineEnd + 2;
        return parseDouble(text);
      }
      case RespType.BigNumber: {
        const lineEnd = this.#findLineEnd(this.#pos + 1);
        if (lineEnd === -1) return INCOMPLETE;
        const text = buf.toString('latin1', this.#pos + 1, lineEnd);
        if (!/^-?\d+$/.test(text)) throw new ProtocolError('Malformed big number frame');
        this.#pos = lineEnd + 2;
        return BigInt(text);
      }
      default:
        throw new ProtocolError(
          `Unexpected byte 0x${type.toString(16).padStart(2, '0')} where a RESP type was expected`,
        );
    }
  }

  /** Index of the CR of the CRLF ending the line that starts at `from`, or -1 if not yet here. */
  #findLineEnd(from: number): number {
    const buf = this.#buf;
    // A byte loop beats indexOf's native call for the short lines replies are made of.
    for (let i = from, end = buf.length - 1; i < end; i++) {
      if (buf[i] === CR) {
        if (buf[i + 1] !== LF) throw new ProtocolError('CR not followed by LF');
        // Complete lines are bounded too: otherwise a long line would pass when it arrives in
        // one chunk and fail when split, and the outcome would depend on the network.
        if (i - from > this.#maxLineLength) {
          throw new ProtocolError(`A line exceeds the ${this.#maxLineLength}-byte limit`);
        }
        return i;
      }
    }
    return -1;
  }

  /**
   * Parse the signed decimal length/integer on the line at #pos+1. Returns INCOMPLETE, or the
   * number with #pos moved past the CRLF. Digits are accumulated by hand: no string allocation.
   */
  #readLength(): number | typeof INCOMPLETE {
    const buf = this.#buf;
    let i = this.#pos + 1;
    const end = buf.length;
    let negative = false;
    if (i < end && buf[i] === 0x2d) {
      negative = true;
      i++;
    }
    const first = i;
    let n = 0;
    while (i < end) {
      const c = buf[i]!;
      if (c === CR) {
        if (i + 1 >= end) return INCOMPLETE;
        if (buf[i + 1] !== LF) throw new ProtocolError('CR not followed by LF');
        if (i === first) throw new ProtocolError('Empty length or integer');
        if (i - first > 15) throw new ProtocolError('Length or integer out of range');
        this.#pos = i + 2;
        return negative ? -n : n;
      }
      if (c < 0x30 || c > 0x39) throw new ProtocolError('Malformed length or integer');
      n = n * 10 + (c - 0x30);
      i++;
    }
    if (i - first > 20) throw new ProtocolError('Length or integer out of range');
    return INCOMPLETE;
  }

  #readInteger(): RespValue | typeof INCOMPLETE {
    const buf = this.#buf;
    // Up to 15 digits is exact in a double; longer values (int64 extremes) take the slow path.
    const lineEnd = this.#findLineEnd(this.#pos + 1);
    if (lineEnd === -1) return INCOMPLETE;
    const digits = lineEnd - this.#pos - 1 - (buf[this.#pos + 1] === 0x2d ? 1 : 0);
    if (digits <= 15) return this.#readLength() as number;
    const text = buf.toString('latin1', this.#pos + 1, lineEnd);
    if (!/^-?\d{1,19}$/.test(text)) throw new ProtocolError('Malformed integer frame');
    this.#pos = lineEnd + 2;
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : BigInt(text);
  }

  #readBlob(type: number): RespValue | typeof INCOMPLETE {
    const headerStart = this.#pos;
    const length = this.#readLength();
    if (length === INCOMPLETE) return INCOMPLETE;
    if (length < 0) {
      if (length === -1 && type === RespType.BlobString) return null;
      throw new ProtocolError(`Invalid blob length ${length}`);
    }
    if (length > this.#maxBulkLength) {
      throw new ProtocolError(
        `Blob of ${length} bytes exceeds the ${this.#maxBulkLength}-byte limit`,
      );
    }
    const buf = this.#buf;
    const bodyStart = this.#pos;
    const bodyEnd = bodyStart + length;
    if (bodyEnd + 2 <= buf.length) {
      if (buf[bodyEnd] !== CR || buf[bodyEnd + 1] !== LF) {
        throw new ProtocolError('Blob not terminated by CRLF');
      }
      this.#pos = bodyEnd + 2;
      return this.#blobValue(type, buf, bodyStart, bodyEnd);
    }
    // The body spans chunks. Small bodies re-read from the header with the next chunk; large ones
    // are collected without re-copying.
    if (length < 16 * 1024) {
      this.#pos = headerStart;
      this.#waitingForBody = true;
      return INCOMPLETE;
    }
    this.#blobType = type;
    this.#blobLength = length;
    const have = buf.subarray(bodyStart);
    this.#blobChunks = [have];
    this.#blobMissing = length + 2 - have.length;
    this.#pos = buf.length;
    return INCOMPLETE;
  }

  /** Feed a chunk to a blob in progress; returns the unconsumed rest of the chunk. */
  #continueBlob(chunk: Buffer): Buffer {
    if (chunk.length < this.#blobMissing) {
      this.#blobChunks.push(chunk);
      this.#blobMissing -= chunk.length;
      return chunk.subarray(chunk.length);
    }
    this.#blobChunks.push(chunk.subarray(0, this.#blobMissing));
    const rest = chunk.subarray(this.#blobMissing);
    const whole = Buffer.concat(this.#blobChunks);
    this.#blobChunks = [];
    this.#blobMissing = 0;
    const length = this.#blobLength;
    if (whole[length] !== CR || whole[length + 1] !== LF) {
      this.#dead = true;
      throw new ProtocolError('Blob not terminated by CRLF');
    }
    const value = this.#blobValue(this.#blobType, whole, 0, length);
    try {
      this.#complete(value);
    } catch (error) {
      this.#dead = true;
      throw error;
    }
    return rest;
  }

  #blobValue(type: number, buf: Buffer, start: number, end: number): RespValue {
    if (type === RespType.BlobError) return new ReplyError(buf.toString('utf8', start, end));
    if (type === RespType.Verbatim) {
      // `=` bodies begin with a 3-letter format and a colon ("txt:"); the value is what follows.
      if (end - start < 4 || buf[start + 3] !== 0x3a) {
        throw new ProtocolError('Malformed verbatim string');
      }
      start += 4;
    }
    return this.returnBuffers ? copyBytes(buf, start, end) : buf.toString('utf8', start, end);
  }

  #readAggregateHeader(type: number): RespValue | typeof INCOMPLETE | typeof NOTHING {
    const length = this.#readLength();
    if (length === INCOMPLETE) return INCOMPLETE;
    if (length < 0) {
      if (length === -1 && (type === RespType.Array || type === RespType.Set)) return null;
      throw new ProtocolError(`Invalid aggregate length ${length}`);
    }
    const isMapLike = type === RespType.Map || type === RespType.Attribute;
    const elements = isMapLike ? length * 2 : length;
    if (elements > this.#maxAggregateLength) {
      throw new ProtocolError(
        `Aggregate of ${elements} elements exceeds the ${this.#maxAggregateLength}-element limit`,
      );
    }
    if (type === RespType.Push && this.#depth > 0) {
      throw new ProtocolError('Push frame nested inside an aggregate');
    }
    if (elements === 0) {
      if (type === RespType.Attribute) return NOTHING;
      if (type === RespType.Map) return new Map();
      if (type === RespType.Push) throw new ProtocolError('Empty push frame');
      return [];
    }
    if (this.#depth >= this.#maxDepth) {
      throw new ProtocolError(`Nesting deeper than the limit of ${this.#maxDepth}`);
    }
    let frame = this.#stack[this.#depth];
    if (frame === undefined) {
      frame = { kind: K_ARRAY, remaining: 0, items: [], map: null, key: NO_KEY };
      this.#stack.push(frame);
    }
    this.#depth++;
    frame.remaining = elements;
    frame.key = NO_KEY;
    if (isMapLike) {
      frame.kind = type === RespType.Map ? K_MAP : K_ATTRIBUTE;
      frame.map = new Map();
      frame.items = EMPTY;
    } else {
      frame.kind = type === RespType.Push ? K_PUSH : K_ARRAY;
      // Never preallocate from a declared length: a hostile header must not cost memory.
      frame.items = [];
      frame.map = null;
    }
    return NOTHING;
  }

  /** Hand a finished value to its parent aggregate, closing every aggregate it completes. */
  #complete(value: RespValue): void {
    let v: RespValue = value;
    for (;;) {
      if (this.#depth === 0) {
        this.#onReply(v);
        return;
      }
      const frame = this.#stack[this.#depth - 1]!;
      if (frame.map !== null) {
        if (frame.key === NO_KEY) frame.key = v;
        else {
          frame.map.set(frame.key, v);
          frame.key = NO_KEY;
        }
      } else {
        frame.items.push(v);
      }
      if (--frame.remaining > 0) return;
      this.#depth--;
      switch (frame.kind) {
        case K_ATTRIBUTE:
          // Attributes annotate the value that follows; respool has no use for them yet.
          frame.map = null;
          return;
        case K_PUSH: {
          const items = frame.items;
          frame.items = EMPTY;
          const head = items[0];
          const kind =
            typeof head === 'string' ? head : Buffer.isBuffer(head) ? head.toString() : '';
          this.#onPush?.({ kind, data: items });
          return;
        }
        case K_MAP:
          v = frame.map as Map<RespValue, RespValue>;
          frame.map = null;
          break;
        default:
          v = frame.items;
          frame.items = EMPTY;
      }
    }
  }
}

const EMPTY: RespValue[] = [];
/** The raw `+OK` reply, shared: raw replies are read-only by contract. */
const RAW_OK = Buffer.from('+OK\r\n');

function copyBytes(buf: Buffer, start: number, end: number): Buffer {
  // Copy: a view would pin the whole 64 KiB socket read for as long as the caller keeps the value.
  return Buffer.from(buf.subarray(start, end));
}

const DOUBLE_SYNTAX = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function parseDouble(text: string): number {
  switch (text) {
    case 'inf':
      return Number.POSITIVE_INFINITY;
    case '-inf':
      return Number.NEGATIVE_INFINITY;
    case 'nan':
    case '-nan':
      return Number.NaN;
  }
  // Number() alone is too lenient: it takes '', ' 1', '0x10' and 'Infinity'. Accept only the
  // RESP3 grammar: [sign] digits [. digits] [e|E [sign] digits].
  if (!DOUBLE_SYNTAX.test(text)) throw new ProtocolError('Malformed double frame');
  return Number(text);
}
