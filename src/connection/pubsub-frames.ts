/**
 * RESP2 subscriber mode sends pub/sub messages and (un)subscribe confirmations as ordinary
 * arrays; a subscriber connection must route them as pushes, not match them to its queue.
 */
import type { RespValue } from '../protocol/resp-types.js';

const PUBSUB_KINDS = new Set([
  'message',
  'pmessage',
  'smessage',
  'subscribe',
  'psubscribe',
  'ssubscribe',
  'unsubscribe',
  'punsubscribe',
  'sunsubscribe',
]);

/** True for an array whose first element names a pub/sub message or confirmation. */
export function isPubSubArray(value: RespValue[]): boolean {
  const head = value[0];
  return (typeof head === 'string' || Buffer.isBuffer(head)) && PUBSUB_KINDS.has(head.toString());
}
