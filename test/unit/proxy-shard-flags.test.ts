/** `respool proxy --shard …` flags: parsed into createProxy options, or refused naming the flag. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/cli/cli-error.js';
import { parseShardFlag, shardOptionsFromFlags } from '../../src/cli/proxy-shard-flags.js';

test('a --shard value: optional name, URL, optional weight after the port', () => {
  assert.deepEqual(parseShardFlag('redis://10.0.0.1:6379', ''), { url: 'redis://10.0.0.1:6379' });
  assert.deepEqual(parseShardFlag('a=redis://h:7000:3', ''), {
    name: 'a',
    url: 'redis://h:7000',
    weight: 3,
  });
  assert.deepEqual(parseShardFlag('redis://:pw@h:7000:2', ''), {
    url: 'redis://:pw@h:7000',
    weight: 2,
  });
});

test('every shard flag becomes its createProxy option', () => {
  assert.deepEqual(
    shardOptionsFromFlags(
      {
        shard: ['redis://a:1', 'redis://b:2'],
        hash: 'md5',
        distribution: 'modula',
        'hash-tag': '{}',
        'auto-eject-hosts': true,
        'server-failure-limit': '3',
        'server-retry-timeout': '1500',
      },
      '',
    ),
    {
      shards: [{ url: 'redis://a:1' }, { url: 'redis://b:2' }],
      hash: 'md5',
      distribution: 'modula',
      hashTag: '{}',
      autoEjectHosts: true,
      serverFailureLimit: 3,
      serverRetryTimeoutMs: 1500,
    },
  );
});

test('bad values are refused naming the flag and the value, never a password', () => {
  const refused = (values: Parameters<typeof shardOptionsFromFlags>[0], pattern: RegExp) =>
    assert.throws(
      () => shardOptionsFromFlags(values, ''),
      (e: unknown) => e instanceof UsageError && pattern.test(e.message),
    );
  refused({ shard: ['10.0.0.1:6379'] }, /^--shard expects .*"10\.0\.0\.1:6379"/);
  refused({ shard: ['redis://:hunter2@h:1:0'] }, /^--shard weight .*"redis:\/\/:\*\*\*@h:1:0"$/);
  refused({ shard: ['redis://h:1/2'] }, /database 0 only/);
  refused({ shard: ['redis://h:1'], hash: 'sha1' }, /^--hash expects one of .*"sha1"/);
  refused({ shard: ['redis://h:1'], distribution: 'ring' }, /^--distribution .*"ring"/);
  refused({ shard: ['redis://h:1'], 'hash-tag': '{' }, /^--hash-tag .*"\{"/);
  refused({ shard: ['redis://h:1'], 'server-failure-limit': '0' }, /^--server-failure-limit .*"0"/);
  refused({ shard: ['redis://h:1'], 'server-retry-timeout': 'soon' }, /"soon"/);
  refused({ 'auto-eject-hosts': true }, /^--auto-eject-hosts applies only to shards/);
  assert.throws(
    () => shardOptionsFromFlags({ shard: ['redis://:hunter2@h:x'] }, ''),
    (e: unknown) => !String((e as Error).message).includes('hunter2'),
  );
  // A --config file may bring the shards; the placement flags then apply to them.
  assert.deepEqual(shardOptionsFromFlags({ hash: 'md5' }, '', true), { hash: 'md5' });
});
