/**
 * Where one RESP frame ends, found without building its value: the reader behind raw relay (the
 * proxy forwards a server's reply as the bytes it sent). Pure: no sockets, no timers.
 *
 * `scan(buf, start)` walks one frame from `start` and returns the index just past its last byte,
 * or -1 when `buf` ends first. The walk is a byte-level state machine whose whole state lives in
 * fields, so a frame may be cut anywhere (inside a length, between CR and LF, inside a blob):
 * call `scan(next, 0)` with the following chunk and it carries on where it stopped. Nothing is
 * copied and no line is re-read: a blob body is skipped by arithmetic, so a 512 MiB value costs
 * as much to scan as a 5-byte one.
 *
 * The decoder's limits hold here too (depth, blob length, aggregate length, line length), with
 * the same messages, and framing errors are the decoder's: an unknown type byte, CR without LF,
 * a malformed or out-of-range length, a blob not ended by CRLF, a push nested in an aggregate.
 * Scalars whose framing is sound are checked where it is cheap (integer and big-number digits,
 * null and boolean bodies, a verbatim string's minimum length); a double's grammar and a verbatim
 * string's `fmt:` prefix are not: the receiving client's decoder judges those bytes.
 *
 * A RESP3 attribute (`|`) is not a frame of its own: it annotates the value after it, so it is
 * scanned as part of that value's frame. `frameType` tells the caller what the annotated value
 * was (a push frame behind an attribute is still a push).
 */
import { ProtocolError } from '../errors.js';
import { DEFAULT_DECODER_LIMITS, type DecoderLimits } from './decoder-limits.js';
import { RespType } from './resp-types.js';

const CR = 0x0d;
const LF = 0x0a;
const MINUS = 0x2d;

// Where the walk stands.
const S_TYPE = 0; // expecting a type byte
const S_LINE = 1; // inside a line (simple string, error, integer, double, …)
const S_LINE_LF = 2; // after a line's CR
const S_LENGTH = 3; // inside a length header
const S_LENGTH_LF = 4; // after a length header's CR
const S_BODY = 5; // skipping a blob body
const S_BODY_CR = 6; // expecting the CR after a blob body
const S_BODY_LF = 7; // expecting the LF after a blob body

// How a line's content is checked.
const LINE_ANY = 0; // + - , =
const LINE_DIGITS = 1; // : (
const LINE_NULL = 2; // _
const LINE_BOOLEAN = 3; // #

/** The most digits a `:` integer may have (int64), as the decoder allows. */
const MAX_INTEGER_DIGITS = 19;
/** The most digits a length may have; beyond 2^53 no length is meaningful. */
const MAX_LENGTH_DIGITS = 15;

export class FrameScanner {
  readonly #maxDepth: number;
  readonly #maxBulkLength: number;
  readonly #maxAggregateLength: number;
  readonly #maxLineLength: number;

  #state = S_TYPE;
  /** A frame is partly scanned. */
  #inFrame = false;
  /** Type byte of the element being read. */
  #type = 0;
  /** The type byte of the value the current frame carries (0 while only an attribute was read). */
  #frameType = 0;
  #lastFrameType = 0;
  // A line in progress: how its content is checked, bytes seen, digits seen, its first byte.
  #lineKind = LINE_ANY;
  #lineBytes = 0;
  #lineDigits = 0;
  #lineFirst = 0;
  // A length in progress.
  #number = 0;
  #negative = false;
  #digits = 0;
  /** Blob body bytes still to skip. */
  #skip = 0;
  // Open aggregates: elements each still expects, and whether it is an attribute.
  #remaining: number[] = [];
  #attribute: boolean[] = [];
  #depth = 0;

  constructor(limits: DecoderLimits = {}) {
    this.#maxDepth = limits.maxDepth ?? DEFAULT_DECODER_LIMITS.maxDepth;
    this.#maxBulkLength = limits.maxBulkLength ?? DEFAULT_DECODER_LIMITS.maxBulkLength;
    this.#maxAggregateLength =
      limits.maxAggregateLength ?? DEFAULT_DECODER_LIMITS.maxAggregateLength;
    this.#maxLineLength = limits.maxLineLength ?? DEFAULT_DECODER_LIMITS.maxLineLength;
  }

  /** True between frames: no partly scanned frame is pending. */
  get idle(): boolean {
    return !this.#inFrame;
  }

  /**
   * Type byte of the value the last complete frame carries (`>` for a push, also when an
   * attribute came first). Valid after `scan` returned an index.
   */
  get frameType(): number {
    return this.#lastFrameType;
  }

  /** Forget a partly scanned frame. */
  reset(): void {
    this.#inFrame = false;
    this.#state = S_TYPE;
    this.#depth = 0;
    this.#frameType = 0;
    this.#skip = 0;
  }

  /**
   * Scan from `start`; returns the index just past the frame's last byte, or -1 when `buf`
   * ended first (then call again with the next chunk, from its first byte).
   * @throws ProtocolError on malformed framing or a limit; the scanner must then be reset.
   */
  scan(buf: Uint8Array, start: number): number {
    const end = buf.length;
    let pos = start;
    let state = this.#state;
    while (pos < end) {
      switch (state) {
        case S_TYPE: {
          const type = buf[pos++]!;
          this.#type = type;
          this.#inFrame = true;
          if (type !== RespType.Attribute && this.#depth === 0 && this.#frameType === 0) {
            this.#frameType = type;
          }
          state = this.#startElement(type);
          break;
        }
        case S_LINE: {
          // The content is consumed up to its CR in one tight loop per chunk.
          const kind = this.#lineKind;
          let i = pos;
          if (kind === LINE_DIGITS) {
            for (; i < end; i++) {
              const c = buf[i]!;
              if (c === CR) break;
              if (c >= 0x30 && c <= 0x39) this.#lineDigits++;
              else if (c !== MINUS || this.#lineBytes + (i - pos) !== 0) {
                throw new ProtocolError(
                  this.#type === RespType.Integer
                    ? 'Malformed integer frame'
                    : 'Malformed big number frame',
                );
              }
            }
          } else {
            if (i < end && this.#lineBytes === 0) this.#lineFirst = buf[i]!;
            while (i < end && buf[i] !== CR) i++;
          }
          this.#lineBytes += i - pos;
          if (this.#lineBytes > this.#maxLineLength) {
            throw new ProtocolError(`A line exceeds the ${this.#maxLineLength}-byte limit`);
          }
          pos = i;
          if (i < end) {
            pos++;
            state = S_LINE_LF;
          }
          break;
        }
        case S_LINE_LF:
          if (buf[pos++] !== LF) throw new ProtocolError('CR not followed by LF');
          this.#checkLine();
          state = this.#elementDone();
          if (state === S_TYPE && this.#depth === 0 && this.#frameType !== 0) {
            this.#state = S_TYPE;
            return this.#frameEnd(pos);
          }
          break;
        case S_LENGTH: {
          const c = buf[pos++]!;
          if (c === CR) {
            state = S_LENGTH_LF;
          } else if (c >= 0x30 && c <= 0x39) {
            if (++this.#digits > MAX_LENGTH_DIGITS) {
              throw new ProtocolError('Length or integer out of range');
            }
            this.#number = this.#number * 10 + (c - 0x30);
          } else if (c === MINUS && this.#digits === 0 && !this.#negative) {
            this.#negative = true;
          } else {
            throw new ProtocolError('Malformed length or integer');
          }
          break;
        }
        case S_LENGTH_LF:
          if (buf[pos++] !== LF) throw new ProtocolError('CR not followed by LF');
          if (this.#digits === 0) throw new ProtocolError('Empty length or integer');
          state = this.#lengthDone();
          if (state === S_TYPE && this.#depth === 0 && this.#frameType !== 0) {
            this.#state = S_TYPE;
            return this.#frameEnd(pos);
          }
          break;
        case S_BODY: {
          const available = end - pos;
          if (available < this.#skip) {
            this.#skip -= available;
            pos = end;
          } else {
            pos += this.#skip;
            this.#skip = 0;
            state = S_BODY_CR;
          }
          break;
        }
        case S_BODY_CR:
          if (buf[pos++] !== CR) throw new ProtocolError('Blob not terminated by CRLF');
          state = S_BODY_LF;
          break;
        default: // S_BODY_LF
          if (buf[pos++] !== LF) throw new ProtocolError('Blob not terminated by CRLF');
          state = this.#elementDone();
          if (state === S_TYPE && this.#depth === 0 && this.#frameType !== 0) {
            this.#state = S_TYPE;
            return this.#frameEnd(pos);
          }
      }
    }
    this.#state = state;
    return -1;
  }

  #frameEnd(pos: number): number {
    this.#lastFrameType = this.#frameType;
    this.#frameType = 0;
    this.#inFrame = false;
    return pos;
  }

  /** After a type byte: the state that reads the rest of the element's header. */
  #startElement(type: number): number {
    switch (type) {
      case RespType.SimpleString:
      case RespType.SimpleError:
      case RespType.Double:
        return this.#startLine(LINE_ANY);
      case RespType.Integer:
      case RespType.BigNumber:
        return this.#startLine(LINE_DIGITS);
      case RespType.Null:
        return this.#startLine(LINE_NULL);
      case RespType.Boolean:
        return this.#startLine(LINE_BOOLEAN);
      case RespType.BlobString:
      case RespType.BlobError:
      case RespType.Verbatim:
      case RespType.Array:
      case RespType.Set:
      case RespType.Map:
      case RespType.Attribute:
      case RespType.Push:
        this.#number = 0;
        this.#negative = false;
        this.#digits = 0;
        return S_LENGTH;
      default:
        throw new ProtocolError(
          `Unexpected byte 0x${type.toString(16).padStart(2, '0')} where a RESP type was expected`,
        );
    }
  }

  #startLine(kind: number): number {
    this.#lineKind = kind;
    this.#lineBytes = 0;
    this.#lineDigits = 0;
    return S_LINE;
  }

  /** A line's content, checked once its CRLF is in. */
  #checkLine(): void {
    switch (this.#lineKind) {
      case LINE_DIGITS:
        if (this.#lineDigits === 0) {
          throw new ProtocolError(
            this.#type === RespType.Integer
              ? 'Malformed integer frame'
              : 'Malformed big number frame',
          );
        }
        if (this.#type === RespType.Integer && this.#lineDigits > MAX_INTEGER_DIGITS) {
          throw new ProtocolError('Malformed integer frame');
        }
        return;
      case LINE_NULL:
        if (this.#lineBytes !== 0) throw new ProtocolError('Malformed null frame');
        return;
      case LINE_BOOLEAN:
        if (this.#lineBytes !== 1 || (this.#lineFirst !== 0x74 && this.#lineFirst !== 0x66)) {
          throw new ProtocolError('Malformed boolean frame');
        }
    }
  }

  /** A length header is complete: act on it. Returns the next state. */
  #lengthDone(): number {
    const type = this.#type;
    const length = this.#negative ? -this.#number : this.#number;
    if (type === RespType.BlobString || type === RespType.BlobError || type === RespType.Verbatim) {
      if (length < 0) {
        if (length === -1 && type === RespType.BlobString) return this.#elementDone();
        throw new ProtocolError(`Invalid blob length ${length}`);
      }
      if (length > this.#maxBulkLength) {
        throw new ProtocolError(
          `Blob of ${length} bytes exceeds the ${this.#maxBulkLength}-byte limit`,
        );
      }
      if (type === RespType.Verbatim && length < 4) {
        throw new ProtocolError('Malformed verbatim string');
      }
      this.#skip = length;
      return S_BODY;
    }
    if (length < 0) {
      if (length === -1 && (type === RespType.Array || type === RespType.Set)) {
        return this.#elementDone();
      }
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
      if (type === RespType.Push) throw new ProtocolError('Empty push frame');
      // An empty attribute annotates nothing yet: the value it precedes is still to come.
      return type === RespType.Attribute ? S_TYPE : this.#elementDone();
    }
    if (this.#depth >= this.#maxDepth) {
      throw new ProtocolError(`Nesting deeper than the limit of ${this.#maxDepth}`);
    }
    this.#remaining[this.#depth] = elements;
    this.#attribute[this.#depth] = type === RespType.Attribute;
    this.#depth++;
    return S_TYPE;
  }

  /**
   * An element is complete: count it in its parent, closing every aggregate it completes. An
   * attribute that closes is not an element of its parent (it annotates the next one).
   */
  #elementDone(): number {
    while (this.#depth > 0) {
      const top = this.#depth - 1;
      if (--this.#remaining[top]! > 0) return S_TYPE;
      this.#depth = top;
      if (this.#attribute[top]) return S_TYPE;
    }
    return S_TYPE;
  }
}
