import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { parseSentinelUrl, resolveSentinelOptions } from '../../src/sentinel/sentinel-options.js';

test('parseSentinelUrl: hosts with and without ports, IPv6, name, db, role, credentials', () => {
  assert.deepEqual(parseSentinelUrl('redis+sentinel://a:1,b,[::1]:3/mymaster'), {
    sentinels: [
      { host: 'a', port: 1 },
      { host: 'b', port: 26379 },
      { host: '::1', port: 3 },
    ],
    name: 'mymaster',
  });
  assert.deepEqual(parseSentinelUrl('redis+sentinel://u:p%40ss@h:5/m/7?role=replica'), {
    sentinels: [{ host: 'h', port: 5 }],
    name: 'm',
    username: 'u',
    password: 'p@ss',
    db: 7,
    role: 'replica',
  });
  assert.throws(() => parseSentinelUrl('redis+sentinel://h:5'), /"url"/);
  assert.throws(() => parseSentinelUrl('redis+sentinel://h:99999/m'), /"url"/);
  assert.throws(() => parseSentinelUrl('redis+sentinel://h/m/x'), /database/);
  assert.throws(() => parseSentinelUrl('redis+sentinel://h/m?role=leader'), /role/);
});

test('resolveSentinelOptions: explicit options win over the URL; passwords stay hidden', () => {
  const o = resolveSentinelOptions({
    url: 'redis+sentinel://:data-pw@h:5/m/2',
    db: 3,
    sentinelPassword: 'sentinel-pw',
    clientName: 'api',
  });
  assert.equal(o.name, 'm');
  assert.equal(o.client.db, 3);
  assert.equal(o.client.password, 'data-pw');
  assert.equal(o.client.name, 'api');
  assert.equal(o.sentinelPassword, 'sentinel-pw');
  assert.equal(o.role, 'primary');
  const shown = inspect(o, { depth: 5 }) + JSON.stringify(o);
  assert.ok(!shown.includes('sentinel-pw') && !shown.includes('data-pw'), shown);
});

test('resolveSentinelOptions: unknown and address options are refused by name', () => {
  const base = { sentinels: [{ host: 'h' }], name: 'm' };
  assert.throws(() => resolveSentinelOptions({ ...base, host: 'x' } as never), /"host"/);
  assert.throws(
    () => resolveSentinelOptions({ ...base, sentinelTimeoutMs: 0 }),
    /sentinelTimeoutMs/,
  );
  assert.throws(
    () => resolveSentinelOptions({ ...base, sentinelPassword: 42 as never }),
    (e: Error) => /sentinelPassword/.test(e.message) && !e.message.includes('42'),
  );
});
