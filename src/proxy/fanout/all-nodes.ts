/**
 * Keyless commands that make sense across every primary (or every shard), and how their raw
 * replies merge into one:
 *
 * | command                                   | merge    | reply                                 |
 * | ----------------------------------------- | -------- | ------------------------------------- |
 * | DBSIZE                                    | `sum`    | the sum of the nodes' integers        |
 * | KEYS pattern                              | `concat` | one array of every node's keys        |
 * | FLUSHALL, FLUSHDB, SCRIPT FLUSH, FUNCTION FLUSH | `all-ok` | +OK when every node said OK     |
 * | SCRIPT LOAD, FUNCTION LOAD                | `same`   | the nodes' reply, which must agree    |
 *
 * The first error reply, in node order, is the whole reply. Send the command unchanged to each
 * node and pass the replies in the same node order. Pure.
 */
import {
  arrayHeader,
  errorFrame,
  integerFrame,
  isErrorFrame,
  OK_FRAME,
  readAggregateHeader,
  readInteger,
} from './reply-frames.js';

export type AllNodesMerge = 'sum' | 'concat' | 'all-ok' | 'same';

const ALL_NODES: ReadonlyMap<string, AllNodesMerge> = new Map([
  ['DBSIZE', 'sum'],
  ['KEYS', 'concat'],
  ['FLUSHALL', 'all-ok'],
  ['FLUSHDB', 'all-ok'],
  ['SCRIPT FLUSH', 'all-ok'],
  ['FUNCTION FLUSH', 'all-ok'],
  ['SCRIPT LOAD', 'same'],
  ['FUNCTION LOAD', 'same'],
]);

/** How a command's replies from every node merge, or undefined when it is not sent to all. */
export function allNodesMerge(name: string): AllNodesMerge | undefined {
  return ALL_NODES.get(name);
}

export function mergeAllNodes(merge: AllNodesMerge, replies: readonly Buffer[]): Buffer {
  if (replies.length === 0) return errorFrame('ERR no upstream node to send the command to');
  for (const reply of replies) if (isErrorFrame(reply)) return reply;
  switch (merge) {
    case 'sum': {
      let total = 0;
      for (const reply of replies) {
        const n = readInteger(reply);
        if (n === undefined) return errorFrame('ERR a node answered DBSIZE with a non-integer');
        total += n;
      }
      return integerFrame(total);
    }
    case 'concat': {
      let count = 0;
      const bodies: Buffer[] = [];
      for (const reply of replies) {
        const header = readAggregateHeader(reply);
        if (header === undefined) return errorFrame('ERR a node answered KEYS with a non-array');
        count += header.count;
        bodies.push(reply.subarray(header.bodyStart));
      }
      return Buffer.concat([arrayHeader(count), ...bodies]);
    }
    case 'all-ok':
      for (const reply of replies) {
        if (!reply.equals(OK_FRAME)) return errorFrame('ERR a node did not answer OK');
      }
      return OK_FRAME;
    default:
      for (const reply of replies) {
        if (!reply.equals(replies[0]!)) {
          return errorFrame('ERR the upstream nodes answered differently');
        }
      }
      return replies[0]!;
  }
}
