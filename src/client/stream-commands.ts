/**
 * Typed methods of the `stream` group. See command-base.ts. XREAD and XREADGROUP with `block`
 * go through `_block`, so on the client they run on a leased connection (never the shared one)
 * and in a pipeline they are refused, like BLPOP.
 */
import type { RespArg } from '../protocol/resp-types.js';
import type { ApiMode, Out } from './command-base.js';
import {
  flattenEntries,
  type XAddOptions,
  type XClaimOptions,
  type XReadOptions,
  type XTrimOptions,
  xaddArgs,
  xclaimArgs,
  xreadArgs,
  xtrimArgs,
} from './command-options.js';
import { toBoolean } from './reply-transforms.js';
import { SortedSetCommands } from './sorted-set-commands.js';
import {
  type AutoClaimResult,
  type MaybeDeletedStreamMessage,
  type PendingEntry,
  type PendingSummary,
  type StreamMessage,
  type StreamRead,
  toAutoClaim,
  toAutoClaimIds,
  toPendingEntries,
  toPendingSummary,
  toRecordList,
  toStreamInfo,
  toStreamMessages,
  toStreamReads,
} from './stream-replies.js';

type Fields = Record<string, RespArg> | readonly (readonly [RespArg, RespArg])[];
/** Streams to read and the ID to read after, as an object or [key, id] pairs. */
type StreamOffsets = Record<string, string> | readonly (readonly [RespArg, string])[];

export abstract class StreamCommands<
  M extends ApiMode,
  S extends string | Buffer = string,
> extends SortedSetCommands<M, S> {
  /** XADD: append an entry (`id` '*' lets the server pick); its ID, or null under NOMKSTREAM. */
  xadd(
    key: RespArg,
    id: string,
    fields: Fields,
    options: XAddOptions = {},
  ): Out<M, string | null, this> {
    const args = xaddArgs(key, options);
    args.push(id, ...flattenEntries(fields));
    return this._r(args, toStringOrNull);
  }
  xlen(key: RespArg): Out<M, number, this> {
    return this._r(['XLEN', key]);
  }
  xdel(key: RespArg, ...ids: string[]): Out<M, number, this> {
    return this._r(['XDEL', key, ...ids]);
  }
  /** XTRIM by MAXLEN or MINID; resolves the number of entries removed. */
  xtrim(key: RespArg, options: XTrimOptions): Out<M, number, this> {
    return this._r(xtrimArgs(['XTRIM', key], options));
  }
  /** XRANGE from `start` to `end` ('-' and '+' for the ends), at most `count` entries. */
  xrange(key: RespArg, start = '-', end = '+', count?: number): Out<M, StreamMessage<S>[], this> {
    const args: RespArg[] = ['XRANGE', key, start, end];
    if (count !== undefined) args.push('COUNT', count);
    return this._r(args, toStreamMessages);
  }
  xrevrange(
    key: RespArg,
    end = '+',
    start = '-',
    count?: number,
  ): Out<M, StreamMessage<S>[], this> {
    const args: RespArg[] = ['XREVRANGE', key, end, start];
    if (count !== undefined) args.push('COUNT', count);
    return this._r(args, toStreamMessages);
  }
  /**
   * XREAD: entries after each given ID ('$' for only new ones). With `block` (ms, 0 = forever)
   * it waits for entries and resolves null on timeout; it then runs on an exclusive connection.
   */
  xread(streams: StreamOffsets, options: XReadOptions = {}): Out<M, StreamRead<S>[] | null, this> {
    const args = xreadArgs(['XREAD'], streams, options);
    if (options.block !== undefined) return this._b(args, options.block, toStreamReads);
    return this._r(args, toStreamReads);
  }
  /** XREADGROUP: entries for `consumer` of `group` ('>' for never-delivered ones). */
  xreadgroup(
    group: RespArg,
    consumer: RespArg,
    streams: StreamOffsets,
    options: XReadOptions & { readonly noack?: boolean } = {},
  ): Out<M, StreamRead<S>[] | null, this> {
    const head: RespArg[] = ['XREADGROUP', 'GROUP', group, consumer];
    const args = xreadArgs(head, streams, options, options.noack === true);
    if (options.block !== undefined) return this._b(args, options.block, toStreamReads);
    return this._r(args, toStreamReads);
  }

  // ── consumer groups ──────────────────────────────────────────────────────────────────────
  /** XGROUP CREATE at `id` ('$' = only new entries, '0' = everything). */
  xgroupCreate(
    key: RespArg,
    group: RespArg,
    id: string,
    options: { mkstream?: boolean; entriesRead?: number } = {},
  ): Out<M, S, this> {
    const args: RespArg[] = ['XGROUP', 'CREATE', key, group, id];
    if (options.mkstream === true) args.push('MKSTREAM');
    if (options.entriesRead !== undefined) args.push('ENTRIESREAD', options.entriesRead);
    return this._r(args);
  }
  xgroupCreateconsumer(key: RespArg, group: RespArg, consumer: RespArg): Out<M, boolean, this> {
    return this._r(['XGROUP', 'CREATECONSUMER', key, group, consumer], toBoolean);
  }
  /** XGROUP DELCONSUMER; resolves how many pending entries the consumer had. */
  xgroupDelconsumer(key: RespArg, group: RespArg, consumer: RespArg): Out<M, number, this> {
    return this._r(['XGROUP', 'DELCONSUMER', key, group, consumer]);
  }
  xgroupDestroy(key: RespArg, group: RespArg): Out<M, boolean, this> {
    return this._r(['XGROUP', 'DESTROY', key, group], toBoolean);
  }
  xgroupSetid(
    key: RespArg,
    group: RespArg,
    id: string,
    options: { entriesRead?: number } = {},
  ): Out<M, S, this> {
    const args: RespArg[] = ['XGROUP', 'SETID', key, group, id];
    if (options.entriesRead !== undefined) args.push('ENTRIESREAD', options.entriesRead);
    return this._r(args);
  }
  xack(key: RespArg, group: RespArg, ...ids: string[]): Out<M, number, this> {
    return this._r(['XACK', key, group, ...ids]);
  }
  /** XPENDING summary: how many, the ID range, and the count per consumer. */
  xpending(key: RespArg, group: RespArg): Out<M, PendingSummary, this> {
    return this._r(['XPENDING', key, group], toPendingSummary);
  }
  /** XPENDING with a range: one record per pending entry. */
  xpendingRange(
    key: RespArg,
    group: RespArg,
    start: string,
    end: string,
    count: number,
    options: { idleMs?: number; consumer?: RespArg } = {},
  ): Out<M, PendingEntry[], this> {
    const args: RespArg[] = ['XPENDING', key, group];
    if (options.idleMs !== undefined) args.push('IDLE', options.idleMs);
    args.push(start, end, count);
    if (options.consumer !== undefined) args.push(options.consumer);
    return this._r(args, toPendingEntries);
  }
  /** XCLAIM entries idle at least `minIdleMs` for `consumer`. */
  xclaim(
    key: RespArg,
    group: RespArg,
    consumer: RespArg,
    minIdleMs: number,
    ids: readonly string[],
    options: XClaimOptions = {},
  ): Out<M, MaybeDeletedStreamMessage<S>[], this> {
    return this._r(
      xclaimArgs(key, group, consumer, minIdleMs, ids, options, false),
      toStreamMessages,
    );
  }
  xclaimJustId(
    key: RespArg,
    group: RespArg,
    consumer: RespArg,
    minIdleMs: number,
    ids: readonly string[],
    options: XClaimOptions = {},
  ): Out<M, string[], this> {
    return this._r(xclaimArgs(key, group, consumer, minIdleMs, ids, options, true), toStrings);
  }
  /** XAUTOCLAIM: claim idle entries from `start` on; `{ nextId, messages, deletedIds }`. */
  xautoclaim(
    key: RespArg,
    group: RespArg,
    consumer: RespArg,
    minIdleMs: number,
    start: string,
    count?: number,
  ): Out<M, AutoClaimResult<MaybeDeletedStreamMessage<S>>, this> {
    const args: RespArg[] = ['XAUTOCLAIM', key, group, consumer, minIdleMs, start];
    if (count !== undefined) args.push('COUNT', count);
    return this._r(args, toAutoClaim);
  }
  xautoclaimJustId(
    key: RespArg,
    group: RespArg,
    consumer: RespArg,
    minIdleMs: number,
    start: string,
    count?: number,
  ): Out<M, AutoClaimResult<string>, this> {
    const args: RespArg[] = ['XAUTOCLAIM', key, group, consumer, minIdleMs, start];
    if (count !== undefined) args.push('COUNT', count);
    args.push('JUSTID');
    return this._r(args, toAutoClaimIds);
  }
  /** XSETID: set the stream's last ID (replication and tooling). */
  xsetid(
    key: RespArg,
    lastId: string,
    options: { entriesAdded?: number; maxDeletedId?: string } = {},
  ): Out<M, S, this> {
    const args: RespArg[] = ['XSETID', key, lastId];
    if (options.entriesAdded !== undefined) args.push('ENTRIESADDED', options.entriesAdded);
    if (options.maxDeletedId !== undefined) args.push('MAXDELETEDID', options.maxDeletedId);
    return this._r(args);
  }

  // ── introspection ────────────────────────────────────────────────────────────────────────
  /** XINFO STREAM: a record with the server's field names; entries as `{ id, fields }`. */
  xinfoStream(key: RespArg): Out<M, Record<string, unknown>, this> {
    return this._r(['XINFO', 'STREAM', key], toStreamInfo);
  }
  /** XINFO STREAM … FULL: every entry (up to `count`, 0 = all), group and consumer. */
  xinfoStreamFull(key: RespArg, count?: number): Out<M, Record<string, unknown>, this> {
    const args: RespArg[] = ['XINFO', 'STREAM', key, 'FULL'];
    if (count !== undefined) args.push('COUNT', count);
    return this._r(args, toStreamInfo);
  }
  xinfoGroups(key: RespArg): Out<M, Record<string, unknown>[], this> {
    return this._r(['XINFO', 'GROUPS', key], toRecordList);
  }
  xinfoConsumers(key: RespArg, group: RespArg): Out<M, Record<string, unknown>[], this> {
    return this._r(['XINFO', 'CONSUMERS', key, group], toRecordList);
  }
}

function toStringOrNull(reply: unknown): string | null {
  return reply === null || reply === undefined ? null : String(reply);
}

function toStrings(reply: unknown): string[] {
  return Array.isArray(reply) ? reply.map(String) : [];
}
