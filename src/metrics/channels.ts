/**
 * The `diagnostics_channel` channels respool publishes on, and the shape of every message.
 *
 *   respool:command             tracing channel, one trace per command the application issued
 *   respool:connection:connect  every connect attempt (handshake included), success or failure
 *   respool:connection:close    an open connection closed, with the reason
 *   respool:pool:wait           a lease request queued (`start`) and got its answer (`end`)
 *   respool:lease:leak          a lease held longer than leakWarningMs
 *   respool:topology:refresh    a cluster topology refresh (published by createCluster)
 *
 * Cost: every publish point first checks for subscribers and builds nothing when there are none,
 * so an application that subscribes to nothing pays one inlined check per command, under a
 * nanosecond (`commandTraced()`, bench/micro/channels.bench.ts). Subscribing to any part of the `respool:command` tracing
 * channel turns on context objects for every command of every client in the process.
 *
 * Every message carries `clientId` (`RespoolClient.clientId`), so one subscriber can serve many
 * clients. No message ever carries a reply, an argument value or a credential: command
 * arguments are sanitised first (see `sanitise.ts` for the rule).
 */
import diagnostics_channel from 'node:diagnostics_channel';

/** The channel names, for `diagnostics_channel.subscribe(name, fn)` and `tracingChannel(name)`. */
export const CHANNELS = Object.freeze({
  /** Tracing channel: subscribe with `diagnostics_channel.tracingChannel(CHANNELS.command)`. */
  command: 'respool:command',
  connect: 'respool:connection:connect',
  close: 'respool:connection:close',
  poolWait: 'respool:pool:wait',
  leaseLeak: 'respool:lease:leak',
  topologyRefresh: 'respool:topology:refresh',
} as const);

/**
 * The context of one command's trace, published on every event of the `respool:command` tracing
 * channel (`start`, `end`, `asyncStart`, `asyncEnd`, and `error` on failure). The same object
 * travels through all of them, so a subscriber may keep its own state on it.
 *
 * `error` is set before the `error` event. Unlike Node's `tracePromise`, respool never sets
 * `result`: a reply is a payload, and payloads are never published.
 */
export interface CommandTraceContext {
  /** The publishing client's `clientId`. */
  readonly clientId: string;
  /** Upper-case command name (`SET`, `CONFIG`); `PIPELINE` or `MULTI` for a batch. */
  readonly command: string;
  /**
   * The sanitised argument vector, name first: keys kept, every other value `?`, and nothing
   * but the name (and subcommand) for commands that carry credentials. Empty for a batch.
   */
  readonly args: readonly string[];
  /** The configured database index (a SELECT inside `withConnection` is not reflected). */
  readonly database: number;
  /** Host name or IP, or the Unix socket path. */
  readonly serverAddress: string;
  /** TCP port; undefined for a Unix socket. */
  readonly serverPort: number | undefined;
  /** Commands in the batch, for `PIPELINE` and `MULTI` (not counting MULTI and EXEC). */
  readonly batchSize: number | undefined;
  /** `performance.now()` when the command was issued: duration = now - startedAt at `asyncEnd`. */
  readonly startedAt: number;
  /** Why the command failed: a `ReplyError` from the server or a `RespoolError`. */
  error?: unknown;
}

/** One connect attempt: dial plus handshake. */
export interface ConnectMessage {
  readonly clientId: string;
  /** Process-unique connection id (also in `close`). */
  readonly connectionId: number;
  readonly serverAddress: string;
  readonly serverPort: number | undefined;
  /** From the start of the dial to the end of the handshake (or the failure). */
  readonly durationMs: number;
  /** Why the attempt failed; undefined when the connection is ready. */
  readonly error: Error | undefined;
}

/**
 * Why an open connection closed:
 * - `closed`: a graceful `close()` finished (QUIT, then the server closed).
 * - `destroyed`: its owner destroyed it without an error (an unhealthy pooled connection).
 * - `error`: it was lost or destroyed because of `error` (server closed it, transport error,
 *   stalled peer, protocol violation, a blocking command's deadline).
 */
export type CloseReason = 'closed' | 'destroyed' | 'error';

/** An open connection closed. Connections that never finished their handshake publish only `connect`. */
export interface CloseMessage {
  readonly clientId: string;
  readonly connectionId: number;
  readonly serverAddress: string;
  readonly serverPort: number | undefined;
  readonly reason: CloseReason;
  readonly error: Error | undefined;
}

/** How a lease request ended. */
export type PoolWaitOutcome = 'acquired' | 'timeout' | 'aborted' | 'closed' | 'refused';

/**
 * A lease request of the pool of exclusive connections. A request that had to wait publishes
 * `start` when it queues and `end` when it is answered; one served at once publishes only `end`
 * with `waitedMs: 0`, so the `end` messages cover every granted lease. Requests refused at once
 * (pool closed, too many waiters) never waited and publish nothing.
 */
export interface PoolWaitMessage {
  readonly clientId: string;
  readonly phase: 'start' | 'end';
  /** 0 at `start`. */
  readonly waitedMs: number;
  /** Undefined at `start`. */
  readonly outcome: PoolWaitOutcome | undefined;
  /** Requests still waiting after this event. */
  readonly waiting: number;
}

/** A lease held longer than leakWarningMs (the same data as the client's `onLeak` listener). */
export interface LeaseLeakMessage {
  readonly clientId: string;
  readonly heldMs: number;
  /** Where the lease was acquired: code locations only, no data. */
  readonly stack: string;
}

/** A cluster topology refresh, published by createCluster after each one. */
export interface TopologyRefreshMessage {
  readonly clientId: string;
  /** What asked for it: `startup`, `MOVED <slot>`, `node <address> unreachable`, `periodic check`, `CLUSTERDOWN`, … */
  readonly trigger: string;
  /** Reserved for the answering node; the refresh asks up to three and compares, so today undefined. */
  readonly node: string | undefined;
  readonly durationMs: number;
  /** `changed`: a new slot map was installed; `unchanged`; `error`: no node answered usably. */
  readonly outcome: 'changed' | 'unchanged' | 'error';
  readonly error: Error | undefined;
}

/** The `respool:command` tracing channel. @internal Publish points only; subscribe by name. */
export const commandChannel = diagnostics_channel.tracingChannel<unknown, CommandTraceContext>(
  CHANNELS.command,
);
const { start, end, asyncStart, asyncEnd, error } = commandChannel;

/**
 * The per-command gate: true while anything listens to any event of `respool:command`. The same
 * answer as `commandChannel.hasSubscribers`, but V8 inlines this plain function into five reads
 * it folds to constants while nothing subscribes (about 0.5 ns), where the TracingChannel getter
 * stays a call (about 5 ns; bench/micro/channels.bench.ts). It also works on Node 20 releases
 * before 20.13, which lack that getter. @internal
 */
export function commandTraced(): boolean {
  return (
    start.hasSubscribers ||
    end.hasSubscribers ||
    asyncStart.hasSubscribers ||
    asyncEnd.hasSubscribers ||
    error.hasSubscribers
  );
}

/** @internal */
export const connectChannel = diagnostics_channel.channel(CHANNELS.connect);
/** @internal */
export const closeChannel = diagnostics_channel.channel(CHANNELS.close);
/** @internal */
export const poolWaitChannel = diagnostics_channel.channel(CHANNELS.poolWait);
/** @internal */
export const leaseLeakChannel = diagnostics_channel.channel(CHANNELS.leaseLeak);
/** @internal The cluster client publishes `TopologyRefreshMessage`s here. */
export const topologyRefreshChannel = diagnostics_channel.channel(CHANNELS.topologyRefresh);
