/**
 * Typed methods of the `generic` group: keys, expiry, SCAN, SORT, OBJECT, DUMP/RESTORE.
 * See command-base.ts. WAIT and WAITAOF block, so they live in command-api.ts.
 */
import type { RespArg } from '../protocol/resp-types.js';
import type { ApiMode, Out } from './command-base.js';
import {
  type ExpireCondition,
  type MigrateOptions,
  migrateArgs,
  type RestoreOptions,
  restoreArgs,
  type ScanOptions,
  type SortOptions,
  sortArgs,
  withCondition,
  withScanOptions,
} from './command-options.js';
import { toBoolean, toNumberOrNull, toScanPage } from './reply-transforms.js';
import { StringCommands } from './string-commands.js';

export abstract class KeyCommands<
  M extends ApiMode,
  S extends string | Buffer = string,
> extends StringCommands<M, S> {
  // ── keys and expiry ──────────────────────────────────────────────────────────────────────
  del(...keys: RespArg[]): Out<M, number, this> {
    return this._r(['DEL', ...keys]);
  }
  unlink(...keys: RespArg[]): Out<M, number, this> {
    return this._r(['UNLINK', ...keys]);
  }
  /** How many of the keys exist (a key named twice counts twice). */
  exists(...keys: RespArg[]): Out<M, number, this> {
    return this._r(['EXISTS', ...keys]);
  }
  touch(...keys: RespArg[]): Out<M, number, this> {
    return this._r(['TOUCH', ...keys]);
  }
  type(key: RespArg): Out<M, string, this> {
    return this._r(['TYPE', key]);
  }
  rename(key: RespArg, newKey: RespArg): Out<M, S, this> {
    return this._r(['RENAME', key, newKey]);
  }
  renamenx(key: RespArg, newKey: RespArg): Out<M, boolean, this> {
    return this._r(['RENAMENX', key, newKey], toBoolean);
  }
  copy(
    source: RespArg,
    destination: RespArg,
    options: { db?: number; replace?: boolean } = {},
  ): Out<M, boolean, this> {
    const args: RespArg[] = ['COPY', source, destination];
    if (options.db !== undefined) args.push('DB', options.db);
    if (options.replace === true) args.push('REPLACE');
    return this._r(args, toBoolean);
  }
  /** KEYS walks the whole keyspace and blocks the server while it does; prefer `scan`. */
  keys(pattern: RespArg): Out<M, S[], this> {
    return this._r(['KEYS', pattern]);
  }
  scan(
    cursor: string | number,
    options: ScanOptions = {},
  ): Out<M, { cursor: string; items: S[] }, this> {
    return this._r(withScanOptions(['SCAN', cursor], options, true), toScanPage);
  }
  expire(key: RespArg, seconds: number, condition?: ExpireCondition): Out<M, boolean, this> {
    return this._r(withCondition(['EXPIRE', key, seconds], condition), toBoolean);
  }
  pexpire(key: RespArg, milliseconds: number, condition?: ExpireCondition): Out<M, boolean, this> {
    return this._r(withCondition(['PEXPIRE', key, milliseconds], condition), toBoolean);
  }
  expireat(key: RespArg, unixSeconds: number, condition?: ExpireCondition): Out<M, boolean, this> {
    return this._r(withCondition(['EXPIREAT', key, unixSeconds], condition), toBoolean);
  }
  pexpireat(key: RespArg, unixMs: number, condition?: ExpireCondition): Out<M, boolean, this> {
    return this._r(withCondition(['PEXPIREAT', key, unixMs], condition), toBoolean);
  }
  /** Seconds to live; -1 without expiry, -2 when the key does not exist. */
  ttl(key: RespArg): Out<M, number, this> {
    return this._r(['TTL', key]);
  }
  pttl(key: RespArg): Out<M, number, this> {
    return this._r(['PTTL', key]);
  }
  expiretime(key: RespArg): Out<M, number, this> {
    return this._r(['EXPIRETIME', key]);
  }
  pexpiretime(key: RespArg): Out<M, number, this> {
    return this._r(['PEXPIRETIME', key]);
  }
  persist(key: RespArg): Out<M, boolean, this> {
    return this._r(['PERSIST', key], toBoolean);
  }

  /** A random key of the database, or null when it is empty. */
  randomkey(): Out<M, S | null, this> {
    return this._r(['RANDOMKEY']);
  }
  /** MOVE a key to another database; false when it exists there or not here. */
  move(key: RespArg, db: number): Out<M, boolean, this> {
    return this._r(['MOVE', key, db], toBoolean);
  }
  /**
   * DUMP: the serialized value, or null. It is binary: call it on a
   * `withOptions({ returnBuffers: true })` view, or the bytes are mangled by UTF-8 decoding.
   */
  dump(key: RespArg): Out<M, S | null, this> {
    return this._r(['DUMP', key]);
  }
  restore(
    key: RespArg,
    ttlMs: number,
    serialized: RespArg,
    options: RestoreOptions = {},
  ): Out<M, S, this> {
    return this._r(restoreArgs(key, ttlMs, serialized, options));
  }
  /** MIGRATE one key (or, with `keys`, many) to another server; 'OK' or 'NOKEY'. */
  migrate(
    host: string,
    port: number,
    key: RespArg,
    destinationDb: number,
    timeoutMs: number,
    options: MigrateOptions = {},
  ): Out<M, S, this> {
    return this._r(migrateArgs(host, port, key, destinationDb, timeoutMs, options));
  }
  /** SORT; the sorted elements (null for a missing GET pattern match). */
  sort(key: RespArg, options: SortOptions = {}): Out<M, (S | null)[], this> {
    return this._r(sortArgs('SORT', key, options, undefined));
  }
  /** SORT … STORE destination; resolves the number of stored elements. */
  sortStore(key: RespArg, destination: RespArg, options: SortOptions = {}): Out<M, number, this> {
    return this._r(sortArgs('SORT', key, options, destination));
  }
  /** SORT_RO: SORT without STORE; replicas may serve it. */
  sortRo(key: RespArg, options: SortOptions = {}): Out<M, (S | null)[], this> {
    return this._r(sortArgs('SORT_RO', key, options, undefined));
  }
  /** OBJECT ENCODING: `listpack`, `hashtable`, `int`, …; null when the key does not exist. */
  objectEncoding(key: RespArg): Out<M, string | null, this> {
    return this._r(['OBJECT', 'ENCODING', key], toStringOrNull);
  }
  /** OBJECT FREQ (needs an LFU maxmemory-policy). */
  objectFreq(key: RespArg): Out<M, number | null, this> {
    return this._r(['OBJECT', 'FREQ', key], toNumberOrNull);
  }
  /** OBJECT IDLETIME in seconds (needs an LRU or no maxmemory-policy). */
  objectIdletime(key: RespArg): Out<M, number | null, this> {
    return this._r(['OBJECT', 'IDLETIME', key], toNumberOrNull);
  }
  objectRefcount(key: RespArg): Out<M, number | null, this> {
    return this._r(['OBJECT', 'REFCOUNT', key], toNumberOrNull);
  }
}

function toStringOrNull(reply: unknown): string | null {
  return reply === null || reply === undefined ? null : String(reply);
}
