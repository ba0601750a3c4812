/**
 * Prometheus metrics for respool clients, with prom-client (an optional peer dependency, loaded
 * on the first call). With the default prefix `respool_`:
 *
 *   from stats() at scrape time (no cost per command):
 *     respool_connections{state="idle"|"used"|"connecting"}   gauge
 *     respool_connections_max, respool_waiting, respool_in_flight, respool_subscriptions   gauges
 *     respool_reconnects_total, respool_retries_total, respool_connect_errors_total,
 *     respool_acquire_timeouts_total, respool_leak_warnings_total,
 *     respool_connections_created_total, respool_connections_destroyed_total   counters
 *     respool_cache_hits_total, respool_cache_misses_total, respool_cache_invalidations_total,
 *     respool_cache_evictions_total, respool_cache_flushes_total   counters (client-side cache)
 *     respool_cache_entries, respool_cache_bytes   gauges (client-side cache)
 *   from the diagnostics channels (counted from registration on):
 *     respool_commands_total{command, outcome="ok"|"error"}   counter
 *     respool_command_duration_seconds{command, outcome}     histogram
 *     respool_pool_wait_seconds{outcome}                     histogram (lease requests)
 *     respool_topology_refreshes_total{outcome}              counter (cluster clients)
 *
 * Every series carries a `client` label (the client's `name` option, else its `clientId`) plus
 * the caller's constant `labels`. Several clients share one set of metrics per registry and
 * prefix, told apart by `client`; they must use the same label names.
 *
 * The stats-backed counters report the client's own cumulative counts, which start at its
 * creation: exact, and free per event. The channel-fed ones count what happens while registered.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { InvalidArgumentError } from '../errors.js';
import {
  CHANNELS,
  type CommandTraceContext,
  type PoolWaitMessage,
  type TopologyRefreshMessage,
} from './channels.js';
import { commandLabel } from './command-label.js';
import {
  defaultClientLabel,
  type MetricsSource,
  type MetricsSourceStats,
} from './metrics-source.js';
import { importOptional } from './optional-import.js';

/** The part of a prom-client `Registry` used here (structural: no type dependency on prom-client). */
export interface PrometheusRegistry {
  getSingleMetric(name: string): unknown;
  removeSingleMetric(name: string): void;
  metrics(): Promise<string>;
}

/** Options of {@link registerPrometheusMetrics}. */
export interface PrometheusOptions {
  /** Prefix of every metric name. @default 'respool_' */
  readonly prefix?: string;
  /**
   * Constant labels on every series of this client. `client` replaces the default client label;
   * `command`, `outcome` and `state` are taken.
   */
  readonly labels?: Readonly<Record<string, string>>;
}

type PromClient = typeof import('prom-client');
type Labels = Record<string, string>;

const RESERVED_LABELS = new Set(['command', 'outcome', 'state']);
const DURATION_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
const COMMAND_END = `tracing:${CHANNELS.command}:asyncEnd`;

/** Metric sets by registry, then by prefix. */
const sets = new WeakMap<PrometheusRegistry, Map<string, MetricSet>>();

/**
 * Register `client`'s metrics on `registry` (see the module comment). Returns the function that
 * unregisters them: the client's series go, and the metrics themselves once no client is left.
 * @throws MissingDependencyError when prom-client is not installed.
 * @throws InvalidArgumentError for a taken label name, label names that differ from those of
 *   clients already registered under the prefix, or a `client` label already in use.
 */
export async function registerPrometheusMetrics(
  client: MetricsSource,
  registry: PrometheusRegistry,
  options: PrometheusOptions = {},
): Promise<() => void> {
  const prom = await importOptional(
    () => import('prom-client'),
    'prom-client',
    'registerPrometheusMetrics()',
  );
  const prefix = options.prefix ?? 'respool_';
  const labels: Labels = { client: defaultClientLabel(client), ...options.labels };
  for (const name of Object.keys(labels)) {
    if (RESERVED_LABELS.has(name)) {
      throw new InvalidArgumentError(
        `Invalid label "${name}": respool's metrics use it themselves`,
      );
    }
  }
  let byPrefix = sets.get(registry);
  if (byPrefix === undefined) {
    byPrefix = new Map();
    sets.set(registry, byPrefix);
  }
  let set = byPrefix.get(prefix);
  if (set === undefined) {
    set = new MetricSet(prom, registry, prefix, Object.keys(labels).sort());
    byPrefix.set(prefix, set);
  }
  const member = set.add(client, labels);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    if (set.remove(member)) byPrefix.delete(prefix);
  };
}

/** One registered client. */
interface Member {
  readonly source: MetricsSource;
  readonly labels: Labels;
  /** Label sets of its channel-fed series (per metric), so unregistering removes exactly them. */
  readonly series: Map<string, { readonly metric: Counter | Histogram; readonly labels: Labels }>;
}

/** The metrics of one registry and prefix, shared by every client registered there. */
class MetricSet {
  readonly #registry: PrometheusRegistry;
  readonly #labelNames: readonly string[];
  readonly #members = new Map<string, Member>();
  readonly #names: string[] = [];
  readonly #commands: Counter;
  readonly #duration: Histogram;
  readonly #wait: Histogram;
  readonly #refreshes: Counter;

  constructor(
    prom: PromClient,
    registry: PrometheusRegistry,
    prefix: string,
    labelNames: string[],
  ) {
    this.#registry = registry;
    this.#labelNames = labelNames;
    // prom-client's types want its own Registry; ours is the structural slice of it.
    const registers = [registry as unknown as InstanceType<PromClient['Registry']>];
    const members = (): Iterable<Member> => this.#members.values();
    const named = <T>(name: string, make: (fullName: string) => T): T => {
      this.#names.push(prefix + name);
      return make(prefix + name);
    };
    const gauge = (name: string, help: string, read: (s: MetricsSourceStats) => number): void => {
      named(name, (fullName) => {
        new prom.Gauge({
          name: fullName,
          help,
          labelNames,
          registers,
          collect(this: Gauge) {
            // Rebuilt at each scrape, so a client that unregistered leaves no stale series.
            this.reset();
            for (const m of members()) this.set(m.labels, read(m.source.stats()));
          },
        });
      });
    };
    const statCounter = (name: string, help: string, read: (s: MetricsSourceStats) => number) => {
      named(name, (fullName) => {
        new prom.Counter({
          name: fullName,
          help,
          labelNames,
          registers,
          collect(this: Counter) {
            // The client's own cumulative count, set whole at each scrape.
            this.reset();
            for (const m of members()) this.inc(m.labels, read(m.source.stats()));
          },
        });
      });
    };

    named('connections', (fullName) => {
      new prom.Gauge({
        name: fullName,
        help: 'Connections by state: idle (pooled, free), used (multiplexed or leased), connecting.',
        labelNames: [...labelNames, 'state'],
        registers,
        collect(this: Gauge) {
          this.reset();
          for (const m of members()) {
            const s = m.source.stats();
            this.set({ ...m.labels, state: 'idle' }, s.idle);
            this.set({ ...m.labels, state: 'used' }, s.open - s.idle);
            this.set({ ...m.labels, state: 'connecting' }, s.connecting);
          }
        },
      });
    });
    gauge('connections_max', 'The connection budget (maxConnections).', (s) => s.maxConnections);
    gauge(
      'waiting',
      'Commands waiting for the multiplexed connection plus callers waiting for a lease.',
      (s) => s.waiting,
    );
    gauge(
      'in_flight',
      'Commands written on the multiplexed connection, not yet answered.',
      (s) => s.inFlight,
    );
    gauge(
      'subscriptions',
      'Channels, patterns and shard channels subscribed to.',
      (s) => s.subscriptions,
    );
    statCounter(
      'reconnects_total',
      'Times the multiplexed connection was established again after the first.',
      (s) => s.reconnects,
    );
    statCounter(
      'retries_total',
      'Commands sent again after a lost connection or a LOADING/BUSY/MASTERDOWN reply.',
      (s) => s.retries,
    );
    statCounter('connect_errors_total', 'Failed connection attempts.', (s) => s.connectErrors);
    statCounter(
      'acquire_timeouts_total',
      'Lease requests that gave up at acquireTimeoutMs.',
      (s) => s.acquireTimeouts,
    );
    statCounter(
      'leak_warnings_total',
      'Leases reported held longer than leakWarningMs.',
      (s) => s.leakWarnings,
    );
    statCounter('connections_created_total', 'Connections opened.', (s) => s.created);
    statCounter('connections_destroyed_total', 'Connections closed or lost.', (s) => s.destroyed);
    statCounter('cache_hits_total', 'Cached reads answered from memory.', (s) => s.cacheHits ?? 0);
    statCounter(
      'cache_misses_total',
      'Cached reads that went to the server.',
      (s) => s.cacheMisses ?? 0,
    );
    statCounter(
      'cache_invalidations_total',
      'Keys invalidated by the server (and flush-all messages).',
      (s) => s.cacheInvalidations ?? 0,
    );
    statCounter(
      'cache_evictions_total',
      'Cache entries evicted by maxEntries or maxBytes.',
      (s) => s.cacheEvictions ?? 0,
    );
    statCounter(
      'cache_flushes_total',
      'Whole-cache flushes: lost connections, tracking errors, flush-all messages.',
      (s) => s.cacheFlushes ?? 0,
    );
    gauge('cache_entries', 'Entries in the client-side cache.', (s) => s.cacheEntries ?? 0);
    gauge(
      'cache_bytes',
      'Estimated bytes held by the client-side cache.',
      (s) => s.cacheBytes ?? 0,
    );

    const commandLabels = [...labelNames, 'command', 'outcome'];
    this.#commands = named(
      'commands_total',
      (name) =>
        new prom.Counter({
          name,
          help: 'Commands completed.',
          labelNames: commandLabels,
          registers,
        }),
    );
    this.#duration = named(
      'command_duration_seconds',
      (name) =>
        new prom.Histogram({
          name,
          help: 'Command duration, from the call to its settlement.',
          labelNames: commandLabels,
          buckets: DURATION_BUCKETS,
          registers,
        }),
    );
    this.#wait = named(
      'pool_wait_seconds',
      (name) =>
        new prom.Histogram({
          name,
          help: 'Time lease requests waited for a pooled connection, by outcome.',
          labelNames: [...labelNames, 'outcome'],
          buckets: DURATION_BUCKETS,
          registers,
        }),
    );
    this.#refreshes = named(
      'topology_refreshes_total',
      (name) =>
        new prom.Counter({
          name,
          help: 'Cluster topology refreshes, by outcome.',
          labelNames: [...labelNames, 'outcome'],
          registers,
        }),
    );
  }

  /** @throws InvalidArgumentError when the client cannot join this set. */
  add(source: MetricsSource, labels: Labels): Member {
    const names = Object.keys(labels).sort();
    if (names.join(',') !== this.#labelNames.join(',')) {
      throw new InvalidArgumentError(
        `Clients registered on one registry with one prefix must use the same label names: [${this.#labelNames.join(', ')}] already, [${names.join(', ')}] now; use another prefix or the same labels`,
      );
    }
    for (const m of this.#members.values()) {
      if (m.source.clientId === source.clientId) {
        throw new InvalidArgumentError(`Client ${source.clientId} is already registered here`);
      }
      if (m.labels['client'] === labels['client']) {
        throw new InvalidArgumentError(
          `Another client is already registered with client="${labels['client']}"; give the clients different names or pass labels: { client: '…' }`,
        );
      }
    }
    const member: Member = { source, labels, series: new Map() };
    if (this.#members.size === 0) this.#subscribe();
    this.#members.set(source.clientId, member);
    return member;
  }

  /** Returns true when the set is now empty and its metrics were taken off the registry. */
  remove(member: Member): boolean {
    this.#members.delete(member.source.clientId);
    for (const { metric, labels } of member.series.values()) metric.remove(labels);
    if (this.#members.size > 0) return false;
    this.#unsubscribe();
    for (const name of this.#names) this.#registry.removeSingleMetric(name);
    return true;
  }

  /** The series of `member` in `metric` with `extra` labels, remembered for removal. */
  #series(member: Member, metric: Counter | Histogram, key: string, extra: Labels): Labels {
    const found = member.series.get(key);
    if (found !== undefined) return found.labels;
    const labels = { ...member.labels, ...extra };
    member.series.set(key, { metric, labels });
    return labels;
  }

  readonly #onCommand = (message: unknown): void => {
    const ctx = message as CommandTraceContext;
    const member = this.#members.get(ctx.clientId);
    if (member === undefined) return;
    const outcome = 'error' in ctx ? 'error' : 'ok';
    const command = commandLabel(ctx);
    const extra = { command, outcome };
    const key = `${command} ${outcome}`;
    this.#commands.inc(this.#series(member, this.#commands, `c ${key}`, extra));
    this.#duration.observe(
      this.#series(member, this.#duration, `d ${key}`, extra),
      (performance.now() - ctx.startedAt) / 1000,
    );
  };

  readonly #onWait = (message: unknown): void => {
    const m = message as PoolWaitMessage;
    const member = this.#members.get(m.clientId);
    if (member === undefined || m.phase !== 'end' || m.outcome === undefined) return;
    const labels = this.#series(member, this.#wait, `w ${m.outcome}`, { outcome: m.outcome });
    this.#wait.observe(labels, m.waitedMs / 1000);
  };

  readonly #onRefresh = (message: unknown): void => {
    const m = message as TopologyRefreshMessage;
    const member = this.#members.get(m.clientId);
    if (member === undefined) return;
    this.#refreshes.inc(
      this.#series(member, this.#refreshes, `r ${m.outcome}`, { outcome: m.outcome }),
    );
  };

  #subscribe(): void {
    diagnostics_channel.subscribe(COMMAND_END, this.#onCommand);
    diagnostics_channel.subscribe(CHANNELS.poolWait, this.#onWait);
    diagnostics_channel.subscribe(CHANNELS.topologyRefresh, this.#onRefresh);
  }

  #unsubscribe(): void {
    diagnostics_channel.unsubscribe(COMMAND_END, this.#onCommand);
    diagnostics_channel.unsubscribe(CHANNELS.poolWait, this.#onWait);
    diagnostics_channel.unsubscribe(CHANNELS.topologyRefresh, this.#onRefresh);
  }
}
