/**
 * The error inside a raw reply frame, for code that routes raw replies (the cluster follows
 * MOVED/ASK, transient replies such as LOADING are retried) without decoding every reply: the
 * first byte says whether it is an error at all, and only error frames are decoded.
 */
import { ReplyError } from '../errors.js';
import { RespDecoder } from './decoder.js';
import { RespType, type RespValue } from './resp-types.js';

/**
 * The `ReplyError` a raw frame holds (`-…` simple error, `!…` blob error, either behind a RESP3
 * attribute), or undefined for any other reply. Costs one byte comparison for a non-error frame.
 * The frame must be one complete frame, as raw replies are.
 */
export function rawError(frame: Buffer): ReplyError | undefined {
  const type = frame[0];
  if (type === RespType.SimpleError) {
    return new ReplyError(frame.toString('utf8', 1, frame.length - 2));
  }
  if (type === RespType.BlobError) {
    const headerEnd = frame.indexOf(0x0d);
    return new ReplyError(frame.toString('utf8', headerEnd + 2, frame.length - 2));
  }
  if (type !== RespType.Attribute) return undefined;
  // Rare (no server sends attributes unasked): decode the whole frame, attribute and all.
  const values: RespValue[] = [];
  new RespDecoder({ onReply: (v) => values.push(v) }).write(frame);
  const value = values[0];
  return value instanceof ReplyError ? value : undefined;
}
