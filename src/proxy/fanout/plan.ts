/**
 * The one question the proxy asks of a command bound for several nodes (a Redis Cluster, or
 * shards): what to do with it. Pure; the caller sends, waits and relays.
 *
 * - `route`: not a fan-out; route it as usual (by its key, or to any node when it has none).
 * - `split`: a multi-key command over several slots/shards: send each `plan.subs[i].args` to its
 *   target, then `mergeMultiKey(plan, replies)`. One sub means no split: relay its reply as is.
 * - `all`: send the command unchanged to every primary (or live shard), in a stable node order,
 *   then `mergeAllNodes(merge, replies)`.
 * - `scan`: send `args` to node `node`, then `rewriteScanReply(reply, node, nodeCount)`.
 * - `refuse`: answer `reply`, a raw `-ERR` frame, without sending anything.
 *
 * With `keysOf` given, a command that is none of the above and has keys on different targets is
 * refused with CROSSSLOT (cluster) or a shard error, instead of reaching one node that would run
 * it on keys it does not hold (shards) or bounce it (cluster).
 */
import { type AllNodesMerge, allNodesMerge } from './all-nodes.js';
import { commandName } from './command-name.js';
import { type MultiKeyPlan, splitMultiKey } from './multi-key.js';
import { crossTargetFrame, refusalFor, type UpstreamShape } from './refusals.js';
import { planScan } from './scan-cursor.js';

export type FanoutPlan =
  | { readonly kind: 'route' }
  | { readonly kind: 'split'; readonly plan: MultiKeyPlan }
  | { readonly kind: 'all'; readonly merge: AllNodesMerge }
  | { readonly kind: 'scan'; readonly node: number; readonly args: readonly Buffer[] }
  | { readonly kind: 'refuse'; readonly reply: Buffer };

export interface FanoutContext {
  readonly shape: UpstreamShape;
  /** The key's slot (cluster) or shard index (shards). */
  readonly targetOf: (key: Buffer) => number;
  /** Primaries (cluster) or live shards, for `all` and `scan`. */
  readonly nodeCount: number;
  /**
   * The indexes of a command's keys in `args` (say `getKeyIndexes` from commands/keys.ts). When
   * given, cross-target commands are refused here.
   */
  readonly keysOf?: ((args: readonly Buffer[]) => readonly number[]) | undefined;
}

const ROUTE: FanoutPlan = Object.freeze({ kind: 'route' });

export function planFanout(args: readonly Buffer[], context: FanoutContext): FanoutPlan {
  const name = commandName(args);
  const plan = splitMultiKey(name, args, context.targetOf);
  if (plan !== undefined) return { kind: 'split', plan };
  const merge = allNodesMerge(name);
  if (merge !== undefined) return { kind: 'all', merge };
  if (name === 'SCAN') {
    const step = planScan(args, context.nodeCount);
    return 'error' in step
      ? { kind: 'refuse', reply: step.error }
      : { kind: 'scan', node: step.node, args: step.args };
  }
  const refusal = refusalFor(name, args, context.shape);
  if (refusal !== undefined) return { kind: 'refuse', reply: refusal };
  if (context.keysOf !== undefined) {
    const keys = context.keysOf(args);
    if (keys.length > 1) {
      const first = context.targetOf(args[keys[0]!]!);
      for (let i = 1; i < keys.length; i++) {
        if (context.targetOf(args[keys[i]!]!) !== first) {
          return { kind: 'refuse', reply: crossTargetFrame(name, context.shape) };
        }
      }
    }
  }
  return ROUTE;
}
