/**
 * RESP2 subscriber mode sends pub/sub messages and (un)subscribe confirmations as ordinary
 * arrays; a subscriber connection must route them as pushes, not match them to its queue.
 */
import { isSubscriberModeCommand } from '../commands/connection-state.js';
import type { RespValue } from '../protocol/resp-types.js';

/** The messages themselves; confirmations are headed by the (un)subscribe command's name. */
const MESSAGE_KINDS = new Set(['message', 'pmessage', 'smessage']);

/** True for an array whose first element names a pub/sub message or confirmation. */
export function isPubSubArray(value: RespValue[]): boolean {
  const head = value[0];
  if (typeof head !== 'string' && !Buffer.isBuffer(head)) return false;
  return MESSAGE_KINDS.has(head.toString()) || isSubscriberModeCommand(head);
}
