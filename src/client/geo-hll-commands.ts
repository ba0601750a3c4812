/**
 * Typed methods of the `geo` and `hyperloglog` groups. See command-base.ts. GEORADIUS and
 * GEORADIUSBYMEMBER (and their _RO forms), deprecated since 6.2, are left to `call()`:
 * GEOSEARCH and GEOSEARCHSTORE do everything they did.
 */
import type { RespArg } from '../protocol/resp-types.js';
import type { ApiMode, Out } from './command-base.js';
import {
  type GeoSearchBy,
  type GeoSearchFrom,
  type GeoSearchOptions,
  geosearchArgs,
} from './command-options.js';
import { toBoolean, toNumberOrNull } from './reply-transforms.js';
import { StreamCommands } from './stream-commands.js';

export type GeoUnit = 'm' | 'km' | 'ft' | 'mi';

export interface GeoMember {
  readonly longitude: number;
  readonly latitude: number;
  readonly member: RespArg;
}

export interface GeoPosition {
  readonly longitude: number;
  readonly latitude: number;
}

/** One GEOSEARCH hit with the WITH… fields asked for. */
export interface GeoSearchHit<S> {
  readonly member: S;
  readonly distance?: number;
  readonly hash?: number;
  readonly coordinates?: GeoPosition;
}

export abstract class GeoHllCommands<
  M extends ApiMode,
  S extends string | Buffer = string,
> extends StreamCommands<M, S> {
  // ── geo ──────────────────────────────────────────────────────────────────────────────────
  /** GEOADD one member or many; resolves members added (changed with `ch`). */
  geoadd(
    key: RespArg,
    members: GeoMember | readonly GeoMember[],
    options: { nx?: boolean; xx?: boolean; ch?: boolean } = {},
  ): Out<M, number, this> {
    const args: RespArg[] = ['GEOADD', key];
    if (options.nx === true) args.push('NX');
    if (options.xx === true) args.push('XX');
    if (options.ch === true) args.push('CH');
    const list: readonly GeoMember[] = Array.isArray(members) ? members : [members as GeoMember];
    for (const m of list) args.push(m.longitude, m.latitude, m.member);
    return this._r(args);
  }
  /** Distance between two members (in `unit`, default metres), or null when one is missing. */
  geodist(
    key: RespArg,
    member1: RespArg,
    member2: RespArg,
    unit?: GeoUnit,
  ): Out<M, number | null, this> {
    const args: RespArg[] = ['GEODIST', key, member1, member2];
    if (unit !== undefined) args.push(unit);
    return this._r(args, toNumberOrNull);
  }
  /** 11-character geohash strings; null for a missing member. */
  geohash(key: RespArg, ...members: RespArg[]): Out<M, (string | null)[], this> {
    return this._r(['GEOHASH', key, ...members], toStringsOrNull);
  }
  /** Positions as numbers (RESP2 sends strings, RESP3 doubles); null for a missing member. */
  geopos(key: RespArg, ...members: RespArg[]): Out<M, (GeoPosition | null)[], this> {
    return this._r(['GEOPOS', key, ...members], toPositions);
  }
  /** GEOSEARCH: members within a radius or box around a member or a point. */
  geosearch(
    key: RespArg,
    from: GeoSearchFrom,
    by: GeoSearchBy,
    options: GeoSearchOptions = {},
  ): Out<M, S[], this> {
    return this._r(geosearchArgs(['GEOSEARCH', key], from, by, options));
  }
  /** GEOSEARCH with WITHDIST / WITHHASH / WITHCOORD: one record per hit. */
  geosearchWith(
    key: RespArg,
    from: GeoSearchFrom,
    by: GeoSearchBy,
    withFields: { distance?: boolean; hash?: boolean; coordinates?: boolean },
    options: GeoSearchOptions = {},
  ): Out<M, GeoSearchHit<S>[], this> {
    const args = geosearchArgs(['GEOSEARCH', key], from, by, options);
    // The server answers the WITH… fields in this fixed order, whatever order they were asked in.
    const dist = withFields.distance === true;
    const hash = withFields.hash === true;
    const coord = withFields.coordinates === true;
    if (dist) args.push('WITHDIST');
    if (hash) args.push('WITHHASH');
    if (coord) args.push('WITHCOORD');
    return this._r(args, (reply) => toGeoHits(reply, dist, hash, coord));
  }
  /** GEOSEARCHSTORE into `destination` (STOREDIST with `storeDist`); resolves the count. */
  geosearchstore(
    destination: RespArg,
    source: RespArg,
    from: GeoSearchFrom,
    by: GeoSearchBy,
    options: GeoSearchOptions & { storeDist?: boolean } = {},
  ): Out<M, number, this> {
    const args = geosearchArgs(['GEOSEARCHSTORE', destination, source], from, by, options);
    if (options.storeDist === true) args.push('STOREDIST');
    return this._r(args);
  }

  // ── hyperloglog ──────────────────────────────────────────────────────────────────────────
  /** PFADD; true when the estimate changed. */
  pfadd(key: RespArg, ...elements: RespArg[]): Out<M, boolean, this> {
    return this._r(['PFADD', key, ...elements], toBoolean);
  }
  /** PFCOUNT: the estimated cardinality of the union of the keys. */
  pfcount(...keys: RespArg[]): Out<M, number, this> {
    return this._r(['PFCOUNT', ...keys]);
  }
  pfmerge(destination: RespArg, ...sources: RespArg[]): Out<M, S, this> {
    return this._r(['PFMERGE', destination, ...sources]);
  }
}

function toStringsOrNull(reply: unknown): (string | null)[] {
  return Array.isArray(reply) ? reply.map((r) => (r === null ? null : String(r))) : [];
}

function toPosition(pair: unknown): GeoPosition | null {
  if (!Array.isArray(pair)) return null;
  return { longitude: Number(pair[0]), latitude: Number(pair[1]) };
}

function toPositions(reply: unknown): (GeoPosition | null)[] {
  return Array.isArray(reply) ? reply.map(toPosition) : [];
}

function toGeoHits<S>(
  reply: unknown,
  dist: boolean,
  hash: boolean,
  coord: boolean,
): GeoSearchHit<S>[] {
  if (!Array.isArray(reply)) return [];
  return reply.map((item) => {
    const r = Array.isArray(item) ? item : [item];
    let i = 1;
    const hit: { member: S; distance?: number; hash?: number; coordinates?: GeoPosition } = {
      member: r[0] as S,
    };
    if (dist) hit.distance = Number(r[i++]);
    if (hash) hit.hash = Number(r[i++]);
    if (coord)
      hit.coordinates = toPosition(r[i++]) ?? { longitude: Number.NaN, latitude: Number.NaN };
    return hit;
  });
}
