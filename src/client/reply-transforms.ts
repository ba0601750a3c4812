/**
 * Reply shapes differ between RESP2 and RESP3 (HGETALL is a flat array in one and a map in the
 * other; ZSCORE a blob or a double). These transforms give typed methods one shape under both.
 * Error replies never reach a transform: they reject the call or stay in their pipeline slot.
 */
import type { RespValue } from '../protocol/resp-types.js';

export type Transform<T = unknown> = (reply: RespValue) => T;

/** 1/0 (or RESP3 true/false) → boolean. */
export const toBoolean: Transform<boolean> = (reply) => reply === 1 || reply === true;

/** Blob or double → number; null stays null. */
export const toNumberOrNull: Transform<number | null> = (reply) => {
  if (reply === null) return null;
  if (typeof reply === 'number') return reply;
  return parseRedisDouble(String(reply));
};

export const toNumber: Transform<number> = (reply) => toNumberOrNull(reply) ?? Number.NaN;

export const toNumberArray: Transform<(number | null)[]> = (reply) =>
  Array.isArray(reply) ? reply.map((r) => toNumberOrNull(r)) : [];

export const toBooleanArray: Transform<boolean[]> = (reply) =>
  Array.isArray(reply) ? reply.map((r) => r === 1 || r === true) : [];

/** Flat [k, v, k, v] (RESP2) or a Map (RESP3) → a plain object with string keys. */
export function toRecord<V>(reply: RespValue): Record<string, V> {
  // defineProperty, not assignment: a field named "__proto__" must stay a field.
  const out: Record<string, V> = {};
  if (reply instanceof Map) {
    for (const [k, v] of reply) define(out, String(k), v as V);
  } else if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) define(out, String(reply[i]), reply[i + 1] as V);
  }
  return out;
}

function define<V>(out: Record<string, V>, key: string, value: V): void {
  if (key === '__proto__') {
    Object.defineProperty(out, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    out[key] = value;
  }
}

/** Members with scores: RESP2 [m, s, m, s] or RESP3 [[m, s], …] → [{ member, score }]. */
export function toScoredMembers<S>(reply: RespValue): { member: S; score: number }[] {
  if (!Array.isArray(reply)) return [];
  const out: { member: S; score: number }[] = [];
  if (reply.length > 0 && Array.isArray(reply[0])) {
    for (const pair of reply as RespValue[][]) {
      out.push({ member: pair[0] as S, score: toNumber(pair[1] ?? null) });
    }
  } else {
    for (let i = 0; i + 1 < reply.length; i += 2) {
      out.push({ member: reply[i] as S, score: toNumber(reply[i + 1] ?? null) });
    }
  }
  return out;
}

/** ZPOPMIN/ZPOPMAX without a count: RESP2 [m, s] or RESP3 [m, s] / [[m, s]]. */
export function toScoredMembersFlat<S>(reply: RespValue): { member: S; score: number }[] {
  return toScoredMembers<S>(reply);
}

/** SCAN family: [cursor, items] → { cursor, items }. */
export function toScanPage<T>(reply: RespValue): { cursor: string; items: T[] } {
  const pair = Array.isArray(reply) ? reply : [];
  return { cursor: String(pair[0] ?? '0'), items: (Array.isArray(pair[1]) ? pair[1] : []) as T[] };
}

function parseRedisDouble(text: string): number {
  switch (text) {
    case 'inf':
    case '+inf':
      return Number.POSITIVE_INFINITY;
    case '-inf':
      return Number.NEGATIVE_INFINITY;
    default:
      return Number(text);
  }
}

/** BLPOP/BRPOP: [key, element] or null. */
export function toBlockingPop<S>(reply: RespValue): [S, S] | null {
  return Array.isArray(reply) ? [reply[0] as S, reply[1] as S] : null;
}

/** BZPOPMIN/BZPOPMAX: [key, member, score] or null. */
export function toBlockingZPop<S>(reply: RespValue): { key: S; member: S; score: number } | null {
  if (!Array.isArray(reply)) return null;
  return { key: reply[0] as S, member: reply[1] as S, score: toNumber(reply[2] ?? null) };
}

/** BLMPOP/LMPOP: [key, [elements]] or null. */
export function toMultiPop<S>(reply: RespValue): { key: S; elements: S[] } | null {
  if (!Array.isArray(reply)) return null;
  return { key: reply[0] as S, elements: (Array.isArray(reply[1]) ? reply[1] : []) as S[] };
}

/** BZMPOP/ZMPOP: [key, [[member, score], …]] or null. */
export function toMultiZPop<S>(
  reply: RespValue,
): { key: S; members: { member: S; score: number }[] } | null {
  if (!Array.isArray(reply)) return null;
  return { key: reply[0] as S, members: toScoredMembers<S>(reply[1] ?? null) };
}

/** Field/value pairs: RESP2 [f, v, f, v] or RESP3 [[f, v], …] → [[f, v], …]. */
export function toPairs<S>(reply: RespValue): [S, S][] {
  if (!Array.isArray(reply)) return [];
  const out: [S, S][] = [];
  if (reply.length > 0 && Array.isArray(reply[0])) {
    for (const pair of reply as RespValue[][]) out.push([pair[0] as S, pair[1] as S]);
  } else {
    for (let i = 0; i + 1 < reply.length; i += 2) out.push([reply[i] as S, reply[i + 1] as S]);
  }
  return out;
}

/** LCS … IDX: the matches (ranges in the first and second string) and the total length. */
export interface LcsMatches {
  readonly matches: {
    readonly a: readonly [start: number, end: number];
    readonly b: readonly [start: number, end: number];
    /** With `withMatchLen`. */
    readonly length?: number;
  }[];
  readonly length: number;
}

/** RESP2 ['matches', [...], 'len', n] or RESP3 {matches: [...], len: n}. */
export function toLcsMatches(reply: RespValue): LcsMatches {
  const r = toRecord<RespValue>(reply);
  const list = Array.isArray(r['matches']) ? (r['matches'] as RespValue[]) : [];
  return {
    matches: list.map((m) => {
      const e = Array.isArray(m) ? m : [];
      const a = Array.isArray(e[0]) ? e[0] : [];
      const b = Array.isArray(e[1]) ? e[1] : [];
      const match: { a: [number, number]; b: [number, number]; length?: number } = {
        a: [Number(a[0]), Number(a[1])],
        b: [Number(b[0]), Number(b[1])],
      };
      if (e[2] !== undefined) match.length = Number(e[2]);
      return match;
    }),
    length: Number(r['len'] ?? 0),
  };
}
