/**
 * instrumentOpenTelemetryTracing against a real redis-server and the real OpenTelemetry SDK
 * (an in-memory exporter): span names, semantic-convention attributes, parents, errors, batches,
 * the client filter and dispose.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import {
  createClient,
  instrumentOpenTelemetryTracing,
  type RespoolClient,
  type TracingHandle,
} from '../../src/index.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

let server: RedisServer;
let client: RespoolClient;
let handle: TracingHandle;
const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const contextManager = new AsyncLocalStorageContextManager().enable();

before(async () => {
  context.setGlobalContextManager(contextManager);
  server = await startRedis();
  client = createClient({ url: server.url, db: 3 });
  handle = await instrumentOpenTelemetryTracing({
    tracerProvider: provider,
    queryText: true,
    clientIds: [client.clientId],
  });
});

after(async () => {
  handle.dispose();
  await client.close();
  await server.stop();
  context.disable();
});

beforeEach(() => exporter.reset());

/** Spans exported so far (the SDK 3 processor exports asynchronously). */
async function finished() {
  await provider.forceFlush();
  return exporter.getFinishedSpans();
}

describe('OpenTelemetry spans', () => {
  test('one CLIENT span per command, with the database semantic conventions', async () => {
    await client.set('user:1', 'secret-value');
    const [span] = await finished();
    assert.equal(span?.name, 'SET');
    assert.equal(span?.kind, 2, 'SpanKind.CLIENT');
    assert.deepEqual(span?.attributes, {
      'db.system.name': 'redis',
      'db.operation.name': 'SET',
      'db.namespace': '3',
      'server.address': '127.0.0.1',
      'server.port': server.port,
      'db.query.text': 'SET user:1 ?',
    });
    assert.equal(JSON.stringify(span?.attributes).includes('secret-value'), false);
  });

  test('the caller’s active span is the parent', async () => {
    const tracer = provider.getTracer('test');
    await tracer.startActiveSpan('request', async (parent) => {
      await client.get('user:1');
      await client.info('server');
      parent.end();
    });
    const spans = await finished();
    const parent = spans.find((s) => s.name === 'request');
    const children = spans.filter((s) => s.name !== 'request');
    assert.deepEqual(
      children.map((s) => s.name),
      ['GET', 'INFO'],
    );
    for (const child of children) {
      assert.equal(child.parentSpanContext?.spanId, parent?.spanContext().spanId);
      assert.equal(child.spanContext().traceId, parent?.spanContext().traceId);
    }
    assert.equal(trace.getActiveSpan(), undefined);
  });

  test('subcommands name the operation; errors set error.type and status', async () => {
    await client.clientList();
    await client.hset('h', 'f', 'v');
    await assert.rejects(client.get('h'));
    const [list, , failed] = await finished();
    assert.equal(list?.name, 'CLIENT LIST');
    assert.equal(failed?.name, 'GET');
    assert.equal(failed?.attributes['error.type'], 'WRONGTYPE');
    assert.equal(failed?.status.code, 2, 'SpanStatusCode.ERROR');
  });

  test('a command name the table does not know becomes `other`: span names stay bounded', async () => {
    await assert.rejects(client.call('NOSUCHCMD2'));
    const [span] = await finished();
    assert.equal(span?.name, 'other');
    assert.equal(span?.attributes['db.operation.name'], 'other');
  });

  test('a pipeline is one span with db.operation.batch.size', async () => {
    await client.pipeline().set('a', '1').set('b', '2').get('a').exec();
    await client.multi().incr('n').exec();
    const [pipeline, multi] = await finished();
    assert.equal(pipeline?.name, 'PIPELINE');
    assert.equal(pipeline?.attributes['db.operation.batch.size'], 3);
    assert.equal(multi?.name, 'MULTI');
    assert.equal(
      multi?.attributes['db.operation.batch.size'],
      undefined,
      'a batch of one is no batch',
    );
  });

  test('other clients are filtered out; dispose() stops the spans', async () => {
    const other = createClient(server.url);
    await other.ping();
    assert.equal((await finished()).length, 0);
    await other.close();
    const second = await instrumentOpenTelemetryTracing({ tracerProvider: provider });
    second.dispose();
    await client.ping();
    assert.equal((await finished()).length, 1, 'only the first handle is active');
  });
});
