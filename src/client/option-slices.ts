/**
 * The client's resolved options, cut once into the slice each layer below takes: the
 * connection's (dial and handshake), the pool's, and the reconnect backoff the multiplexer,
 * the pool's dials and the subscriber share. `ClientCore` makes each slice once, when the
 * client is created; no layer reads another layer's options.
 *
 *   ResolvedClientOptions ─┬─ toConnectionOptions → Connection.open (multiplexed + pooled)
 *                          ├─ toPoolOptions       → Pool (maxConnections - 1, idle, waiters…)
 *                          └─ reconnectBackoff    → Multiplexer, Pool dials, Subscriber
 *
 * What only a layer above the client knows (a cluster node's READONLY) is passed in as
 * `ConnectionExtras`, never through the public client options.
 */
import type { ConnectionOptions } from '../connection/connection.js';
import type { PoolOptions } from '../pool/pool-options.js';
import type { BackoffOptions } from '../util/backoff.js';
import { hideSecret } from '../util/secret.js';
import type { ResolvedClientOptions } from './options.js';

/** Connection settings a layer above the client decides (the cluster, per node). */
export interface ConnectionExtras {
  /** Send READONLY after the handshake: a cluster replica then serves reads of its slots. */
  readonly readOnly?: boolean;
}

/** The connection layer's slice: where to dial, how to shake hands, write and close. */
export function toConnectionOptions(
  o: ResolvedClientOptions,
  extras: ConnectionExtras = {},
): ConnectionOptions {
  const options = {
    clientId: o.clientId,
    host: o.host,
    port: o.port,
    path: o.path,
    tls: o.tls,
    keepAliveMs: o.keepAliveMs,
    username: o.username,
    db: o.db,
    name: o.name,
    protocol: o.protocol,
    readOnly: extras.readOnly === true,
    connectTimeoutMs: o.connectTimeoutMs,
    maxWriteBytes: o.maxWriteBytes,
    closeTimeoutMs: o.closeTimeoutMs,
  } as ConnectionOptions;
  return hideSecret(options, 'password', o.password);
}

/** The reconnect backoff: the multiplexer's reconnects, the pool's dials, the subscriber's. */
export function reconnectBackoff(o: ResolvedClientOptions): BackoffOptions {
  return { baseMs: o.reconnectDelayMs, maxMs: o.maxReconnectDelayMs };
}

/**
 * The pool's slice. The multiplexed connection always holds one slot of `maxConnections`, so
 * the pool gets the rest. Dials back off like reconnects (one configuration); at most
 * `maxConcurrentDials` run at once.
 */
export function toPoolOptions(o: ResolvedClientOptions): PoolOptions {
  const backoff = reconnectBackoff(o);
  return {
    maxSize: o.maxConnections - 1,
    minIdle: o.minIdle,
    idleTimeoutMs: o.idleTimeoutMs,
    evictionIntervalMs: Math.min(1_000, o.idleTimeoutMs),
    acquireTimeoutMs: o.acquireTimeoutMs,
    maxWaiters: o.maxWaiters,
    maxConcurrentDials: o.maxConcurrentDials,
    leakWarningMs: o.leakWarningMs,
    dialBackoffMs: backoff.baseMs,
    maxDialBackoffMs: backoff.maxMs,
    clientId: o.clientId,
  };
}
