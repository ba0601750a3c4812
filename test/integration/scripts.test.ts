/**
 * Script and function-library objects against a real redis-server: EVALSHA with EVAL fallback,
 * after SCRIPT FLUSH and after a server restart; loaded ahead inside pipeline() and multi(); the
 * same for FCALL with FUNCTION LOAD REPLACE. The server's own command statistics say which
 * commands ran, so the tests see EVALSHA vs EVAL rather than trusting the client.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import {
  createClient,
  defineLibrary,
  defineScript,
  InvalidArgumentError,
  ReplyError,
  type RespoolClient,
} from '../../src/index.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

let server: RedisServer;
let client: RespoolClient;

/** calls= of `cmdstat_<name>` (0 when the command never ran). */
async function calls(name: string): Promise<number> {
  const stats = await server.info('commandstats');
  const row = stats[`cmdstat_${name}`];
  return row === undefined ? 0 : Number(/calls=(\d+)/.exec(row)?.[1] ?? 0);
}

const incrBy = defineScript("return redis.call('INCRBY', KEYS[1], ARGV[1])");
const readIt = defineScript("return redis.call('GET', KEYS[1])", { readOnly: true });
const library = defineLibrary(
  "#!lua name=counters\nredis.register_function('bump', function(keys, args) return redis.call('INCRBY', keys[1], args[1]) end)\nredis.register_function{function_name='peek', callback=function(keys) return redis.call('GET', keys[1]) end, flags={'no-writes'}}",
);

before(async () => {
  server = await startRedis();
  client = createClient(server.url);
});

after(async () => {
  await client.close();
  await server.stop();
});

beforeEach(async () => {
  await server.cli('SCRIPT', 'FLUSH');
  await server.cli('FUNCTION', 'FLUSH');
  await server.cli('CONFIG', 'RESETSTAT');
});

describe('defineScript', () => {
  test('the SHA1 is the server’s, and bad sources are refused synchronously', async () => {
    assert.equal(incrBy.sha1, await client.scriptLoad(incrBy.source));
    assert.throws(() => defineScript(''), InvalidArgumentError);
    assert.throws(() => defineLibrary('return 1'), /shebang/);
    assert.equal(library.name, 'counters');
  });

  test('first run falls back to EVAL; later runs are EVALSHA only', async () => {
    assert.equal(await client.runScript(incrBy, ['s:a'], [2]), 2);
    assert.equal(await client.runScript(incrBy, ['s:a'], [3]), 5);
    assert.equal(await calls('eval'), 1, 'EVAL once, after the first NOSCRIPT');
    assert.equal(await calls('evalsha'), 2);
    assert.equal(await client.runScript(readIt, ['s:a']), '5');
    assert.equal(await calls('evalsha_ro'), 1);
    assert.equal(await calls('eval_ro'), 1);
  });

  test('after SCRIPT FLUSH and after a server restart the script runs again', async () => {
    await client.runScript(incrBy, ['s:b'], [1]);
    await server.cli('SCRIPT', 'FLUSH');
    assert.equal(await client.runScript(incrBy, ['s:b'], [1]), 2);
    await server.restart();
    // A new process: empty script cache, and (no persistence) an empty keyspace.
    assert.equal(await client.runScript(incrBy, ['s:b'], [10]), 10);
    assert.equal(await calls('eval'), 1, 'the restarted server needed EVAL once');
  });

  test('a script error is the caller’s error, not a retry', async () => {
    const bad = defineScript("return redis.call('NOPE')");
    await assert.rejects(
      client.runScript(bad),
      (e) => e instanceof ReplyError && /Unknown Redis command/i.test(e.message),
    );
    assert.equal(
      await calls('eval'),
      1,
      'EVAL ran once, after NOSCRIPT; its error was not retried',
    );
  });

  test('pipeline(): the script is loaded ahead, so EVALSHA never meets NOSCRIPT', async () => {
    const results = await client
      .pipeline()
      .set('s:p', '1')
      .runScript(incrBy, ['s:p'], [5])
      .runScript(incrBy, ['s:p'], [5])
      .get('s:p')
      .exec();
    assert.deepEqual(results, ['OK', 6, 11, '11']);
    assert.equal(await calls('script|load'), 1, 'one SCRIPT LOAD for the two uses');
    assert.equal(await calls('evalsha'), 2);
    assert.equal(await calls('eval'), 0);
  });

  test('multi(): loaded ahead of MULTI, so the transaction runs whole after a flush', async () => {
    await client.runScript(incrBy, ['s:m'], [1]);
    await server.cli('SCRIPT', 'FLUSH');
    const results = await client.multi().runScript(incrBy, ['s:m'], [1]).incr('s:m').exec();
    assert.deepEqual(results, [2, 3]);
    assert.equal(await client.get('s:m'), '3');
  });

  test('a script the server cannot compile reports its compile error in the batch slots', async () => {
    const broken = defineScript('return (');
    const results = await client.pipeline().runScript(broken).ping().exec();
    assert.ok(results[0] instanceof ReplyError);
    assert.match((results[0] as ReplyError).message, /Error compiling script/);
    assert.equal(results[1], 'PONG');
  });

  test('on a lease the same fallback applies', async () => {
    const n = await client.withConnection((c) => c.runScript<number>(incrBy, ['s:l'], [7]));
    assert.equal(n, 7);
  });
});

describe('defineLibrary', () => {
  test('FCALL loads the library where it is missing, then calls it', async () => {
    assert.equal(await client.runFunction(library, 'bump', ['f:a'], [4]), 4);
    assert.equal(await client.runFunction(library, 'peek', ['f:a'], [], { readOnly: true }), '4');
    assert.equal(await calls('function|load'), 1);
    assert.equal(await calls('fcall_ro'), 1);
    await server.cli('FUNCTION', 'FLUSH');
    assert.equal(await client.runFunction(library, 'bump', ['f:a'], [1]), 5);
    assert.equal(await calls('function|load'), 2);
  });

  test('multi() and pipeline() load the library ahead of their commands', async () => {
    const txn = await client.multi().runFunction(library, 'bump', ['f:m'], [2]).get('f:m').exec();
    assert.deepEqual(txn, [2, '2']);
    await server.cli('FUNCTION', 'FLUSH');
    const batch = await client.pipeline().runFunction(library, 'bump', ['f:m'], [1]).exec();
    assert.deepEqual(batch, [3]);
  });
});
