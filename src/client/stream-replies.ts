/**
 * Reply transforms of the `stream` group. Under RESP3, XREAD answers a map of stream → entries
 * and XINFO answers maps; under RESP2 both are flat arrays. Every transform here gives one shape
 * for both.
 */
import type { RespValue } from '../protocol/resp-types.js';
import { toRecord } from './reply-transforms.js';

/** One stream entry. `fields` is null for an entry deleted while still pending (XREADGROUP, XCLAIM). */
export interface StreamMessage<S = string> {
  readonly id: string;
  readonly fields: Record<string, S>;
}

/** An entry that may have been deleted after it was delivered (fields null). */
export interface MaybeDeletedStreamMessage<S = string> {
  readonly id: string;
  readonly fields: Record<string, S> | null;
}

export interface StreamRead<S = string> {
  readonly name: S;
  readonly messages: MaybeDeletedStreamMessage<S>[];
}

export interface PendingSummary {
  readonly count: number;
  readonly minId: string | null;
  readonly maxId: string | null;
  readonly consumers: { readonly name: string; readonly count: number }[];
}

export interface PendingEntry {
  readonly id: string;
  readonly consumer: string;
  readonly idleMs: number;
  readonly deliveries: number;
}

export interface AutoClaimResult<T> {
  /** Where the next XAUTOCLAIM should start; '0-0' when the scan is complete. */
  readonly nextId: string;
  readonly messages: T[];
  /** Entries that were pending but no longer exist (they were removed from the PEL). */
  readonly deletedIds: string[];
}

function message<S>(entry: RespValue): MaybeDeletedStreamMessage<S> {
  const pair = Array.isArray(entry) ? entry : [];
  const fields = pair[1];
  return {
    id: String(pair[0]),
    fields: fields === null || fields === undefined ? null : toRecord<S>(fields),
  };
}

/** XRANGE, XREVRANGE, XCLAIM: [[id, [f, v, …]], …] → [{ id, fields }]. */
export function toStreamMessages<S>(reply: RespValue): MaybeDeletedStreamMessage<S>[] {
  return Array.isArray(reply) ? reply.map((e) => message<S>(e)) : [];
}

/** XREAD, XREADGROUP: RESP2 [[name, entries], …] or RESP3 {name: entries} → [{ name, messages }]; null on timeout. */
export function toStreamReads<S>(reply: RespValue): StreamRead<S>[] | null {
  if (reply === null) return null;
  const out: StreamRead<S>[] = [];
  if (reply instanceof Map) {
    for (const [name, entries] of reply) {
      out.push({ name: name as S, messages: toStreamMessages<S>(entries) });
    }
  } else if (Array.isArray(reply)) {
    for (const item of reply) {
      const pair = Array.isArray(item) ? item : [];
      out.push({ name: pair[0] as S, messages: toStreamMessages<S>(pair[1] ?? null) });
    }
  }
  return out;
}

/** XPENDING key group: [count, min, max, [[consumer, count], …]]. */
export function toPendingSummary(reply: RespValue): PendingSummary {
  const r = Array.isArray(reply) ? reply : [];
  const consumers = Array.isArray(r[3]) ? r[3] : [];
  return {
    count: Number(r[0] ?? 0),
    minId: r[1] === null || r[1] === undefined ? null : String(r[1]),
    maxId: r[2] === null || r[2] === undefined ? null : String(r[2]),
    consumers: consumers.map((c) => {
      const pair = Array.isArray(c) ? c : [];
      return { name: String(pair[0]), count: Number(pair[1]) };
    }),
  };
}

/** XPENDING key group start end count: [[id, consumer, idle, deliveries], …]. */
export function toPendingEntries(reply: RespValue): PendingEntry[] {
  if (!Array.isArray(reply)) return [];
  return reply.map((e) => {
    const r = Array.isArray(e) ? e : [];
    return {
      id: String(r[0]),
      consumer: String(r[1]),
      idleMs: Number(r[2]),
      deliveries: Number(r[3]),
    };
  });
}

/** XAUTOCLAIM: [next, entries, deleted]. */
export function toAutoClaim<S>(reply: RespValue): AutoClaimResult<MaybeDeletedStreamMessage<S>> {
  const r = Array.isArray(reply) ? reply : [];
  return {
    nextId: String(r[0] ?? '0-0'),
    messages: toStreamMessages<S>(r[1] ?? null),
    deletedIds: Array.isArray(r[2]) ? r[2].map(String) : [],
  };
}

/** XAUTOCLAIM … JUSTID: [next, ids, deleted]. */
export function toAutoClaimIds(reply: RespValue): AutoClaimResult<string> {
  const r = Array.isArray(reply) ? reply : [];
  return {
    nextId: String(r[0] ?? '0-0'),
    messages: Array.isArray(r[1]) ? r[1].map(String) : [],
    deletedIds: Array.isArray(r[2]) ? r[2].map(String) : [],
  };
}

/**
 * XINFO STREAM: a record keyed by the server's field names (`length`, `last-generated-id`,
 * `first-entry`, …), with entries as `{ id, fields }`. With FULL, `entries` is a list of them
 * and `groups` a list of records.
 */
export function toStreamInfo(reply: RespValue): Record<string, unknown> {
  const info = toRecord<RespValue>(reply);
  for (const key of ['first-entry', 'last-entry']) {
    const v = info[key];
    if (v !== undefined) info[key] = v === null ? null : (message(v) as unknown as RespValue);
  }
  if (Array.isArray(info['entries'])) {
    info['entries'] = toStreamMessages(info['entries']) as unknown as RespValue;
  }
  if (Array.isArray(info['groups'])) {
    info['groups'] = (info['groups'] as RespValue[]).map((g) => {
      const group = toRecord<RespValue>(g);
      if (Array.isArray(group['consumers'])) {
        group['consumers'] = (group['consumers'] as RespValue[]).map((c) =>
          toRecord<RespValue>(c),
        ) as unknown as RespValue;
      }
      return group;
    }) as unknown as RespValue;
  }
  return info;
}

/** XINFO GROUPS / XINFO CONSUMERS: a list of records keyed by the server's field names. */
export function toRecordList(reply: RespValue): Record<string, unknown>[] {
  return Array.isArray(reply) ? reply.map((r) => toRecord<unknown>(r)) : [];
}
