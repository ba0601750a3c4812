/**
 * docs/examples/from-ioredis.ts, the runnable example of docs/migrating.md, run as a user would
 * run it (a child process with REDIS_URL) against a private redis-server.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let server: RedisServer;

before(async () => {
  server = await startRedis();
});

after(async () => {
  await server.stop();
});

test('the migration example runs and prints what the guide says', async () => {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'docs/examples/from-ioredis.ts'],
      { cwd: ROOT, env: { ...process.env, REDIS_URL: server.url }, timeout: 60_000 },
      (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
    );
  });
  const lines = stdout.trim().split('\n');
  assert.deepEqual(lines, [
    'pipeline 4 WRONGTYPE 4',
    'script 6',
    'message orders: order 42 paid',
    'scan shop:cart:1',
    'zrange [{"member":"ada","score":1},{"member":"bob","score":2}]',
  ]);
  assert.equal(
    await server.cli('GET', 'shop:cart:1'),
    '6',
    'the keys carry the prefix on the server',
  );
  assert.ok(Number(await server.cli('TTL', 'shop:cart:1')) > 0);
});
