/**
 * The Subscriber against fake connections from a fake pool (no sockets): one SUBSCRIBE per new
 * channel, confirmations, delivery, release after the last unsubscribe, and an outage reported
 * on the client's events and on the subscription, with every channel subscribed again.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { ConnectionPool } from '../../src/client/connection-pool.js';
import type { ClientEvents } from '../../src/client/events.js';
import { Subscriber } from '../../src/client/subscriber.js';
import type { Connection } from '../../src/connection/connection.js';
import type { FakeConnection } from '../helpers/fake-connection.js';
import { FakeDialer } from '../helpers/fake-connection.js';

function setup() {
  const dialer = new FakeDialer();
  const released: Connection[] = [];
  const pool = {
    acquire: () => dialer.open(),
    release: (conn: Connection) => released.push(conn),
    retireLeased: (conn: Connection) => released.push(conn),
  } as unknown as ConnectionPool;
  const events = new EventEmitter<ClientEvents>();
  const subscriber = new Subscriber(pool, { baseMs: 5, maxMs: 10 }, events);
  return { dialer, released, events, subscriber };
}

/** Confirm every SUBSCRIBE-type command the fake got since `from`, as a server would. */
async function confirmAll(conn: FakeConnection, from = 0): Promise<number> {
  for (let i = 0; i < 50 && conn.sentWithoutReply.length <= from; i++) await delay(1);
  const sent = conn.sentWithoutReply.slice(from);
  for (const [command, ...names] of sent) {
    for (const name of names) conn.push(String(command).toLowerCase(), String(name), 1);
  }
  return from + sent.length;
}

test('one SUBSCRIBE per new channel, resolved by its confirmation; messages reach listeners', async () => {
  const { dialer, subscriber, released } = setup();
  const got: string[] = [];
  const pending = subscriber.subscribe(
    'subscribe',
    ['a', 'b'],
    (m, ch) => got.push(`${ch}:${m}`),
    false,
  );
  await delay(0);
  const conn = dialer.last;
  assert.equal(conn.subscriberMode, true);
  assert.deepEqual(conn.sentWithoutReply, [['SUBSCRIBE', 'a', 'b']]);
  await confirmAll(conn);
  const sub = await pending;
  // A second listener on a live channel sends nothing.
  const second = await subscriber.subscribe('subscribe', 'a', () => undefined, false);
  assert.equal(conn.sentWithoutReply.length, 1);
  conn.push('message', 'a', 'hello');
  conn.push('message', 'b', 'world');
  assert.deepEqual(got, ['a:hello', 'b:world']);
  // The last listener of a channel leaving unsubscribes it; the connection goes back when none is left.
  const done = sub.unsubscribe();
  await delay(0);
  assert.deepEqual(conn.sentWithoutReply.at(-1), ['UNSUBSCRIBE', 'b']);
  await confirmAll(conn, 1);
  await done;
  assert.equal(released.length, 0);
  const last = second.unsubscribe();
  await confirmAll(conn, 2);
  await last;
  assert.deepEqual(released, [conn.asConnection()]);
  assert.equal(conn.subscriberMode, false);
});

test('an outage: subscriber-down, every channel subscribed again on a new connection, subscriber-up and outage', async () => {
  const { dialer, subscriber, events } = setup();
  const log: string[] = [];
  events.on('subscriber-down', (info) => log.push(`down:${info.channels}`));
  events.on('subscriber-up', (info) => log.push(`up:${info.upAt >= info.downAt}`));
  const pending = subscriber.subscribe('psubscribe', 'news.*', () => undefined, false);
  await delay(0);
  await confirmAll(dialer.last);
  const sub = await pending;
  const outages: { downAt: number; upAt: number }[] = [];
  sub.on('down', () => log.push('sub-down'));
  sub.on('outage', (o) => outages.push(o));

  dialer.last.drop();
  assert.deepEqual(log, ['down:1', 'sub-down']);
  await delay(0);
  const replacement = dialer.last;
  assert.equal(dialer.made.length, 2);
  assert.deepEqual(replacement.sentWithoutReply, [['PSUBSCRIBE', 'news.*']]);
  assert.equal(outages.length, 0, 'not up before the confirmation');
  await confirmAll(replacement);
  await delay(0);
  assert.deepEqual(log, ['down:1', 'sub-down', 'up:true']);
  assert.equal(outages.length, 1);
  assert.deepEqual(sub.outages, outages);
  await subscriber.close();
});

test('a failed resubscribe retries with backoff; the outage stays one outage', async () => {
  const { dialer, subscriber, events } = setup();
  let downs = 0;
  let ups = 0;
  events.on('subscriber-down', () => downs++);
  events.on('subscriber-up', () => ups++);
  const pending = subscriber.subscribe('subscribe', 'x', () => undefined, false);
  await delay(0);
  await confirmAll(dialer.last);
  await pending;
  dialer.failures.push(new Error('fake: refused'));
  dialer.last.drop();
  // The first attempt fails to get a connection; the retry gets one.
  for (let i = 0; i < 100 && dialer.made.length < 2; i++) await delay(2);
  assert.equal(dialer.made.length, 2);
  assert.ok(dialer.dials >= 3);
  await confirmAll(dialer.last);
  await delay(0);
  assert.equal(downs, 1);
  assert.equal(ups, 1);
  await subscriber.close();
});
