/**
 * Splitting a multi-key command whose keys live on different targets (Redis Cluster slots, or
 * shards) into one sub-command per target, and merging the targets' raw replies back into the one
 * reply the client expects, in the client's key order.
 *
 * | command                       | sub-commands        | merged reply                          |
 * | ----------------------------- | ------------------- | ------------------------------------- |
 * | MGET k…                       | MGET of each group  | one array, elements in key order      |
 * | MSET k v …                    | MSET of each group  | +OK when every group said OK          |
 * | DEL, UNLINK, EXISTS, TOUCH k… | same, per group     | the sum of the groups' integers       |
 *
 * The first error reply, in sub-command order, is the whole reply ("first error wins"), as the
 * client would have seen from one server refusing the command. MSET split this way is not atomic
 * across targets (a reader may see some groups written before others), the same trade twemproxy
 * and Envoy make; MSETNX is never split, because its all-or-nothing answer cannot be.
 *
 * For a Redis Cluster upstream, `targetOf` must be the key's slot, not its node: a node refuses
 * a multi-key command whose keys are in different slots (CROSSSLOT), even slots it owns. For
 * shards, `targetOf` is the shard index (`ShardRing.shardFor`). Pure: no sockets, no timers.
 */
import { ProtocolError } from '../../errors.js';
import {
  arrayHeader,
  elementEnds,
  errorFrame,
  integerFrame,
  isErrorFrame,
  OK_FRAME,
  readAggregateHeader,
  readInteger,
} from './reply-frames.js';

/** How the sub-replies are merged. */
export type SplitKind = 'mget' | 'mset' | 'sum';

/** The commands that split, with how many args each key carries along (MSET: key and value). */
const SPLITTABLE: ReadonlyMap<string, { readonly kind: SplitKind; readonly step: number }> =
  new Map([
    ['MGET', { kind: 'mget', step: 1 }],
    ['MSET', { kind: 'mset', step: 2 }],
    ['DEL', { kind: 'sum', step: 1 }],
    ['UNLINK', { kind: 'sum', step: 1 }],
    ['EXISTS', { kind: 'sum', step: 1 }],
    ['TOUCH', { kind: 'sum', step: 1 }],
  ]);

export function isSplittable(name: string): boolean {
  return SPLITTABLE.has(name);
}

/** One target's share of the command. */
export interface SubCommand {
  /** The slot or shard all of this sub-command's keys map to. */
  readonly target: number;
  /** The command to send: the client's command name, then this group's keys (and values). */
  readonly args: readonly Buffer[];
  /** For each key in `args`, its position among the client's keys (0 = first key). */
  readonly keyPositions: readonly number[];
}

export interface MultiKeyPlan {
  readonly kind: SplitKind;
  /** Keys in the client's command. */
  readonly keyCount: number;
  /**
   * One per target, in order of each target's first key. A single entry means no split is
   * needed: its `args` are the client's own, and its reply can be relayed as it is.
   */
  readonly subs: readonly SubCommand[];
}

/**
 * Groups a splittable command's keys by `targetOf(key)`. Returns undefined for a command that is
 * not splittable or is malformed (no keys, MSET without a value): send such a command as it is,
 * and the server answers with its own arity error.
 */
export function splitMultiKey(
  name: string,
  args: readonly Buffer[],
  targetOf: (key: Buffer) => number,
): MultiKeyPlan | undefined {
  const spec = SPLITTABLE.get(name);
  if (spec === undefined) return undefined;
  const { kind, step } = spec;
  const argCount = args.length - 1;
  if (argCount === 0 || argCount % step !== 0) return undefined;
  const keyCount = argCount / step;
  const groups = new Map<number, { args: Buffer[]; keyPositions: number[] }>();
  for (let k = 0; k < keyCount; k++) {
    const at = 1 + k * step;
    const target = targetOf(args[at]!);
    let group = groups.get(target);
    if (group === undefined) {
      group = { args: [args[0]!], keyPositions: [] };
      groups.set(target, group);
    }
    for (let j = 0; j < step; j++) group.args.push(args[at + j]!);
    group.keyPositions.push(k);
  }
  if (groups.size === 1) {
    const [target, group] = groups.entries().next().value!;
    return { kind, keyCount, subs: [{ target, args, keyPositions: group.keyPositions }] };
  }
  const subs = [...groups].map(([target, g]) => ({ target, ...g }));
  return { kind, keyCount, subs };
}

/**
 * The reply to the client's command from the sub-commands' raw replies (`replies[i]` answers
 * `plan.subs[i]`). A reply of an unexpected shape becomes an `-ERR` naming the command's part
 * that went wrong, never a malformed frame.
 */
export function mergeMultiKey(plan: MultiKeyPlan, replies: readonly Buffer[]): Buffer {
  if (replies.length !== plan.subs.length) {
    throw new RangeError(`expected ${plan.subs.length} replies, got ${replies.length}`);
  }
  for (const reply of replies) if (isErrorFrame(reply)) return reply;
  if (plan.subs.length === 1) return replies[0]!;
  switch (plan.kind) {
    case 'mset':
      for (const reply of replies) {
        if (!reply.equals(OK_FRAME)) return unexpected('MSET', reply);
      }
      return OK_FRAME;
    case 'sum': {
      let total = 0;
      for (const reply of replies) {
        const n = readInteger(reply);
        if (n === undefined) return unexpected('a counting command', reply);
        total += n;
      }
      return integerFrame(total);
    }
    default:
      return mergeMget(plan, replies);
  }
}

function mergeMget(plan: MultiKeyPlan, replies: readonly Buffer[]): Buffer {
  const pieces = new Array<Buffer>(plan.keyCount);
  for (let s = 0; s < plan.subs.length; s++) {
    const reply = replies[s]!;
    const positions = plan.subs[s]!.keyPositions;
    const header = readAggregateHeader(reply);
    if (header === undefined || header.count !== positions.length) return unexpected('MGET', reply);
    let ends: number[];
    try {
      ends = elementEnds(reply, header);
    } catch (error) {
      if (error instanceof ProtocolError) return unexpected('MGET', reply);
      throw error;
    }
    let start = header.bodyStart;
    for (let e = 0; e < ends.length; e++) {
      pieces[positions[e]!] = reply.subarray(start, ends[e]);
      start = ends[e]!;
    }
  }
  return Buffer.concat([arrayHeader(plan.keyCount), ...pieces]);
}

function unexpected(what: string, reply: Buffer): Buffer {
  const shown = reply
    .subarray(0, 40)
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, '.');
  return errorFrame(`ERR unexpected reply to part of a split ${what}: ${shown}`);
}
