/**
 * The ioredis habits of a typical service, each rewritten for respool (docs/migrating.md).
 * Run it against any Redis 7 you own: `REDIS_URL=redis://127.0.0.1:6380 npx tsx docs/examples/from-ioredis.ts`
 * (test/integration/migrating-example.test.ts runs it against a private server).
 *
 * In an application the import is `from 'respool'`; this file imports the source so that it runs
 * from a checkout without a build.
 */
import { createClient, defineScript, ReplyError } from '../../src/index.js';

const url = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

// ioredis: new Redis(url, { keyPrefix: 'shop:', connectionName: 'checkout', commandTimeout: 2000 })
const redis = createClient({ url, keyPrefix: 'shop:', name: 'checkout', commandTimeoutMs: 2000 });

// ioredis: redis.on('ready', …) / 'reconnecting' / 'error' — the same names here, minus 'end'.
redis.on('reconnecting', ({ attempt, delayMs }) =>
  console.log(`reconnecting #${attempt} in ${delayMs} ms`),
);
redis.on('error', (error) => console.error('needs attention:', error.message));

// ioredis: redis.set('cart:1', '3', 'EX', 60) — options are an object.
await redis.set('cart:1', '3', { ex: 60 });

// ioredis: pipeline().exec() → [[err, value], …]; respool: one slot per command, value or ReplyError.
const results = await redis.pipeline().incr('cart:1').hset('cart:1', 'x', 'y').get('cart:1').exec();
const [incremented, wrongType, value] = results;
console.log(
  'pipeline',
  incremented,
  wrongType instanceof ReplyError ? wrongType.prefix : wrongType,
  value,
);

// ioredis: redis.defineCommand('addItem', { numberOfKeys: 1, lua }) then redis.addItem(key, n)
const addItem = defineScript("return redis.call('INCRBY', KEYS[1], ARGV[1])");
console.log('script', await redis.runScript(addItem, ['cart:1'], [2]));

// ioredis: redis.subscribe(ch); redis.on('message', (channel, message) => …) — channel first.
// respool (like node-redis): a listener per subscription, message first. Channels are not
// prefixed (they are not keys).
const got = new Promise<string>((resolve) => {
  void redis.subscribe('orders', (message, channel) => resolve(`${channel}: ${message}`));
});
await new Promise((r) => setTimeout(r, 50));
await redis.publish('orders', 'order 42 paid');
console.log('message', await got);

// ioredis: scanStream({ match }) emits arrays of keys; respool: an async iterator of keys. The
// pattern is sent as written, so it carries the prefix; the keys come back with it.
for await (const key of redis.scanIterator({ match: 'shop:cart:*' })) console.log('scan', key);

// ioredis: zrangebyscore(key, min, max, 'WITHSCORES') → flat array; respool: { member, score }.
await redis.zadd('rank', [
  { score: 1, member: 'ada' },
  { score: 2, member: 'bob' },
]);
console.log('zrange', JSON.stringify(await redis.zrangeWithScores('rank', 0, -1)));

// ioredis: redis.quit(); respool: close() waits for every accepted command first.
await redis.close();
