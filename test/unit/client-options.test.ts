import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { resolveClientOptions } from '../../src/client/options.js';
import {
  createClient,
  InvalidArgumentError,
  LIBRARY_VERSION,
  parseRedisUrl,
  redactUrl,
} from '../../src/index.js';

test('URL forms', () => {
  assert.deepEqual(parseRedisUrl('redis://127.0.0.1:6380/2'), {
    host: '127.0.0.1',
    port: 6380,
    db: 2,
  });
  assert.deepEqual(parseRedisUrl('redis://user:p%40ss@cache.local'), {
    username: 'user',
    password: 'p@ss',
    host: 'cache.local',
  });
  assert.deepEqual(parseRedisUrl('redis://:secret@h:1'), {
    password: 'secret',
    host: 'h',
    port: 1,
  });
  assert.deepEqual(parseRedisUrl('rediss://h'), { tls: true, host: 'h' });
  assert.deepEqual(parseRedisUrl('redis://[::1]:7000'), { host: '::1', port: 7000 });
  assert.deepEqual(parseRedisUrl('unix:///tmp/redis.sock?db=4'), {
    path: '/tmp/redis.sock',
    db: 4,
  });
});

test('resolution: defaults, URL, explicit options win over the URL', () => {
  const d = resolveClientOptions(undefined);
  assert.equal(d.host, '127.0.0.1');
  assert.equal(d.port, 6379);
  assert.equal(d.db, 0);
  assert.equal(d.protocol, 3);
  const o = resolveClientOptions({ url: 'redis://:pw@h:1/5', db: 0, port: 2 });
  assert.equal(o.host, 'h');
  assert.equal(o.port, 2);
  assert.equal(o.db, 0, 'an explicit 0 is kept (?? not ||)');
  assert.equal(o.password, 'pw');
  assert.deepEqual(resolveClientOptions('rediss://h').tls, {});
  assert.equal(resolveClientOptions({ keepAliveMs: 0 }).keepAliveMs, 0);
});

test('invalid options throw synchronously, naming the option and the value', () => {
  const cases: [unknown, RegExp][] = [
    [{ port: 0 }, /"port".*got 0/],
    [{ port: '6379' }, /"port".*"6379"/],
    [{ db: -1 }, /"db"/],
    [{ db: 1.5 }, /"db".*1\.5/],
    [{ connectTimeoutMs: -5 }, /"connectTimeoutMs".*-5/],
    [{ keepAliveMs: Number.NaN }, /"keepAliveMs"/],
    [{ protocol: 4 }, /"protocol".*4/],
    [{ name: 'has space' }, /"name".*white space/],
    [{ host: '' }, /"host"/],
    [{ returnBuffers: 'yes' }, /"returnBuffers"/],
    [{ tls: 'on' }, /"tls"/],
    [{ maxWriteBytes: 10 }, /"maxWriteBytes".*10/],
    [{ maxQueuedCommands: 0 }, /"maxQueuedCommands"/],
    [{ socketFactory: 1 }, /"socketFactory"/],
    [{ hots: 'x' }, /Unknown option "hots"/],
    [{ connecttimeoutms: 1 }, /did you mean "connectTimeoutMs"/],
    [{ url: 'http://h' }, /"url".*redis:\/\//],
    [{ url: 'redis://h/abc' }, /database "abc"/],
    [{ url: 'not a url' }, /"url".*not a valid URL/],
    [{ url: 'unix://' }, /"url"/],
    [42, /URL string or an options object/],
  ];
  for (const [input, message] of cases) {
    assert.throws(
      () => createClient(input as string),
      (e: unknown) => {
        assert.ok(
          e instanceof InvalidArgumentError,
          `not InvalidArgumentError for ${inspect(input)}`,
        );
        assert.equal(e.code, 'ERR_INVALID_ARGUMENT');
        assert.match(e.message, message);
        return true;
      },
    );
  }
});

test('passwords never appear in errors or inspect output', () => {
  const secret = 'hunter2-very-secret';
  assert.throws(
    () => createClient(`redis://user:${secret}@h/notadb`),
    (e: unknown) => !String((e as Error).message).includes(secret) && !inspect(e).includes(secret),
  );
  assert.throws(
    () => createClient({ password: 123 as unknown as string }),
    (e: unknown) => /"password".*value hidden/.test((e as Error).message),
  );
  const resolved = resolveClientOptions({ url: `redis://:${secret}@h` });
  assert.equal(resolved.password, secret);
  assert.ok(!inspect(resolved).includes(secret));
  assert.ok(!JSON.stringify(resolved).includes(secret));
  assert.ok(!inspect({ ...resolved }).includes(secret));
  const client = createClient(`redis://:${secret}@127.0.0.1:1`);
  assert.ok(!inspect(client, { depth: 10, showHidden: true }).includes(secret));
  client.destroy();
  assert.equal(redactUrl(`redis://u:${secret}@h:1/0`), 'redis://u:***@h:1/0');
});

test('LIBRARY_VERSION matches package.json', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  assert.equal(LIBRARY_VERSION, pkg.version);
});
