/**
 * The client-side cache in stats(), the Prometheus helper and the OpenTelemetry bridge: hits,
 * misses, invalidations, evictions, entries and bytes, against a real redis-server.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { Registry } from 'prom-client';
import {
  createClient,
  instrumentOpenTelemetry,
  type RespoolClient,
  registerPrometheusMetrics,
} from '../../src/index.js';
import { expectClientCount } from '../helpers/baseline.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

let server: RedisServer;

before(async () => {
  server = await startRedis();
});

after(async () => {
  await expectClientCount(server, 0);
  await server.stop();
});

class TestReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

function pointValue(metrics: ResourceMetrics, name: string): unknown {
  for (const scope of metrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name === name) return metric.dataPoints[0]?.value;
    }
  }
  return undefined;
}

function sample(text: string, metric: string, client: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${metric}{`) && line.includes(`client="${client}"`)) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return undefined;
}

/** 2 entries at most: 3 keys read twice give 3 misses, 1 hit, 1 eviction… see the asserts. */
async function exercise(c: RespoolClient): Promise<void> {
  await c.ready();
  await c.set('a', '1');
  await c.cached.get('a'); // miss
  await c.cached.get('a'); // hit
  await c.cached.get('b'); // miss
  await c.cached.get('c'); // miss, evicts a
  await c.set('b', '2'); // invalidates b
  await c.cached.sync();
}

test('stats() counts hits, misses, invalidations, evictions, entries and bytes', async () => {
  const c = createClient({ url: server.url, cache: { maxEntries: 2 } });
  await exercise(c);
  const s = c.stats();
  assert.equal(s.cacheHits, 1);
  assert.equal(s.cacheMisses, 3);
  assert.equal(s.cacheEvictions, 1);
  assert.equal(s.cacheInvalidations, 1);
  assert.equal(s.cacheEntries, 1);
  assert.ok(s.cacheBytes > 0 && s.cacheBytes < 1024, `bytes ${s.cacheBytes}`);
  await c.close();
});

test('Prometheus: respool_cache_* series', async () => {
  const registry = new Registry();
  const c = createClient({ url: server.url, name: 'prom-cache', cache: { maxEntries: 2 } });
  const unregister = await registerPrometheusMetrics(c, registry);
  try {
    await exercise(c);
    const text = await registry.metrics();
    assert.equal(sample(text, 'respool_cache_hits_total', 'prom-cache'), 1);
    assert.equal(sample(text, 'respool_cache_misses_total', 'prom-cache'), 3);
    assert.equal(sample(text, 'respool_cache_invalidations_total', 'prom-cache'), 1);
    assert.equal(sample(text, 'respool_cache_evictions_total', 'prom-cache'), 1);
    assert.equal(sample(text, 'respool_cache_entries', 'prom-cache'), 1);
    assert.ok((sample(text, 'respool_cache_bytes', 'prom-cache') ?? 0) > 0);
  } finally {
    unregister();
    await c.close();
  }
});

test('OpenTelemetry: respool.client.cache.* instruments', async () => {
  const reader = new TestReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const c = createClient({ url: server.url, name: 'otel-cache', cache: { maxEntries: 2 } });
  const handle = await instrumentOpenTelemetry(c, { meterProvider });
  try {
    await exercise(c);
    const { resourceMetrics } = await reader.collect();
    assert.equal(pointValue(resourceMetrics, 'respool.client.cache.hits'), 1);
    assert.equal(pointValue(resourceMetrics, 'respool.client.cache.misses'), 3);
    assert.equal(pointValue(resourceMetrics, 'respool.client.cache.invalidations'), 1);
    assert.equal(pointValue(resourceMetrics, 'respool.client.cache.evictions'), 1);
    assert.equal(pointValue(resourceMetrics, 'respool.client.cache.entries'), 1);
    assert.ok(Number(pointValue(resourceMetrics, 'respool.client.cache.bytes')) > 0);
  } finally {
    handle.dispose();
    await meterProvider.shutdown();
    await c.close();
  }
});
