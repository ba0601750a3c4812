/**
 * Typed methods of the server, connection and pub/sub groups that an application calls: PING,
 * INFO (parsed), TIME, MEMORY USAGE, CONFIG GET/SET, CLIENT ID/INFO/LIST (parsed), ROLE,
 * SLOWLOG, FLUSHDB/FLUSHALL, PUBLISH and the PUBSUB introspection commands. See command-base.ts.
 *
 * Commands that change the state of the connection they run on (SELECT, CLIENT NO-EVICT,
 * CLIENT NO-TOUCH, …) are typed on `LeasedConnection` only: on the shared multiplexed
 * connection they would change it for every caller. Administration (ACL, MODULE, DEBUG,
 * REPLICAOF, SHUTDOWN, …) stays with `call()`; docs/commands.md lists what is typed.
 */
import type { RespArg } from '../protocol/resp-types.js';
import type { ApiMode, Out } from './command-base.js';
import { toNumberOrNull, toRecord } from './reply-transforms.js';
import { ScriptingCommands } from './scripting-commands.js';
import {
  type ClientInfo,
  type InfoReply,
  type RoleReply,
  type SlowlogEntry,
  toClientInfo,
  toClientList,
  toInfo,
  toRole,
  toSlowlog,
  toTime,
} from './server-replies.js';

export type { ClientInfo, InfoReply, RoleReply, SlowlogEntry } from './server-replies.js';

export abstract class ServerCommands<
  M extends ApiMode,
  S extends string | Buffer = string,
> extends ScriptingCommands<M, S> {
  // ── server and connection ────────────────────────────────────────────────────────────────
  ping(message?: RespArg): Out<M, S, this> {
    return this._r(message === undefined ? ['PING'] : ['PING', message]);
  }
  echo(message: RespArg): Out<M, S, this> {
    return this._r(['ECHO', message]);
  }
  dbsize(): Out<M, number, this> {
    return this._r(['DBSIZE']);
  }
  /** Delete every key of the selected database. */
  flushdb(mode?: 'ASYNC' | 'SYNC'): Out<M, S, this> {
    return this._r(mode === undefined ? ['FLUSHDB'] : ['FLUSHDB', mode]);
  }
  publish(channel: RespArg, message: RespArg): Out<M, number, this> {
    return this._r(['PUBLISH', channel, message]);
  }
  /** SPUBLISH to a shard channel (routes by the channel's slot on a cluster). */
  spublish(channel: RespArg, message: RespArg): Out<M, number, this> {
    return this._r(['SPUBLISH', channel, message]);
  }
  flushall(mode?: 'ASYNC' | 'SYNC'): Out<M, S, this> {
    return this._r(mode === undefined ? ['FLUSHALL'] : ['FLUSHALL', mode]);
  }
  /** INFO, parsed: `(await info()).server.redis_version`. Sections are lower-case. */
  info(...sections: string[]): Out<M, InfoReply, this> {
    return this._r(['INFO', ...sections], toInfo);
  }
  /** TIME: the server's clock. */
  time(): Out<M, { seconds: number; microseconds: number; unixMs: number }, this> {
    return this._r(['TIME'], toTime);
  }
  /** LASTSAVE: Unix time in seconds of the last successful save. */
  lastsave(): Out<M, number, this> {
    return this._r(['LASTSAVE']);
  }
  /** MEMORY USAGE in bytes, or null when the key does not exist. */
  memoryUsage(key: RespArg, samples?: number): Out<M, number | null, this> {
    const args: RespArg[] = ['MEMORY', 'USAGE', key];
    if (samples !== undefined) args.push('SAMPLES', samples);
    return this._r(args, toNumberOrNull);
  }
  /** MEMORY STATS as a record keyed by the server's field names. */
  memoryStats(): Out<M, Record<string, unknown>, this> {
    return this._r(['MEMORY', 'STATS'], toRecord);
  }
  /** CONFIG GET: parameter → value for every parameter matching the patterns. */
  configGet(...patterns: string[]): Out<M, Record<string, string>, this> {
    return this._r(['CONFIG', 'GET', ...patterns], toRecord);
  }
  configSet(parameters: Record<string, RespArg>): Out<M, S, this> {
    const args: RespArg[] = ['CONFIG', 'SET'];
    for (const name of Object.keys(parameters)) args.push(name, parameters[name]!);
    return this._r(args);
  }
  configResetstat(): Out<M, S, this> {
    return this._r(['CONFIG', 'RESETSTAT']);
  }
  configRewrite(): Out<M, S, this> {
    return this._r(['CONFIG', 'REWRITE']);
  }
  /** ROLE, parsed: master (with its replicas), slave (with its master) or sentinel. */
  role(): Out<M, RoleReply, this> {
    return this._r(['ROLE'], toRole);
  }
  slowlogGet(count?: number): Out<M, SlowlogEntry[], this> {
    return this._r(count === undefined ? ['SLOWLOG', 'GET'] : ['SLOWLOG', 'GET', count], toSlowlog);
  }
  slowlogLen(): Out<M, number, this> {
    return this._r(['SLOWLOG', 'LEN']);
  }
  slowlogReset(): Out<M, S, this> {
    return this._r(['SLOWLOG', 'RESET']);
  }

  // ── connection ───────────────────────────────────────────────────────────────────────────
  /**
   * CLIENT ID: the server's id of the connection this runs on (the multiplexed one, on a
   * client). Not named `clientId`, which is respool's own id of the client object.
   */
  connectionId(): Out<M, number, this> {
    return this._r(['CLIENT', 'ID']);
  }
  /** CLIENT INFO, parsed into field → value. */
  clientInfo(): Out<M, ClientInfo, this> {
    return this._r(['CLIENT', 'INFO'], toClientInfo);
  }
  /** CLIENT LIST, parsed: one record per connection, optionally of one TYPE or some IDs. */
  clientList(
    filter: { type?: 'normal' | 'master' | 'replica' | 'pubsub'; ids?: readonly number[] } = {},
  ): Out<M, ClientInfo[], this> {
    const args: RespArg[] = ['CLIENT', 'LIST'];
    if (filter.type !== undefined) args.push('TYPE', filter.type);
    if (filter.ids !== undefined) args.push('ID', ...filter.ids);
    return this._r(args, toClientList);
  }
  clientGetname(): Out<M, S | null, this> {
    return this._r(['CLIENT', 'GETNAME']);
  }
  /** CLIENT KILL with filters; resolves the number of connections closed. */
  clientKill(filter: {
    id?: number;
    addr?: string;
    laddr?: string;
    user?: string;
    type?: 'normal' | 'master' | 'replica' | 'pubsub';
    skipme?: boolean;
    maxage?: number;
  }): Out<M, number, this> {
    const args: RespArg[] = ['CLIENT', 'KILL'];
    if (filter.id !== undefined) args.push('ID', filter.id);
    if (filter.addr !== undefined) args.push('ADDR', filter.addr);
    if (filter.laddr !== undefined) args.push('LADDR', filter.laddr);
    if (filter.user !== undefined) args.push('USER', filter.user);
    if (filter.type !== undefined) args.push('TYPE', filter.type);
    if (filter.skipme !== undefined) args.push('SKIPME', filter.skipme ? 'yes' : 'no');
    if (filter.maxage !== undefined) args.push('MAXAGE', filter.maxage);
    return this._r(args);
  }
  /** CLIENT UNBLOCK another connection blocked in BLPOP & co.; true when it was blocked. */
  clientUnblock(id: number, how?: 'TIMEOUT' | 'ERROR'): Out<M, boolean, this> {
    return this._r(
      how === undefined ? ['CLIENT', 'UNBLOCK', id] : ['CLIENT', 'UNBLOCK', id, how],
      (r) => r === 1,
    );
  }
  clientPause(timeoutMs: number, mode?: 'WRITE' | 'ALL'): Out<M, S, this> {
    return this._r(
      mode === undefined ? ['CLIENT', 'PAUSE', timeoutMs] : ['CLIENT', 'PAUSE', timeoutMs, mode],
    );
  }
  clientUnpause(): Out<M, S, this> {
    return this._r(['CLIENT', 'UNPAUSE']);
  }

  // ── pub/sub introspection ────────────────────────────────────────────────────────────────
  pubsubChannels(pattern?: string): Out<M, S[], this> {
    return this._r(
      pattern === undefined ? ['PUBSUB', 'CHANNELS'] : ['PUBSUB', 'CHANNELS', pattern],
    );
  }
  /** PUBSUB NUMSUB: subscribers per channel. */
  pubsubNumsub(...channels: string[]): Out<M, Record<string, number>, this> {
    return this._r(['PUBSUB', 'NUMSUB', ...channels], toRecord);
  }
  pubsubNumpat(): Out<M, number, this> {
    return this._r(['PUBSUB', 'NUMPAT']);
  }
  pubsubShardchannels(pattern?: string): Out<M, S[], this> {
    return this._r(
      pattern === undefined ? ['PUBSUB', 'SHARDCHANNELS'] : ['PUBSUB', 'SHARDCHANNELS', pattern],
    );
  }
  pubsubShardnumsub(...channels: string[]): Out<M, Record<string, number>, this> {
    return this._r(['PUBSUB', 'SHARDNUMSUB', ...channels], toRecord);
  }
}
