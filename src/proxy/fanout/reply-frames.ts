/**
 * Reading and writing the few raw reply frames a fan-out merges: an error's first byte, an
 * integer, an array's header and its elements' boundaries (found by `FrameScanner`, never
 * decoded). Everything else is copied as the server sent it. Pure.
 */
import { ProtocolError } from '../../errors.js';
import { FrameScanner } from '../../protocol/frame-scanner.js';
import { RespType } from '../../protocol/resp-types.js';

const CR = 0x0d;

/** `+OK\r\n`, shared: callers must not write into it. */
export const OK_FRAME: Buffer = Buffer.from('+OK\r\n');

/** True for a simple (`-`) or blob (`!`) error frame. */
export function isErrorFrame(frame: Buffer): boolean {
  return frame[0] === RespType.SimpleError || frame[0] === RespType.BlobError;
}

/**
 * A `-` error frame from text. CR and LF would end the frame early, so they become spaces; a
 * text without a Redis-style prefix (an uppercase first word) gets `ERR `.
 */
export function errorFrame(message: string): Buffer {
  const flat = message.replace(/[\r\n]+/g, ' ');
  return Buffer.from(/^[A-Z]+ /.test(flat) ? `-${flat}\r\n` : `-ERR ${flat}\r\n`);
}

export function integerFrame(n: number | bigint): Buffer {
  return Buffer.from(`:${n}\r\n`);
}

/** The end of the first line (index of its CR), or -1. */
function lineEnd(frame: Buffer): number {
  return frame.indexOf(CR, 1);
}

/** The value of a `:` integer frame, or undefined for any other frame. */
export function readInteger(frame: Buffer): number | undefined {
  if (frame[0] !== RespType.Integer) return undefined;
  const end = lineEnd(frame);
  if (end === -1) return undefined;
  const n = Number(frame.toString('latin1', 1, end));
  return Number.isSafeInteger(n) ? n : undefined;
}

/** An array (`*`) or set (`~`) header: its element count and where its first element starts. */
export interface AggregateHeader {
  readonly count: number;
  readonly bodyStart: number;
}

export function readAggregateHeader(frame: Buffer): AggregateHeader | undefined {
  if (frame[0] !== RespType.Array && frame[0] !== RespType.Set) return undefined;
  const end = lineEnd(frame);
  if (end === -1) return undefined;
  const count = Number(frame.toString('latin1', 1, end));
  if (!Number.isSafeInteger(count) || count < 0) return undefined;
  return { count, bodyStart: end + 2 };
}

/**
 * The byte offset where each of an aggregate's `count` elements ends, in order.
 * @throws ProtocolError when the frame holds fewer elements than its header says.
 */
export function elementEnds(frame: Buffer, header: AggregateHeader): number[] {
  const scanner = new FrameScanner();
  const ends: number[] = [];
  let pos = header.bodyStart;
  for (let i = 0; i < header.count; i++) {
    const end = scanner.scan(frame, pos);
    if (end === -1) throw new ProtocolError('A reply ended inside an element');
    ends.push(end);
    pos = end;
  }
  return ends;
}

export function arrayHeader(count: number): Buffer {
  return Buffer.from(`*${count}\r\n`);
}
