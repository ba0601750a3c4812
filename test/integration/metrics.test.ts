/**
 * Observability against a real redis-server: the diagnostics channels (command traces, connect
 * and close, pool waits, lease leaks), the OpenTelemetry bridge with the SDK's MeterProvider, and
 * the prom-client helper. The server has a password, so every test also checks that it never
 * reaches a subscriber (the handshake's HELLO … AUTH is not traced at all).
 */
import assert from 'node:assert/strict';
import diagnostics_channel from 'node:diagnostics_channel';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { Registry } from 'prom-client';
import {
  CHANNELS,
  type CloseMessage,
  type CommandTraceContext,
  type ConnectMessage,
  createClient,
  InvalidArgumentError,
  instrumentOpenTelemetry,
  type LeaseLeakMessage,
  type PoolWaitMessage,
  ReplyError,
  registerPrometheusMetrics,
} from '../../src/index.js';
import { expectClientCount } from '../helpers/baseline.js';
import { freePort } from '../helpers/free-port.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

const PASSWORD = 'metrics-Secret-pw';
const VALUE = 'payload-Secret-value';
let server: RedisServer;

before(async () => {
  server = await startRedis({ password: PASSWORD });
});

after(async () => {
  await expectClientCount(server, 0);
  await server.stop();
});

const commandTracing = diagnostics_channel.tracingChannel(CHANNELS.command);

/** Collects what a plain channel publishes until `stop()`. */
function listen<T>(name: string): { messages: T[]; stop(): void } {
  const messages: T[] = [];
  const onMessage = (message: unknown): void => {
    messages.push(message as T);
  };
  diagnostics_channel.subscribe(name, onMessage);
  return { messages, stop: () => diagnostics_channel.unsubscribe(name, onMessage) };
}

type TraceEvent = [event: string, context: CommandTraceContext];

/** Subscribes to all five events of the command tracing channel. */
function traceCommands(): { events: TraceEvent[]; stop(): void } {
  const events: TraceEvent[] = [];
  const on = (event: string) => (context: CommandTraceContext) => {
    events.push([event, context]);
  };
  const handlers = {
    start: on('start'),
    end: on('end'),
    asyncStart: on('asyncStart'),
    asyncEnd: on('asyncEnd'),
    error: on('error'),
  };
  commandTracing.subscribe(handlers as never);
  return { events, stop: () => commandTracing.unsubscribe(handlers as never) };
}

function assertNoSecrets(published: unknown): void {
  const text = JSON.stringify(published, (_key, value: unknown) =>
    value instanceof Error ? value.message : value,
  );
  assert.ok(!text.includes(PASSWORD), 'the password was published');
  assert.ok(!text.includes(VALUE), 'a value was published');
}

describe('diagnostics channels', () => {
  test('nobody subscribed: hasSubscribers is false everywhere and commands work', async () => {
    assert.equal(commandTracing.hasSubscribers, false);
    for (const name of [CHANNELS.connect, CHANNELS.close, CHANNELS.poolWait, CHANNELS.leaseLeak]) {
      assert.equal(diagnostics_channel.hasSubscribers(name), false, name);
    }
    const client = createClient(server.url);
    assert.equal(await client.set('m:plain', VALUE), 'OK');
    await client.close();
  });

  test('respool:command: start/end/asyncStart/asyncEnd with sanitised args, error on failure', async () => {
    const client = createClient({ url: server.url, name: 'traced' });
    const trace = traceCommands();
    try {
      await client.set('m:k', VALUE);
      await assert.rejects(client.call('INCR', 'm:k'), ReplyError);
    } finally {
      trace.stop();
    }
    const set = trace.events.filter(([, c]) => c.command === 'SET');
    assert.deepEqual(
      set.map(([e]) => e),
      ['start', 'end', 'asyncStart', 'asyncEnd'],
    );
    const ctx = set[0]![1];
    assert.ok(
      set.every(([, c]) => c === ctx),
      'one context object travels through the events',
    );
    assert.equal(ctx.clientId, client.clientId);
    assert.deepEqual(ctx.args, ['SET', 'm:k', '?']);
    assert.equal(ctx.database, 0);
    assert.equal(ctx.serverAddress, server.host);
    assert.equal(ctx.serverPort, server.port);
    assert.equal(ctx.batchSize, undefined);
    assert.equal(typeof ctx.startedAt, 'number');
    assert.ok(!('result' in ctx), 'replies are payloads: never published');
    assert.ok(!('error' in ctx));

    const incr = trace.events.filter(([, c]) => c.command === 'INCR');
    assert.deepEqual(
      incr.map(([e]) => e),
      ['start', 'end', 'error', 'asyncStart', 'asyncEnd'],
    );
    const failed = incr[0]![1];
    assert.deepEqual(failed.args, ['INCR', 'm:k']);
    assert.ok(failed.error instanceof ReplyError);
    assert.equal(failed.error.prefix, 'ERR');
    // Only the two commands the test issued: the handshake (HELLO … AUTH, SETINFO) and the
    // client's own CONFIG GET are not application commands and are never traced.
    assert.deepEqual([...new Set(trace.events.map(([, c]) => c.command))], ['SET', 'INCR']);
    assertNoSecrets(trace.events.map(([, c]) => c));
    await client.close();
  });

  test('respool:command covers pipelines, transactions, leases and blocking commands', async () => {
    const client = createClient(server.url);
    const trace = traceCommands();
    try {
      await client.pipeline().set('m:p1', VALUE).get('m:p1').exec();
      await client.multi().set('m:t1', VALUE).incr('m:t2').exec();
      await client.withConnection(async (conn) => {
        await conn.hset('m:h', 'field', VALUE);
      });
      assert.equal(await client.blpop(['m:empty'], 0.05), null);
    } finally {
      trace.stop();
    }
    const ends = trace.events.filter(([e]) => e === 'asyncEnd').map(([, c]) => c);
    assert.deepEqual(
      ends.map((c) => [c.command, c.batchSize, c.args]),
      [
        ['PIPELINE', 2, []],
        ['MULTI', 2, []],
        ['HSET', undefined, ['HSET', 'm:h', '?', '?']],
        ['BLPOP', undefined, ['BLPOP', 'm:empty', '?']],
      ],
    );
    assertNoSecrets(ends);
    await client.close();
  });

  test('respool:connection:connect and :close, for a graceful close, a kill and a failed dial', async () => {
    const connects = listen<ConnectMessage>(CHANNELS.connect);
    const closes = listen<CloseMessage>(CHANNELS.close);
    const client = createClient(server.url);
    const killer = createClient(server.url);
    try {
      await client.ready();
      const mine = connects.messages.filter((m) => m.clientId === client.clientId);
      assert.equal(mine.length, 1);
      const opened = mine[0]!;
      assert.equal(opened.error, undefined);
      assert.equal(opened.serverAddress, server.host);
      assert.equal(opened.serverPort, server.port);
      assert.ok(opened.durationMs >= 0);

      // The server closes the multiplexed connection: a close with reason 'error'.
      const id = await client.call('CLIENT', 'ID');
      await killer.call('CLIENT', 'KILL', 'ID', String(id));
      await waitFor(() => closes.messages.some((m) => m.connectionId === opened.connectionId));
      const lost = closes.messages.find((m) => m.connectionId === opened.connectionId)!;
      assert.equal(lost.reason, 'error');
      assert.equal(lost.clientId, client.clientId);
      assert.ok(lost.error instanceof Error);

      // The next command reconnects; a graceful close then reports 'closed'.
      await client.ping();
      const second = connects.messages.filter((m) => m.clientId === client.clientId)[1]!;
      await client.close();
      const closed = closes.messages.find((m) => m.connectionId === second.connectionId);
      assert.equal(closed?.reason, 'closed');
      assert.equal(closed?.error, undefined);

      // A dial that fails: one connect message with the error, no close.
      const port = await freePort();
      const nowhere = createClient({ host: '127.0.0.1', port });
      await assert.rejects(nowhere.ready());
      const failed = connects.messages.filter((m) => m.clientId === nowhere.clientId);
      assert.equal(failed.length, 1);
      assert.ok(failed[0]!.error instanceof Error);
      assert.equal(closes.messages.filter((m) => m.clientId === nowhere.clientId).length, 0);
      await nowhere.close();
      assertNoSecrets([connects.messages, closes.messages]);
    } finally {
      connects.stop();
      closes.stop();
      await killer.close();
      await client.close();
    }
  });

  test('respool:pool:wait and respool:lease:leak', async () => {
    const waits = listen<PoolWaitMessage>(CHANNELS.poolWait);
    const leaks = listen<LeaseLeakMessage>(CHANNELS.leaseLeak);
    // One exclusive connection: the multiplexed one takes the other slot of the budget.
    const client = createClient({ url: server.url, maxConnections: 2, leakWarningMs: 30 });
    try {
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const first = client.withConnection(() => held);
      await waitFor(() => client.stats().leased === 1);
      // The first lease had to dial: it waited.
      const mine = (): PoolWaitMessage[] =>
        waits.messages.filter((m) => m.clientId === client.clientId);
      assert.deepEqual(
        mine().map((m) => [m.phase, m.outcome]),
        [
          ['start', undefined],
          ['end', 'acquired'],
        ],
      );
      // A second caller times out while the first holds the only connection.
      await assert.rejects(
        client.withConnection(() => undefined, { acquireTimeoutMs: 20 }),
        (error: unknown) => (error as { code?: string }).code === 'ERR_POOL_TIMEOUT',
      );
      // A third one waits until the first releases.
      const third = client.withConnection(() => 'third');
      await waitFor(() => client.stats().waitingForLease === 1);
      await waitFor(() => leaks.messages.length > 0);
      release();
      await first;
      assert.equal(await third, 'third');
      // Served at once from idle (once its reset is done): only `end`, with no wait.
      await waitFor(() => client.stats().idle === 1);
      await client.withConnection(() => undefined);

      assert.deepEqual(
        mine().map((m) => [m.phase, m.outcome]),
        [
          ['start', undefined],
          ['end', 'acquired'],
          ['start', undefined],
          ['end', 'timeout'],
          ['start', undefined],
          ['end', 'acquired'],
          ['end', 'acquired'],
        ],
      );
      const ends = mine().filter((m) => m.phase === 'end');
      assert.ok(ends.slice(0, 3).every((m) => m.waitedMs > 0));
      assert.equal(ends[3]!.waitedMs, 0);

      const leak = leaks.messages.find((m) => m.clientId === client.clientId);
      assert.ok(leak !== undefined);
      assert.ok(leak.heldMs >= 30);
      assert.match(leak.stack, /metrics\.test\.ts/);
    } finally {
      waits.stop();
      leaks.stop();
      await client.close();
    }
  });
});

/** A reader the test collects from on demand. */
class TestReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

interface Point {
  readonly attributes: Record<string, unknown>;
  readonly value: unknown;
}

/** A histogram point's count. */
function countOf(point: Point | undefined): number | undefined {
  return (point?.value as { count?: number } | undefined)?.count;
}

function pointsOf(metrics: ResourceMetrics, name: string): Point[] {
  for (const scope of metrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name === name) return metric.dataPoints as Point[];
    }
  }
  return [];
}

describe('OpenTelemetry bridge', () => {
  test('operation duration, connection counts, wait time and counters, until dispose()', async () => {
    const reader = new TestReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    const client = createClient({ url: server.url, name: 'otel-client' });
    const handle = await instrumentOpenTelemetry(client, { meterProvider });
    try {
      await client.set('m:o', VALUE);
      await client.set('m:o', VALUE);
      await assert.rejects(client.call('INCR', 'm:o'), ReplyError);
      await client.withConnection(async (conn) => conn.ping());
      // Released leases are reset (in one round trip) before they count as idle.
      await waitFor(() => client.stats().idle === 1);

      const { resourceMetrics } = await reader.collect();
      const durations = pointsOf(resourceMetrics, 'db.client.operation.duration');
      const set = durations.find((p) => p.attributes['db.operation.name'] === 'SET');
      assert.deepEqual(set?.attributes, {
        'db.system.name': 'redis',
        'db.operation.name': 'SET',
        'db.namespace': '0',
        'server.address': server.host,
        'server.port': server.port,
      });
      assert.equal(countOf(set), 2);
      const incr = durations.find((p) => p.attributes['db.operation.name'] === 'INCR');
      assert.equal(incr?.attributes['error.type'], 'ERR');
      assert.equal(incr?.attributes['db.response.status_code'], 'ERR');
      assert.ok(durations.some((p) => p.attributes['db.operation.name'] === 'PING'));

      const counts = pointsOf(resourceMetrics, 'db.client.connection.count');
      const byState = Object.fromEntries(
        counts.map((p) => [p.attributes['db.client.connection.state'], p.value]),
      );
      // The multiplexed connection is used; the lease's connection went back to idle.
      assert.deepEqual(byState, { idle: 1, used: 1 });
      assert.ok(
        counts.every((p) => p.attributes['db.client.connection.pool.name'] === 'otel-client'),
      );
      assert.equal(pointsOf(resourceMetrics, 'db.client.connection.pending_requests')[0]?.value, 0);
      const wait = pointsOf(resourceMetrics, 'db.client.connection.wait_time');
      assert.equal(countOf(wait[0]), 1);
      assert.equal(pointsOf(resourceMetrics, 'respool.client.connection.created')[0]?.value, 2);
      assert.equal(pointsOf(resourceMetrics, 'respool.client.reconnects')[0]?.value, 0);
      assert.equal(pointsOf(resourceMetrics, 'respool.client.retries')[0]?.value, 0);
      assertNoSecrets(resourceMetrics);

      handle.dispose();
      handle.dispose();
      assert.equal(commandTracing.hasSubscribers, false, 'dispose() unsubscribed');
      await client.set('m:o', VALUE);
      const after = await reader.collect();
      const setAfter = pointsOf(after.resourceMetrics, 'db.client.operation.duration').find(
        (p) => p.attributes['db.operation.name'] === 'SET',
      );
      assert.equal(countOf(setAfter), 2, 'nothing recorded after dispose');
    } finally {
      handle.dispose();
      await client.close();
      await meterProvider.shutdown();
    }
  });

  test('without a meter or provider it uses the global provider of @opentelemetry/api', async () => {
    const client = createClient(server.url);
    const handle = await instrumentOpenTelemetry(client);
    assert.equal(await client.ping(), 'PONG');
    handle[Symbol.dispose]();
    await client.close();
  });
});

/** The value of the one line of `text` for `metric` whose labels include all of `labels`. */
function sample(text: string, metric: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('prom-client helper', () => {
  test('counters, histograms and gauges with a client label, for several clients', async () => {
    const registry = new Registry();
    const a = createClient({ url: server.url, name: 'prom-a' });
    const b = createClient(server.url);
    const unregisterA = await registerPrometheusMetrics(a, registry, { labels: { app: 'test' } });
    const unregisterB = await registerPrometheusMetrics(b, registry, { labels: { app: 'test' } });
    try {
      for (let i = 0; i < 3; i++) await a.set(`m:p${i}`, VALUE);
      await assert.rejects(a.call('INCR', 'm:p0'), ReplyError);
      await b.get('m:p0');
      await a.withConnection(async (conn) => conn.ping());
      await waitFor(() => a.stats().idle === 1);

      const text = await registry.metrics();
      const ok = { client: 'prom-a', app: 'test', command: 'SET', outcome: 'ok' };
      assert.equal(sample(text, 'respool_commands_total', ok), 3);
      assert.equal(sample(text, 'respool_command_duration_seconds_count', ok), 3);
      assert.equal(
        sample(text, 'respool_commands_total', {
          client: 'prom-a',
          command: 'INCR',
          outcome: 'error',
        }),
        1,
      );
      // The second client has no name: its label is its clientId.
      assert.equal(
        sample(text, 'respool_commands_total', {
          client: b.clientId,
          command: 'GET',
          outcome: 'ok',
        }),
        1,
      );
      assert.equal(sample(text, 'respool_connections', { client: 'prom-a', state: 'used' }), 1);
      assert.equal(sample(text, 'respool_connections', { client: 'prom-a', state: 'idle' }), 1);
      assert.equal(sample(text, 'respool_connections_max', { client: 'prom-a' }), 10);
      assert.equal(sample(text, 'respool_waiting', { client: 'prom-a' }), 0);
      assert.equal(sample(text, 'respool_in_flight', { client: 'prom-a' }), 0);
      assert.equal(sample(text, 'respool_subscriptions', { client: 'prom-a' }), 0);
      assert.equal(sample(text, 'respool_connections_created_total', { client: 'prom-a' }), 2);
      assert.equal(sample(text, 'respool_reconnects_total', { client: 'prom-a' }), 0);
      assert.equal(sample(text, 'respool_retries_total', { client: 'prom-a' }), 0);
      assert.equal(sample(text, 'respool_connect_errors_total', { client: 'prom-a' }), 0);
      assert.equal(sample(text, 'respool_acquire_timeouts_total', { client: 'prom-a' }), 0);
      assert.equal(sample(text, 'respool_leak_warnings_total', { client: 'prom-a' }), 0);
      assert.equal(
        sample(text, 'respool_pool_wait_seconds_count', { client: 'prom-a', outcome: 'acquired' }),
        1,
      );
      assertNoSecrets(text);

      // Label names must agree, and a client label may be used once.
      await assert.rejects(registerPrometheusMetrics(b, registry), InvalidArgumentError);
      const c = createClient({ url: server.url, name: 'prom-a' });
      await assert.rejects(
        registerPrometheusMetrics(c, registry, { labels: { app: 'test' } }),
        InvalidArgumentError,
      );
      await assert.rejects(
        registerPrometheusMetrics(c, registry, { labels: { command: 'x' } }),
        InvalidArgumentError,
      );
      await c.close();

      unregisterA();
      const onlyB = await registry.metrics();
      assert.equal(sample(onlyB, 'respool_commands_total', { client: 'prom-a' }), undefined);
      assert.equal(sample(onlyB, 'respool_connections', { client: 'prom-a' }), undefined);
      assert.equal(sample(onlyB, 'respool_commands_total', { client: b.clientId }), 1);
      unregisterB();
      unregisterB();
      assert.doesNotMatch(await registry.metrics(), /respool_/);
      assert.equal(commandTracing.hasSubscribers, false);
    } finally {
      unregisterA();
      unregisterB();
      await a.close();
      await b.close();
    }
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await delay(5);
  }
}

describe('metric labels come from the command table', () => {
  test('call() with names the table does not know is labelled `other`, in Prometheus and OpenTelemetry', async () => {
    const registry = new Registry();
    const reader = new TestReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    const client = createClient({ url: server.url, name: 'labels' });
    const unregister = await registerPrometheusMetrics(client, registry);
    const handle = await instrumentOpenTelemetry(client, { meterProvider });
    try {
      await assert.rejects(client.call('NOSUCHCMD2'), ReplyError);
      await assert.rejects(client.call('nosuchcmd3', 'x'), ReplyError);
      await assert.rejects(client.call(`NOSUCH${VALUE}`), ReplyError);
      assert.equal(await client.call('get', 'm:labels'), null);
      await client.pipeline().ping().ping().exec();

      const text = await registry.metrics();
      assert.doesNotMatch(text, /NOSUCH/i);
      const other = { client: 'labels', command: 'other', outcome: 'error' };
      assert.equal(sample(text, 'respool_commands_total', other), 3);
      assert.equal(sample(text, 'respool_command_duration_seconds_count', other), 3);
      const get = { client: 'labels', command: 'GET', outcome: 'ok' };
      assert.equal(sample(text, 'respool_commands_total', get), 1);
      const pipeline = { client: 'labels', command: 'PIPELINE', outcome: 'ok' };
      assert.equal(sample(text, 'respool_commands_total', pipeline), 1);

      const { resourceMetrics } = await reader.collect();
      const names = pointsOf(resourceMetrics, 'db.client.operation.duration').map(
        (p) => p.attributes['db.operation.name'],
      );
      assert.deepEqual(names.sort(), ['GET', 'PIPELINE', 'other']);
      const otherPoint = pointsOf(resourceMetrics, 'db.client.operation.duration').find(
        (p) => p.attributes['db.operation.name'] === 'other',
      );
      assert.equal(countOf(otherPoint), 3);
      assertNoSecrets(resourceMetrics);
    } finally {
      handle.dispose();
      unregister();
      await client.close();
      await meterProvider.shutdown();
    }
  });
});
