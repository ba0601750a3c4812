/**
 * ioredis and node-redis option names passed to createClient or createCluster throw at once,
 * naming the option and saying what respool uses instead; any other unknown option gets a
 * did-you-mean from respool's own names. Before, both were a bare "Unknown option".
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listForeignOptions } from '../../src/client/foreign-options.js';
import { createClient, createCluster, InvalidArgumentError } from '../../src/index.js';

// biome-ignore lint/suspicious/noExplicitAny: options as an untyped caller passes them.
type Untyped = any;

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof InvalidArgumentError, String(error));
    assert.equal(error.code, 'ERR_INVALID_ARGUMENT');
    return error.message;
  }
  return assert.fail('accepted');
}

const client = (options: object): string =>
  messageOf(() => createClient({ port: 1, ...options } as Untyped));
const cluster = (options: object): string =>
  messageOf(() => createCluster({ nodes: ['redis://127.0.0.1:1'], ...options } as Untyped));

test('ioredis and node-redis names say what to use instead, synchronously', () => {
  assert.match(
    client({ retryStrategy: () => 100 }),
    /"retryStrategy".*ioredis.*"reconnectDelayMs"/,
  );
  assert.match(client({ socket: { host: 'h' } }), /"socket".*node-redis.*top level/);
  assert.match(client({ maxRetriesPerRequest: 3 }), /"maxRetriesPerRequest".*"commandTimeoutMs"/);
  assert.match(client({ enableOfflineQueue: false }), /"enableOfflineQueue".*"maxQueuedCommands"/);
  assert.match(client({ lazyConnect: true }), /"lazyConnect".*ready\(\)/);
  assert.match(client({ database: 2 }), /"database".*node-redis.*use "db"/);
  assert.match(client({ connectionName: 'x' }), /use "name"/);
  assert.match(client({ connectTimeout: 5 }), /use "connectTimeoutMs"/);
  assert.match(cluster({ rootNodes: [] }), /"rootNodes".*"nodes"/);
  assert.match(cluster({ scaleReads: 'slave' }), /"scaleReads".*readFrom: 'replica-preferred'/);
  assert.match(cluster({ retryStrategy: () => 1 }), /createCluster options.*"reconnectDelayMs"/);
  assert.doesNotMatch(client({ socket: { password: 'hunter2' } }), /hunter2/);
});

test('names respool shares are not foreign', () => {
  const ours = new Set([
    'url',
    'host',
    'port',
    'path',
    'db',
    'name',
    'keyPrefix',
    'tls',
    'protocol',
  ]);
  for (const name of listForeignOptions()) assert.equal(ours.has(name), false, name);
  createClient({ url: 'redis://127.0.0.1:1/2', keyPrefix: 'app:', name: 'n' }).destroy();
});

test('any other unknown option gets a did-you-mean from our names', () => {
  assert.match(client({ hots: 'x' }), /Unknown option "hots".*did you mean "host"/);
  assert.match(client({ connectTimeoutMS: 5 }), /did you mean "connectTimeoutMs"/);
  assert.match(client({ maxConnection: 5 }), /did you mean "maxConnections"/);
  assert.match(client({ comandTimeoutMs: 5 }), /did you mean "commandTimeoutMs"/);
  assert.doesNotMatch(client({ zzz: 1 }), /did you mean/);
  assert.match(cluster({ maxRedirect: 5 }), /did you mean "maxRedirects"/);
});
