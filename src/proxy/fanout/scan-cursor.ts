/**
 * SCAN across every primary (or shard), one node after another, behind one cursor the client
 * treats as opaque. The proxy's cursor packs the node's index into its low `SCAN_NODE_BITS` bits
 * and the node's own cursor above them:
 *
 *   proxy cursor = nodeCursor × 2^SCAN_NODE_BITS + nodeIndex      ("0" = node 0, cursor 0)
 *
 * A call scans one node. When that node's own walk ends (its cursor comes back 0), the reply's
 * cursor points at the next node's start, and after the last node it is "0", so a client loop
 * `do … while (cursor != 0)` visits every node. A call may return no keys; SCAN allows that.
 * SCAN's guarantee holds per node: a key present on its node for the whole walk is returned.
 * Indexes are positions in the node list the caller passes; keep that list in a stable order
 * (say, sorted by address). A cursor naming a node beyond the list is refused. Pure.
 */
import { elementEnds, errorFrame, readAggregateHeader } from './reply-frames.js';

/** Low bits of a proxy cursor that hold the node index: up to 1,024 nodes. */
export const SCAN_NODE_BITS = 10;
const NODE_SHIFT = BigInt(SCAN_NODE_BITS);
const NODE_MASK = (1n << NODE_SHIFT) - 1n;
export const MAX_SCAN_NODES = 1 << SCAN_NODE_BITS;

const INVALID_CURSOR = errorFrame('ERR invalid cursor');
const DIGITS = /^[0-9]{1,40}$/;

export function encodeScanCursor(node: number, nodeCursor: bigint): string {
  return ((nodeCursor << NODE_SHIFT) | BigInt(node)).toString();
}

/** The node and node cursor a proxy cursor stands for, or undefined when it is not a cursor. */
export function decodeScanCursor(
  cursor: string,
  nodeCount: number,
): { node: number; nodeCursor: bigint } | undefined {
  if (!DIGITS.test(cursor)) return undefined;
  const value = BigInt(cursor);
  const node = Number(value & NODE_MASK);
  const nodeCursor = value >> NODE_SHIFT;
  // A node cursor is an unsigned 64-bit integer on the server.
  if (node >= nodeCount || nodeCursor >= 1n << 64n) return undefined;
  return { node, nodeCursor };
}

/** Where one SCAN call goes and what to send there, or the error to answer. */
export type ScanStep =
  | { readonly node: number; readonly args: readonly Buffer[] }
  | { readonly error: Buffer };

/** Plans one client SCAN (`args` = SCAN cursor [MATCH p] [COUNT n] [TYPE t]) over `nodeCount`. */
export function planScan(args: readonly Buffer[], nodeCount: number): ScanStep {
  if (args.length < 2) {
    return { error: errorFrame("ERR wrong number of arguments for 'scan' command") };
  }
  if (nodeCount < 1 || nodeCount > MAX_SCAN_NODES) {
    return { error: errorFrame(`ERR SCAN across ${nodeCount} nodes is not supported`) };
  }
  const decoded = decodeScanCursor(args[1]!.toString('latin1'), nodeCount);
  if (decoded === undefined) return { error: INVALID_CURSOR };
  const nodeArgs = [...args];
  nodeArgs[1] = Buffer.from(decoded.nodeCursor.toString());
  return { node: decoded.node, args: nodeArgs };
}

/**
 * The client's reply from node `node`'s raw SCAN reply: the same keys, with the node's cursor
 * replaced by the proxy cursor of the next call. An error reply is returned as it is.
 */
export function rewriteScanReply(reply: Buffer, node: number, nodeCount: number): Buffer {
  const header = readAggregateHeader(reply);
  if (header === undefined || header.count !== 2) return reply;
  let cursorEnd: number;
  try {
    cursorEnd = elementEnds(reply, { count: 1, bodyStart: header.bodyStart })[0]!;
  } catch {
    return errorFrame('ERR malformed SCAN reply from an upstream node');
  }
  // The cursor is a bulk string: `$<len>\r\n<digits>\r\n`.
  const cursorFrame = reply.toString('latin1', header.bodyStart, cursorEnd);
  const digits = cursorFrame.split('\r\n')[1] ?? '';
  if (!DIGITS.test(digits)) return errorFrame('ERR malformed SCAN cursor from an upstream node');
  const nodeCursor = BigInt(digits);
  let next: string;
  if (nodeCursor !== 0n) next = encodeScanCursor(node, nodeCursor);
  else if (node + 1 < nodeCount) next = encodeScanCursor(node + 1, 0n);
  else next = '0';
  return Buffer.concat([
    Buffer.from(`*2\r\n$${next.length}\r\n${next}\r\n`),
    reply.subarray(cursorEnd),
  ]);
}
