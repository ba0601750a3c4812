/**
 * The doctor's pure parsers: INFO, CONFIG GET (RESP2 pairs and RESP3 maps), CLIENT LIST across
 * server versions (7.0 without lib-name, 7.2 with it, IPv6 and unix-socket addresses) and
 * CLUSTER NODES.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  hostOfAddr,
  parseClientLine,
  parseClientList,
} from '../../src/doctor/parse/client-list.js';
import { parseClusterNodes } from '../../src/doctor/parse/cluster-nodes.js';
import { configInteger, parseConfigReply } from '../../src/doctor/parse/config.js';
import { infoNumber, parseInfo, parseInfoFields } from '../../src/doctor/parse/info.js';

const INFO_TEXT = [
  '# Server',
  'redis_version:7.0.15',
  'redis_mode:standalone',
  'uptime_in_seconds:42',
  '',
  '# Clients',
  'connected_clients:303',
  'maxclients:10000',
  '',
].join('\r\n');

test('parseInfo splits sections by header, lower-cased, CRLF tolerated', () => {
  const info = parseInfo(INFO_TEXT);
  assert.deepEqual(Object.keys(info), ['server', 'clients']);
  assert.equal(info['server']?.['redis_version'], '7.0.15');
  assert.equal(info['clients']?.['connected_clients'], '303');
});

test('parseInfoFields merges sections; values keep colons after the first', () => {
  const fields = parseInfoFields(
    `${INFO_TEXT}# Keyspace\r\ndb0:keys=1,expires=0\r\nexecutable:/a:b\r\n`,
  );
  assert.equal(fields['maxclients'], '10000');
  assert.equal(fields['db0'], 'keys=1,expires=0');
  assert.equal(fields['executable'], '/a:b');
});

test('infoNumber: numbers, absent and non-numeric fields', () => {
  const fields = parseInfoFields(INFO_TEXT);
  assert.equal(infoNumber(fields, 'uptime_in_seconds'), 42);
  assert.equal(infoNumber(fields, 'rejected_connections'), null);
  assert.equal(infoNumber(fields, 'redis_mode'), null);
  assert.equal(infoNumber(undefined, 'x'), null);
});

test('parseConfigReply reads RESP2 pair arrays and RESP3 maps in any order', () => {
  const resp2 = parseConfigReply(['timeout', '0', 'maxclients', '10000', 'tcp-keepalive', '300']);
  const resp3 = parseConfigReply(
    new Map<unknown, unknown>([
      ['tcp-keepalive', '300'],
      ['MAXCLIENTS', Buffer.from('10000')],
      ['timeout', '0'],
    ]),
  );
  for (const config of [resp2, resp3]) {
    assert.equal(configInteger(config, 'timeout'), 0);
    assert.equal(configInteger(config, 'maxclients'), 10_000);
    assert.equal(configInteger(config, 'tcp-keepalive'), 300);
    assert.equal(configInteger(config, 'absent'), null);
  }
  assert.equal(parseConfigReply('OK').size, 0);
  assert.equal(configInteger(new Map([['timeout', 'soon']]), 'timeout'), null);
});

const LINE_70 =
  'id=6 addr=127.0.0.1:56614 laddr=127.0.0.1:16556 fd=8 name=naive-pool age=12 idle=9 flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=1024 rbp=0 obl=0 oll=0 omem=0 tot-mem=1 events=r cmd=ping user=default redir=-1 resp=2';
const LINE_72 =
  'id=7 addr=[::1]:40000 laddr=[::1]:6379 fd=9 name= age=100 idle=0 flags=b db=0 sub=0 psub=0 ssub=0 multi=-1 cmd=blpop user=default lib-name=redis-py lib-ver=5.0.1';

test('parseClientLine: Redis 7.0 line, no lib-name field', () => {
  const c = parseClientLine(LINE_70);
  assert.ok(c !== undefined);
  assert.equal(c.id, 6);
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.name, 'naive-pool');
  assert.equal(c.libName, null, 'absent field, not empty');
  assert.equal(c.age, 12);
  assert.equal(c.idle, 9);
  assert.equal(c.cmd, 'ping');
});

test('parseClientLine: Redis 7.2 line with lib-name, IPv6 addr, blocked', () => {
  const c = parseClientLine(LINE_72);
  assert.ok(c !== undefined);
  assert.equal(c.host, '::1');
  assert.equal(c.name, '');
  assert.equal(c.libName, 'redis-py');
  assert.equal(c.flags, 'b');
  assert.equal(c.cmd, 'blpop');
});

test('parseClientList skips blank lines and lines without addr', () => {
  const list = parseClientList(`${LINE_70}\n\n${LINE_72}\ngarbage line\n`);
  assert.deepEqual(
    list.map((c) => c.id),
    [6, 7],
  );
});

test('hostOfAddr: IPv4, bracketed IPv6, unix socket', () => {
  assert.equal(hostOfAddr('10.0.0.5:51234'), '10.0.0.5');
  assert.equal(hostOfAddr('[2001:db8::1]:6000'), '2001:db8::1');
  assert.equal(hostOfAddr('/tmp/redis.sock:0'), '/tmp/redis.sock');
});

test('parseClusterNodes: addresses, roles, myself, empty ip, nodes without address', () => {
  const text = [
    'a1 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460',
    'b2 127.0.0.1:7001@17001,node-b.example master - 0 1 2 connected 5461-10922',
    'c3 2001:db8::3:7002@17002 slave a1 0 1 1 connected',
    'd4 :7003@17003 master,fail - 0 1 3 disconnected',
    'e5 :0@0 master,noaddr - 0 1 4 disconnected',
    '',
  ].join('\n');
  const nodes = parseClusterNodes(text, 'seed.example');
  assert.deepEqual(
    nodes.map((n) => [n.id, n.host, n.port, n.role, n.myself]),
    [
      ['a1', '127.0.0.1', 7000, 'master', true],
      ['b2', '127.0.0.1', 7001, 'master', false],
      ['c3', '2001:db8::3', 7002, 'replica', false],
      ['d4', 'seed.example', 7003, 'master', false],
    ],
  );
});
