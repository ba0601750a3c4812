/**
 * The server side of RESP: an incremental parser of client requests (multibulk `*N $len …` and
 * inline `PING\r\n`), for the proxy's front door. Pure: no sockets, no timers.
 *
 * The hot path never copies and never builds strings: a request that lies in one socket read is
 * handed out as a view of that read (`frame`), and its arguments as offsets into the frame
 * (`argStart`/`argEnd`), valid until the next request. The caller decodes only the arguments it
 * needs (usually just the command name). An inline request is turned into the multibulk frame
 * the server would have seen, so everything downstream sees one format.
 *
 * A request cut between reads is kept as a list of chunks and joined once it is complete: the
 * parser remembers how many bytes the request needs at least (a bulk's whole length once its
 * header was read), so a 100 MiB value arriving in 64 KiB reads is joined once, not 1,600 times.
 *
 * Limits, each costing the client its connection with the server's own error text, never memory:
 * an argument count above `maxArgs` (`*999999999`), a bulk above `maxBulkBytes` (`$2147483648`),
 * a header or inline line longer than `maxInlineBytes` without its newline, and a partial request
 * holding more than `maxQueryBufferBytes`.
 */
import { encodeCommand } from './encoder.js';

const CR = 0x0d;
const LF = 0x0a;
const STAR = 0x2a;
const DOLLAR = 0x24;

export interface RequestParserLimits {
  /** Most arguments in one request. @default 1048576 (the server's own cap before 7.0) */
  readonly maxArgs: number;
  /** Longest single argument (the server's proto-max-bulk-len). @default 536870912 */
  readonly maxBulkBytes: number;
  /** Longest header or inline line without a newline. @default 65536 */
  readonly maxInlineBytes: number;
  /** Most bytes a partial request may hold. @default 134217728 */
  readonly maxQueryBufferBytes: number;
}

export const DEFAULT_REQUEST_LIMITS: RequestParserLimits = Object.freeze({
  maxArgs: 1024 * 1024,
  maxBulkBytes: 512 * 1024 * 1024,
  maxInlineBytes: 64 * 1024,
  maxQueryBufferBytes: 128 * 1024 * 1024,
});

/** What the parser calls; one object, no closures per request. */
export interface RequestSink {
  /**
   * One complete request. Its arguments are `frame.subarray(parser.argStart[i],
   * parser.argEnd[i])` for i < argc, valid until this call returns. `frame` itself stays valid.
   */
  onRequest(frame: Buffer, argc: number): void;
  /** A protocol violation: reply `message` (server wording, no `-` or CRLF) and close. */
  onProtocolError(message: string): void;
}

// #scan's outcomes besides an end offset.
const INCOMPLETE = -1;
const FAILED = -2;

export class RequestParser {
  readonly #limits: RequestParserLimits;
  readonly #sink: RequestSink;
  /** Offsets of the current request's arguments inside its frame. */
  argStart: number[] = [];
  argEnd: number[] = [];
  #argc = 0;
  /** Chunks of a partial request, oldest first. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** The partial request cannot be complete before holding this many bytes. */
  #need = 0;
  #error: string | undefined;
  /** Set by the sink to stop parsing the rest of a read (the client is going away). */
  stopped = false;

  constructor(sink: RequestSink, limits: Partial<RequestParserLimits> = {}) {
    this.#sink = sink;
    this.#limits = { ...DEFAULT_REQUEST_LIMITS, ...limits };
  }

  /** Arguments of the current request. */
  get argc(): number {
    return this.#argc;
  }

  /** Bytes held for a request not complete yet (the query buffer). */
  get bufferedBytes(): number {
    return this.#pendingBytes;
  }

  /** Feed one socket read. */
  feed(chunk: Buffer): void {
    if (this.stopped || chunk.length === 0) return;
    let buf = chunk;
    if (this.#pendingBytes > 0) {
      this.#pending.push(chunk);
      this.#pendingBytes += chunk.length;
      if (this.#pendingBytes < this.#need) {
        this.#checkQueryBuffer();
        return;
      }
      buf = Buffer.concat(this.#pending, this.#pendingBytes);
      this.#pending = [];
      this.#pendingBytes = 0;
    }
    let pos = 0;
    const len = buf.length;
    while (pos < len && !this.stopped) {
      const end = buf[pos] === STAR ? this.#scanMultibulk(buf, pos) : this.#scanInline(buf, pos);
      if (end === FAILED) {
        this.stopped = true;
        this.#sink.onProtocolError(this.#error ?? 'Protocol error');
        return;
      }
      if (end === INCOMPLETE) {
        const rest = pos === 0 ? buf : buf.subarray(pos);
        this.#pending.push(rest);
        this.#pendingBytes = rest.length;
        this.#checkQueryBuffer();
        return;
      }
      pos = end;
    }
  }

  /** Parse a buffer known to hold exactly one request (a held request, parsed again later). */
  reparse(frame: Buffer): number {
    const end = this.#scanMultibulk(frame, 0, false);
    return end === frame.length ? this.#argc : 0;
  }

  /** The i-th argument of the current request as a string (utf8). */
  argString(frame: Buffer, i: number): string {
    return frame.toString('utf8', this.argStart[i], this.argEnd[i]);
  }

  #checkQueryBuffer(): void {
    if (this.#pendingBytes > this.#limits.maxQueryBufferBytes) {
      this.stopped = true;
      this.#pending = [];
      this.#pendingBytes = 0;
      this.#sink.onProtocolError(
        `Protocol error: query buffer limit reached (a request held more than ${this.#limits.maxQueryBufferBytes} bytes)`,
      );
    }
  }

  /** The decimal number in `buf[from, to)`, or NaN when malformed. */
  #readNumber(buf: Buffer, from: number, to: number): number {
    if (to === from || to - from > 15) return Number.NaN;
    let n = 0;
    let i = from;
    let negative = false;
    if (buf[i] === 0x2d) {
      negative = true;
      i++;
      if (i === to) return Number.NaN;
    }
    for (; i < to; i++) {
      const d = buf[i]! - 0x30;
      if (d < 0 || d > 9) return Number.NaN;
      n = n * 10 + d;
    }
    return negative ? -n : n;
  }

  #scanMultibulk(buf: Buffer, start: number, emit = true): number {
    const len = buf.length;
    const max = this.#limits.maxInlineBytes;
    let lineEnd = buf.indexOf(CR, start);
    if (lineEnd === -1 || lineEnd + 1 >= len) {
      if (len - start > max) return this.#fail('Protocol error: too big mbulk count string');
      this.#need = 0;
      return INCOMPLETE;
    }
    const count = this.#readNumber(buf, start + 1, lineEnd);
    // A count of zero or less is an empty request the server skips; a malformed one an error.
    if (Number.isNaN(count) || count > this.#limits.maxArgs) {
      return this.#fail('Protocol error: invalid multibulk length');
    }
    let pos = lineEnd + 2;
    if (count <= 0) {
      this.#argc = 0;
      return pos;
    }
    const starts = this.argStart;
    const ends = this.argEnd;
    for (let i = 0; i < count; i++) {
      if (pos >= len) return this.#incomplete(start, pos);
      if (buf[pos] !== DOLLAR) {
        return this.#fail(`Protocol error: expected '$', got '${String.fromCharCode(buf[pos]!)}'`);
      }
      lineEnd = buf.indexOf(CR, pos);
      if (lineEnd === -1 || lineEnd + 1 >= len) {
        if (len - pos > max) return this.#fail('Protocol error: too big bulk count string');
        return this.#incomplete(start, pos);
      }
      const size = this.#readNumber(buf, pos + 1, lineEnd);
      if (!(size >= 0 && size <= this.#limits.maxBulkBytes)) {
        return this.#fail('Protocol error: invalid bulk length');
      }
      const body = lineEnd + 2;
      const next = body + size + 2;
      if (next > len) return this.#incomplete(start, next);
      starts[i] = body - start;
      ends[i] = body + size - start;
      pos = next;
    }
    this.#argc = count;
    if (emit)
      this.#sink.onRequest(start === 0 && pos === len ? buf : buf.subarray(start, pos), count);
    return pos;
  }

  #incomplete(start: number, needEnd: number): number {
    this.#need = needEnd - start;
    return INCOMPLETE;
  }

  #fail(message: string): number {
    this.#error = message;
    return FAILED;
  }

  #scanInline(buf: Buffer, start: number): number {
    const nl = buf.indexOf(LF, start);
    if (nl === -1) {
      if (buf.length - start > this.#limits.maxInlineBytes) {
        return this.#fail('Protocol error: too big inline request');
      }
      this.#need = 0;
      return INCOMPLETE;
    }
    const lineEnd = nl > start && buf[nl - 1] === CR ? nl - 1 : nl;
    const words = splitInline(buf.toString('utf8', start, lineEnd));
    if (words === undefined) return this.#fail('Protocol error: unbalanced quotes in request');
    if (words.length > 0) {
      // One format downstream: the multibulk frame the words stand for.
      const frame = encodeCommand(words);
      this.#scanMultibulk(frame, 0);
    }
    return nl + 1;
  }
}

/**
 * Split an inline request the way the server's sdssplitargs does: spaces separate words,
 * "double quotes" allow escapes (\n \r \t \b \a \\ \" \xHH), 'single quotes' allow \'. A closing
 * quote must be followed by a space or the end. Undefined for unbalanced quotes.
 */
export function splitInline(line: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  while (true) {
    while (i < n && isSpace(line[i]!)) i++;
    if (i >= n) return out;
    let word = '';
    let inDouble = false;
    let inSingle = false;
    let done = false;
    while (!done) {
      const c = line[i];
      if (inDouble) {
        if (c === undefined) return undefined;
        if (c === '\\' && line[i + 1] === 'x' && isHex(line[i + 2]) && isHex(line[i + 3])) {
          word += String.fromCharCode(Number.parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (c === '\\' && i + 1 < n) {
          i++;
          const e = line[i]!;
          word +=
            e === 'n'
              ? '\n'
              : e === 'r'
                ? '\r'
                : e === 't'
                  ? '\t'
                  : e === 'b'
                    ? '\b'
                    : e === 'a'
                      ? '\x07'
                      : e;
        } else if (c === '"') {
          if (i + 1 < n && !isSpace(line[i + 1]!)) return undefined;
          done = true;
        } else {
          word += c;
        }
      } else if (inSingle) {
        if (c === undefined) return undefined;
        if (c === '\\' && line[i + 1] === "'") {
          i++;
          word += "'";
        } else if (c === "'") {
          if (i + 1 < n && !isSpace(line[i + 1]!)) return undefined;
          done = true;
        } else {
          word += c;
        }
      } else if (c === undefined || isSpace(c)) {
        done = true;
      } else if (c === '"') {
        inDouble = true;
      } else if (c === "'") {
        inSingle = true;
      } else {
        word += c;
      }
      if (i < n) i++;
    }
    out.push(word);
  }
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === '\v' || c === '\f';
}

function isHex(c: string | undefined): boolean {
  return c !== undefined && /^[0-9a-fA-F]$/.test(c);
}
