/**
 * Every error respool raises. Callers match on `code`, never on message text: codes are stable,
 * messages may improve. `docs/errors.md` lists each code and whether retrying can help.
 *
 * Transport errors carry `written`: whether any byte of the command reached the socket. A command
 * with `written: false` never ran; one with `written: true` may have run, so only an idempotent
 * command may be sent again.
 */

/** Stable error codes. Add, never rename. */
export type ErrorCode =
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_CLIENT_CLOSED'
  | 'ERR_CONNECTION_CLOSED'
  | 'ERR_CONNECT_TIMEOUT'
  | 'ERR_COMMAND_TIMEOUT'
  | 'ERR_PROTOCOL'
  | 'ERR_QUEUE_FULL'
  | 'ERR_POOL_TIMEOUT'
  | 'ERR_POOL_CLOSED'
  | 'ERR_MAX_CLIENTS'
  | 'ERR_CLUSTER_DOWN'
  | 'ERR_MAX_REDIRECTS'
  | 'ERR_CROSS_SLOT'
  | 'ERR_NOT_CLUSTER'
  | 'ERR_ABORTED'
  | 'ERR_LEASE_TIMEOUT'
  | 'ERR_REPLY'
  | 'ERR_MISSING_DEPENDENCY'
  | 'ERR_SENTINEL_UNREACHABLE'
  | 'ERR_SENTINEL_UNKNOWN_NAME'
  | 'ERR_SENTINEL_ROLE';

// Symbol.for survives duplicate copies of the package in one process, so `isRespoolError` works
// where `instanceof` would not (two installed versions, bundler duplicates).
const kRespoolError = Symbol.for('respool.error');

export class RespoolError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }

  get [kRespoolError](): true {
    return true;
  }
}

/** True for any respool error, even one created by another copy of the package. */
export function isRespoolError(value: unknown): value is RespoolError {
  return typeof value === 'object' && value !== null && kRespoolError in value;
}

/** An option or argument is invalid. Thrown synchronously; never retryable. */
export class InvalidArgumentError extends RespoolError {
  constructor(message: string) {
    super('ERR_INVALID_ARGUMENT', message);
  }
}

/**
 * A command that changes its connection's state (a transaction, SELECT, subscriber mode,
 * CLIENT NO-EVICT, MONITOR…) was sent where that state would leak: on the multiplexed
 * connection every caller shares, or subscriber mode on a lease. The message says where to run
 * it instead (`withConnection`, `multi()`, `subscribe()`). Never retryable.
 */
export class ConnectionStateError extends InvalidArgumentError {
  /** The command as the server names it: `CLIENT NO-EVICT`, `SELECT`. */
  readonly command: string;
  /** The state it changes (`connectionStateChange(args).kind`): `eviction`, `database`, … */
  readonly state: string;

  constructor(command: string, state: string, message: string) {
    super(message);
    this.command = command;
    this.state = state;
  }
}

/** The client was closed or destroyed before the command could run. */
export class ClientClosedError extends RespoolError {
  constructor(message = 'The client is closed') {
    super('ERR_CLIENT_CLOSED', message);
  }
}

/** Base of errors that happened on the wire; `written` says whether the command may have run. */
export class TransportError extends RespoolError {
  /** True when any byte of the command reached the socket: it may have run on the server. */
  written: boolean;

  constructor(code: ErrorCode, message: string, written: boolean, options?: { cause?: unknown }) {
    super(code, message, options);
    this.written = written;
  }
}

/** The connection closed before the reply arrived. */
export class ConnectionClosedError extends TransportError {
  constructor(message: string, written: boolean, options?: { cause?: unknown }) {
    super('ERR_CONNECTION_CLOSED', message, written, options);
  }
}

/** The TCP/TLS connect or the handshake did not finish within `connectTimeoutMs`. */
export class ConnectTimeoutError extends TransportError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_CONNECT_TIMEOUT', message, false, options);
  }
}

/** The command's deadline passed before its reply arrived. */
export class CommandTimeoutError extends TransportError {
  constructor(message: string, written: boolean) {
    super('ERR_COMMAND_TIMEOUT', message, written);
  }
}

/** The caller's AbortSignal fired before the reply arrived. */
export class AbortedError extends TransportError {
  constructor(message: string, written: boolean, options?: { cause?: unknown }) {
    super('ERR_ABORTED', message, written, options);
  }
}

/**
 * A `withConnection` callback held its lease past `maxLeaseMs`. The lease was ended: its
 * connection was destroyed (its state is unknown) and its slot freed. Always `written: true`:
 * what the callback sent may have run.
 */
export class LeaseTimeoutError extends TransportError {
  constructor(message: string) {
    super('ERR_LEASE_TIMEOUT', message, true);
  }
}

/**
 * The server sent bytes that are not valid RESP, or a frame over a configured limit. Fatal to the
 * connection that read them; the client replaces it.
 */
export class ProtocolError extends TransportError {
  constructor(message: string) {
    super('ERR_PROTOCOL', message, true);
  }
}

/** A bounded queue (commands waiting for a connection) is full; the command was not sent. */
export class QueueFullError extends TransportError {
  constructor(message: string) {
    super('ERR_QUEUE_FULL', message, false);
  }
}

/**
 * No pooled connection became free within `acquireTimeoutMs`. The message states the pool's
 * numbers (open, leased, idle, connecting, waiting, max) so the cause is visible in the log.
 */
export class PoolTimeoutError extends TransportError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_POOL_TIMEOUT', message, false, options);
  }
}

/** The pool (or its client) was closed; the command was not sent. */
export class PoolClosedError extends TransportError {
  constructor(message = 'The connection pool is closed') {
    super('ERR_POOL_CLOSED', message, false);
  }
}

/** The server refused the connection with `max number of clients reached`. */
export class MaxClientsError extends TransportError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_MAX_CLIENTS', message, false, options);
  }
}

/** Keys of one command (or one `multi()`) hash to different cluster slots. Never retryable as is. */
export class CrossSlotError extends RespoolError {
  constructor(message: string) {
    super('ERR_CROSS_SLOT', message);
  }
}

/** A command was redirected (MOVED/ASK) more times than `maxRedirects` allows. */
export class MaxRedirectsError extends TransportError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_MAX_REDIRECTS', message, true, options);
  }
}

/**
 * No node serves the command's slot (no topology could be loaded, or the slot's owner is
 * unknown) until the command's deadline. A CLUSTERDOWN reply itself is retried within the
 * deadline and, if it persists, reaches the caller as that ReplyError (prefix CLUSTERDOWN).
 */
export class ClusterDownError extends TransportError {
  constructor(message: string, written: boolean, options?: { cause?: unknown }) {
    super('ERR_CLUSTER_DOWN', message, written, options);
  }
}

/** A seed node answered, but is not running in cluster mode. */
export class NotClusterError extends RespoolError {
  constructor(message: string) {
    super('ERR_NOT_CLUSTER', message);
  }
}

/**
 * An optional feature needs a package that is not installed (`@opentelemetry/api` for
 * `instrumentOpenTelemetry`, `prom-client` for `registerPrometheusMetrics`). The message names it.
 */
export class MissingDependencyError extends RespoolError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_MISSING_DEPENDENCY', message, options);
  }
}

/**
 * A server error reply (`-ERR …`, `-WRONGTYPE …`, `!…`). In `multi()` and `pipeline()` results it
 * stays in its slot as a value; as the reply to a single command it rejects the call.
 */
export class ReplyError extends RespoolError {
  /** The first word of the reply: `ERR`, `WRONGTYPE`, `MOVED`, `NOAUTH`, … */
  readonly prefix: string;

  constructor(message: string) {
    super('ERR_REPLY', message);
    const space = message.indexOf(' ');
    this.prefix = space === -1 ? message : message.slice(0, space);
  }
}

/**
 * `exec()` of a `multi()` whose transaction the server aborted (EXECABORT: a command was rejected
 * while queueing). `replies` holds what each queued command answered.
 */
export class TransactionAbortedError extends ReplyError {
  readonly replies: readonly unknown[];

  constructor(message: string, replies: readonly unknown[]) {
    super(message);
    this.replies = replies;
  }
}

/**
 * Sentinel client only (`createSentinel()`). Always `written: false`: the command waited for a
 * primary (or replica) that could not be found, so it never ran.
 * - ERR_SENTINEL_UNREACHABLE: no sentinel answered (retryable, later).
 * - ERR_SENTINEL_UNKNOWN_NAME: every sentinel that answered knows no such master name.
 * - ERR_SENTINEL_ROLE: the address the sentinels named is not (yet) in the role asked for, as
 *   during a failover (retryable).
 */
export class SentinelError extends TransportError {
  constructor(
    code: 'ERR_SENTINEL_UNREACHABLE' | 'ERR_SENTINEL_UNKNOWN_NAME' | 'ERR_SENTINEL_ROLE',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, false, options);
  }
}
