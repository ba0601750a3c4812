/**
 * OpenTelemetry metrics for one client, under the semantic-convention names for database
 * clients (OpenTelemetry semantic conventions v1.33+, where the database conventions became
 * stable; checked against @opentelemetry/semantic-conventions 1.45):
 *
 *   db.client.operation.duration          histogram, s     per command (stable)
 *   db.client.connection.count            async updown     state = idle | used   (development)
 *   db.client.connection.pending_requests async updown     queued commands + lease waiters
 *   db.client.connection.wait_time        histogram, s     granted lease requests
 *   db.client.connection.timeouts         async counter    lease requests that timed out
 *   respool.client.reconnects, respool.client.retries,
 *   respool.client.connection.created, respool.client.connection.destroyed   async counters
 *   respool.topology.refreshes            counter          cluster refreshes
 *   respool.client.cache.hits, .misses, .invalidations, .evictions, .flushes   async counters
 *   respool.client.cache.entries, respool.client.cache.bytes                  async updown
 *
 * Gauges and counts are read from `stats()` when the reader collects, so they cost nothing per
 * command; the histograms are fed from the diagnostics channels, which turns on the per-command
 * trace context for as long as the bridge is installed. `dispose()` detaches both.
 *
 * `@opentelemetry/api` is an optional peer dependency, loaded only when no `meter` or
 * `meterProvider` is passed (to reach the global provider). The types below are structural, so
 * respool's declarations do not require the package.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import { isRespoolError, ReplyError } from '../errors.js';
import { LIBRARY_NAME, LIBRARY_VERSION } from '../version.js';
import {
  CHANNELS,
  type CommandTraceContext,
  type PoolWaitMessage,
  type TopologyRefreshMessage,
} from './channels.js';
import { commandLabel } from './command-label.js';
import { defaultClientLabel, type MetricsSource } from './metrics-source.js';
import { importOptional } from './optional-import.js';

/** Attribute values as OpenTelemetry takes them. */
export type OtelAttributes = Record<string, string | number>;

/** Instrument options this bridge passes (a subset of OpenTelemetry's MetricOptions). */
export interface OtelInstrumentOptions {
  readonly description?: string;
  readonly unit?: string;
  readonly advice?: { readonly explicitBucketBoundaries?: number[] };
}

/** What a batch observable callback is handed. */
export interface OtelBatchResult {
  observe(observable: object, value: number, attributes?: OtelAttributes): void;
}

/** The part of an OpenTelemetry `Meter` this bridge uses. */
export interface OtelMeter {
  createHistogram(
    name: string,
    options?: OtelInstrumentOptions,
  ): { record(value: number, attributes?: OtelAttributes): void };
  createCounter(
    name: string,
    options?: OtelInstrumentOptions,
  ): { add(value: number, attributes?: OtelAttributes): void };
  createObservableCounter(name: string, options?: OtelInstrumentOptions): object;
  createObservableUpDownCounter(name: string, options?: OtelInstrumentOptions): object;
  addBatchObservableCallback(
    callback: (result: OtelBatchResult) => void,
    observables: object[],
  ): void;
  removeBatchObservableCallback(
    callback: (result: OtelBatchResult) => void,
    observables: object[],
  ): void;
}

/** The part of an OpenTelemetry `MeterProvider` this bridge uses. */
export interface OtelMeterProvider {
  getMeter(name: string, version?: string): OtelMeter;
}

/** Options of {@link instrumentOpenTelemetry}. */
export interface OpenTelemetryOptions {
  /** Create the instruments on this meter. Wins over `meterProvider`. */
  readonly meter?: OtelMeter;
  /** Get the meter (`respool`, library version) from this provider. @default the global provider */
  readonly meterProvider?: OtelMeterProvider;
  /**
   * `db.client.connection.pool.name` of this client's series, which also tells clients apart.
   * @default the client's `name` option, else its `clientId`
   */
  readonly poolName?: string;
}

/** Detaches a bridge: channel subscriptions and observable callbacks. Idempotent. */
export interface MetricsHandle {
  dispose(): void;
  [Symbol.dispose](): void;
}

/** Recommended by the conventions for db.client.operation.duration, in seconds. */
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];

const COMMAND_END = `tracing:${CHANNELS.command}:asyncEnd`;

/**
 * Register OpenTelemetry metrics for `client` (see the module comment for the list).
 * @throws MissingDependencyError when neither `meter` nor `meterProvider` is given and
 *   `@opentelemetry/api` is not installed.
 */
export async function instrumentOpenTelemetry(
  client: MetricsSource,
  options: OpenTelemetryOptions = {},
): Promise<MetricsHandle> {
  const meter =
    options.meter ?? (await meterProvider(options)).getMeter(LIBRARY_NAME, LIBRARY_VERSION);
  const clientId = client.clientId;
  const pool: OtelAttributes = {
    'db.client.connection.pool.name': options.poolName ?? defaultClientLabel(client),
  };
  const idle = { ...pool, 'db.client.connection.state': 'idle' };
  const used = { ...pool, 'db.client.connection.state': 'used' };

  const duration = meter.createHistogram('db.client.operation.duration', {
    description: 'Duration of database client operations.',
    unit: 's',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const waitTime = meter.createHistogram('db.client.connection.wait_time', {
    description: 'The time it took to obtain an open connection from the pool.',
    unit: 's',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const refreshes = meter.createCounter('respool.topology.refreshes', {
    description: 'Cluster topology refreshes.',
    unit: '{refresh}',
  });
  const count = meter.createObservableUpDownCounter('db.client.connection.count', {
    description:
      'The number of connections that are currently in state described by the state attribute.',
    unit: '{connection}',
  });
  const pending = meter.createObservableUpDownCounter('db.client.connection.pending_requests', {
    description:
      'Commands waiting for the multiplexed connection plus callers waiting for a lease.',
    unit: '{request}',
  });
  const counters = {
    timeouts: meter.createObservableCounter('db.client.connection.timeouts', {
      description: 'Lease requests that timed out waiting for a connection.',
      unit: '{timeout}',
    }),
    reconnects: meter.createObservableCounter('respool.client.reconnects', {
      description: 'Times the multiplexed connection was established again after the first.',
      unit: '{reconnect}',
    }),
    retries: meter.createObservableCounter('respool.client.retries', {
      description:
        'Commands sent again after a lost connection or a LOADING/BUSY/MASTERDOWN reply.',
      unit: '{retry}',
    }),
    created: meter.createObservableCounter('respool.client.connection.created', {
      description: 'Connections opened.',
      unit: '{connection}',
    }),
    destroyed: meter.createObservableCounter('respool.client.connection.destroyed', {
      description: 'Connections closed or lost.',
      unit: '{connection}',
    }),
  };
  const cacheCounter = (what: string, description: string) =>
    meter.createObservableCounter(`respool.client.cache.${what}`, {
      description,
      unit: '{event}',
    });
  const cache = {
    hits: cacheCounter('hits', 'Cached reads answered from memory.'),
    misses: cacheCounter('misses', 'Cached reads that went to the server.'),
    invalidations: cacheCounter(
      'invalidations',
      'Keys invalidated by the server (and flush-all messages).',
    ),
    evictions: cacheCounter('evictions', 'Cache entries evicted by maxEntries or maxBytes.'),
    flushes: cacheCounter('flushes', 'Whole-cache flushes.'),
    entries: meter.createObservableUpDownCounter('respool.client.cache.entries', {
      description: 'Entries in the client-side cache.',
      unit: '{entry}',
    }),
    bytes: meter.createObservableUpDownCounter('respool.client.cache.bytes', {
      description: 'Estimated bytes held by the client-side cache.',
      unit: 'By',
    }),
  };
  const observables = [count, pending, ...Object.values(counters), ...Object.values(cache)];
  const observe = (result: OtelBatchResult): void => {
    const s = client.stats();
    result.observe(count, s.idle, idle);
    result.observe(count, s.open - s.idle, used);
    result.observe(pending, s.waiting, pool);
    result.observe(counters.timeouts, s.acquireTimeouts, pool);
    result.observe(counters.reconnects, s.reconnects, pool);
    result.observe(counters.retries, s.retries, pool);
    result.observe(counters.created, s.created, pool);
    result.observe(counters.destroyed, s.destroyed, pool);
    result.observe(cache.hits, s.cacheHits ?? 0, pool);
    result.observe(cache.misses, s.cacheMisses ?? 0, pool);
    result.observe(cache.invalidations, s.cacheInvalidations ?? 0, pool);
    result.observe(cache.evictions, s.cacheEvictions ?? 0, pool);
    result.observe(cache.flushes, s.cacheFlushes ?? 0, pool);
    result.observe(cache.entries, s.cacheEntries ?? 0, pool);
    result.observe(cache.bytes, s.cacheBytes ?? 0, pool);
  };

  const onCommand = (message: unknown): void => {
    const ctx = message as CommandTraceContext;
    if (ctx.clientId !== clientId) return;
    duration.record((performance.now() - ctx.startedAt) / 1000, operationAttributes(ctx));
  };
  const onWait = (message: unknown): void => {
    const m = message as PoolWaitMessage;
    if (m.clientId !== clientId || m.phase !== 'end' || m.outcome !== 'acquired') return;
    waitTime.record(m.waitedMs / 1000, pool);
  };
  const onRefresh = (message: unknown): void => {
    const m = message as TopologyRefreshMessage;
    if (m.clientId === clientId)
      refreshes.add(1, { ...pool, 'respool.refresh.outcome': m.outcome });
  };

  meter.addBatchObservableCallback(observe, observables);
  diagnostics_channel.subscribe(COMMAND_END, onCommand);
  diagnostics_channel.subscribe(CHANNELS.poolWait, onWait);
  diagnostics_channel.subscribe(CHANNELS.topologyRefresh, onRefresh);
  let disposed = false;
  const dispose = (): void => {
    if (disposed) return;
    disposed = true;
    meter.removeBatchObservableCallback(observe, observables);
    diagnostics_channel.unsubscribe(COMMAND_END, onCommand);
    diagnostics_channel.unsubscribe(CHANNELS.poolWait, onWait);
    diagnostics_channel.unsubscribe(CHANNELS.topologyRefresh, onRefresh);
  };
  return { dispose, [Symbol.dispose]: dispose };
}

async function meterProvider(options: OpenTelemetryOptions): Promise<OtelMeterProvider> {
  if (options.meterProvider !== undefined) return options.meterProvider;
  const api = await importOptional(
    () => import('@opentelemetry/api'),
    '@opentelemetry/api',
    'instrumentOpenTelemetry()',
  );
  return api.metrics.getMeterProvider();
}

/** Attributes of one db.client.operation.duration measurement. */
function operationAttributes(ctx: CommandTraceContext): OtelAttributes {
  const attributes: OtelAttributes = {
    'db.system.name': 'redis',
    'db.operation.name': commandLabel(ctx),
    'db.namespace': String(ctx.database),
    'server.address': ctx.serverAddress,
  };
  if (ctx.serverPort !== undefined) attributes['server.port'] = ctx.serverPort;
  if ('error' in ctx) {
    const error = ctx.error;
    // For Redis the conventions take the error prefix as the response status code.
    if (error instanceof ReplyError) attributes['db.response.status_code'] = error.prefix;
    attributes['error.type'] = errorType(error);
  }
  return attributes;
}

/** error.type: a low-cardinality name for what failed. */
function errorType(error: unknown): string {
  if (error instanceof ReplyError) return error.prefix;
  if (isRespoolError(error)) return error.code;
  if (error instanceof Error) return error.name;
  return '_OTHER';
}
