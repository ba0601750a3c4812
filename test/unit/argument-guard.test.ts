/**
 * Bad input from untyped callers (plain JavaScript, `any`, JSON) gets a typed
 * ERR_INVALID_ARGUMENT naming the input: a malformed URL escape, null for an array, a function
 * that is not one, an option of the wrong type, an out-of-range db, an empty or over-specified
 * URL. Each of these was a raw URIError/TypeError, or accepted silently, before. No server: the
 * client points at port 1 and every failure comes before anything is sent.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createClient, createCluster, InvalidArgumentError } from '../../src/index.js';

// biome-ignore lint/suspicious/noExplicitAny: the point is calling typed methods untyped.
type Untyped = any;

const client: Untyped = createClient({ port: 1, connectTimeoutMs: 50 });

after(() => client.destroy());

/** The error `run` throws synchronously or rejects with. */
async function errorOf(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  return assert.fail('accepted');
}

async function assertInvalid(run: () => unknown, names: RegExp): Promise<void> {
  const error = await errorOf(run);
  assert.ok(error instanceof InvalidArgumentError, `${String(error)} is not typed`);
  assert.equal(error.code, 'ERR_INVALID_ARGUMENT');
  assert.match(error.message, names);
}

test('URLs: a malformed escape, no host, unknown query parameters; never the password', async () => {
  await assertInvalid(() => createClient('redis://u:p%ZZ@localhost:1'), /password.*percent/);
  const error = await errorOf(() => createClient('redis://u:p%ZZsecret@localhost:1'));
  assert.doesNotMatch(String((error as Error).message), /secret/);
  await assertInvalid(() => createClient('redis://%ZZ@localhost:1'), /user name/);
  await assertInvalid(() => createClient('unix:///tmp/%ZZ.sock'), /socket path/);
  await assertInvalid(() => createClient('redis://'), /"url".*names no host/);
  await assertInvalid(() => createClient('redis://:pw@'), /"url"/);
  await assertInvalid(() => createClient('redis:///2'), /names no host/);
  await assertInvalid(
    () => createClient('redis://h:1?timeout=5'),
    /unknown query parameter "timeout"/,
  );
  await assertInvalid(() => createClient('redis://h:1/0?db=1&tls=1'), /"tls"/);
  assert.equal(createClient('redis://h:1?db=3').stats().maxConnections, 10);
});

test('db: an integer from 0 to 65535, in options and in URLs', async () => {
  await assertInvalid(() => createClient({ port: 1, db: 1e9 }), /"db".*1000000000/);
  await assertInvalid(() => createClient('redis://h:1/1000000000'), /database "1000000000"/);
  await assertInvalid(() => createCluster({ nodes: ['redis://h:1'], db: 1e9 } as Untyped), /"db"/);
  createClient({ port: 1, db: 65_535 }).destroy();
});

test('typed methods: null for an array, options of the wrong type', async () => {
  await assertInvalid(() => client.mget(null), /mget\(keys\): expected an array, got null/);
  await assertInvalid(() => client.hmget('h', 'f'), /hmget\(fields\).*string "f"/);
  await assertInvalid(() => client.smismember('s', undefined), /smismember\(members\)/);
  await assertInvalid(() => client.zdiff(null), /zdiff\(keys\)/);
  await assertInvalid(() => client.lmpop('k', 'LEFT'), /lmpop\(keys\)/);
  await assertInvalid(() => client.zunion({}), /zunion\(keys\).*object/);
  await assertInvalid(() => client.eval('return 1', 'k'), /eval\(keys\)/);
  await assertInvalid(() => client.set('k', 'v', { ex: '10' }), /set\(\) option "ex".*"10"/);
  await assertInvalid(() => client.set('k', 'v', { px: 1.5 }), /option "px".*1\.5/);
  assert.throws(() => client.pipeline().mget(null), InvalidArgumentError);
});

test('withConnection(fn) with something that is not a function', async () => {
  await assertInvalid(() => client.withConnection(42), /withConnection\(fn\).*got 42/);
  const cluster: Untyped = createCluster({ nodes: ['redis://127.0.0.1:1'], connectTimeoutMs: 50 });
  await assertInvalid(() => cluster.withConnection('k', 'nope'), /withConnection\(fn\)/);
  await cluster.close().catch(() => undefined);
});
