/**
 * The client's resilience against faults staged by the fake server: transient error replies
 * (LOADING, BUSY, MASTERDOWN), silence, dead idle peers, connections lost with commands written
 * or unwritten, a server that goes away and comes back, full waiting queues, aborts, and the
 * events each of these produces.
 *
 * Deadlines are short (a few hundred ms) so the file stays fast; the only timing assertions are
 * about deadlines, with generous upper bounds, because the machines running this are noisy.
 * No test may cause an unhandled rejection: the guard below fails the test that did.
 */
import assert from 'node:assert/strict';
import type net from 'node:net';
import { describe, test } from 'node:test';
import { setTimeout as delay, setImmediate as nextTurn } from 'node:timers/promises';
import { inspect } from 'node:util';
import { dialSocket, type SocketFactory } from '../../src/connection/connect.js';
import {
  type ClientOptions,
  createClient,
  ProtocolError,
  ReplyError,
  type RespoolClient,
} from '../../src/index.js';
import { delayed, type FakeServer, status } from '../helpers/fake-server.js';
import { hasCode, useFaultHarness } from '../helpers/fault-harness.js';
import { freePort } from '../helpers/free-port.js';

const { fake, adopt } = useFaultHarness({ leakCheckTimeoutMs: 3000 });

/** What a client emitted, in order. */
interface Watch {
  /** Event names in emission order. */
  readonly log: string[];
  readonly closes: (Error | undefined)[];
  readonly reconnecting: { readonly attempt: number; readonly delayMs: number }[];
  /** Stays empty for every routine fault: only what needs action reaches `error`. */
  readonly errors: Error[];
}

/**
 * A client whose events are recorded. `listenForErrors: false` leaves `error` unheard, to show
 * that an unheard error event never crashes the process.
 */
function client(
  options: string | ClientOptions,
  { listenForErrors = true } = {},
): { c: RespoolClient; events: Watch } {
  const c = adopt(createClient(options));
  const events: Watch = { log: [], closes: [], reconnecting: [], errors: [] };
  c.on('connect', () => events.log.push('connect'));
  c.on('ready', () => events.log.push('ready'));
  c.on('close', ({ error }) => {
    events.log.push('close');
    events.closes.push(error);
  });
  c.on('reconnecting', ({ attempt, delayMs }) => {
    events.log.push('reconnecting');
    events.reconnecting.push({ attempt, delayMs });
  });
  if (listenForErrors) {
    c.on('error', (error) => {
      events.log.push('error');
      events.errors.push(error);
    });
  }
  return { c, events };
}

async function until(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await delay(5);
  }
}

/** How long `promise` took to reject, and with what. Fails if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  const error = await promise.then(
    (value) => assert.fail(`expected a rejection, got ${inspect(value)}`),
    (e: unknown) => e,
  );
  return { error, ms: performance.now() - started };
}

/** How many commands named `name` the server received. */
function count(server: FakeServer, name: string): number {
  return server.commands.filter((cmd) => cmd[0] === name).length;
}

/** True once `promise` has settled; checked after a turn of the event loop. */
function settledFlag(promise: Promise<unknown>): { done: boolean } {
  const flag = { done: false };
  promise.then(
    () => {
      flag.done = true;
    },
    () => {
      flag.done = true;
    },
  );
  return flag;
}

describe('transient error replies', () => {
  const transient = [
    'LOADING Redis is loading the dataset in memory',
    'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSCRIPT.',
    "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
  ];
  for (const message of transient) {
    const prefix = message.split(' ')[0] ?? '';
    test(`${prefix} three times, then the value: the call resolves after backoff`, async () => {
      let gets = 0;
      const server = await fake((cmd) => {
        if (cmd[0] !== 'GET') return undefined;
        return ++gets <= 3 ? new ReplyError(message) : 'the value';
      });
      const { c, events } = client(server.url);
      assert.equal(await c.get('k'), 'the value');
      assert.equal(count(server, 'GET'), 4);
      const stats = c.stats();
      assert.ok(stats.retries >= 3, `retries ${stats.retries}`);
      assert.equal(stats.errorReplies, 0, 'a retried refusal is not an error reply');
      assert.equal(server.accepted, 1, 'retried on the same connection');
      assert.deepEqual(events.errors, []);
      await c.close();
    });
  }

  test('LOADING forever with a 300 ms deadline: retried until the deadline, then the LOADING reply', async () => {
    const server = await fake((cmd) =>
      cmd[0] === 'GET'
        ? new ReplyError('LOADING Redis is loading the dataset in memory')
        : undefined,
    );
    const { c, events } = client(server.url);
    await c.ping();
    const { error, ms } = await rejection(c.withOptions({ timeoutMs: 300 }).get('k'));
    // The caller gets the server's own LOADING reply, not ERR_COMMAND_TIMEOUT: between attempts
    // the command waits in a backoff timer, not on the connection, so no deadline scan sees it.
    // The backoff (10, 20, 40, 80, 160 ms) is cut to the time left, so attempts go on until
    // about 20 ms (the last round trip's margin) before the deadline.
    assert.ok(error instanceof ReplyError, inspect(error));
    assert.equal(error.prefix, 'LOADING');
    assert.ok(ms >= 230, `rejected after ${ms} ms: gave up before using its deadline`);
    assert.ok(ms < 1500, `rejected after ${ms} ms`);
    const gets = count(server, 'GET');
    assert.ok(gets >= 5, `${gets} GETs`);
    assert.equal(c.stats().retries, gets - 1);
    assert.deepEqual(events.errors, []);
    await c.close();
  });

  test('READONLY is surfaced, not retried', async () => {
    const server = await fake((cmd) =>
      cmd[0] === 'SET'
        ? new ReplyError("READONLY You can't write against a read only replica.")
        : undefined,
    );
    const { c, events } = client(server.url);
    const { error } = await rejection(c.set('k', 'v'));
    assert.ok(error instanceof ReplyError, inspect(error));
    assert.equal(error.prefix, 'READONLY');
    assert.equal(error.code, 'ERR_REPLY');
    assert.equal(count(server, 'SET'), 1);
    assert.equal(c.stats().retries, 0);
    assert.equal(c.stats().errorReplies, 1);
    assert.deepEqual(events.errors, []);
    await c.close();
  });
});

describe('silence', () => {
  test('a command never answered: ERR_COMMAND_TIMEOUT at its deadline, the stalled connection is replaced', async () => {
    let gets = 0;
    const server = await fake((cmd) => {
      if (cmd[0] !== 'GET') return undefined;
      return ++gets === 1 ? { hang: true } : 'answered';
    });
    const { c, events } = client({ url: server.url, commandTimeoutMs: 300 });
    await c.ping();
    const { error, ms } = await rejection(c.get('k'));
    hasCode('ERR_COMMAND_TIMEOUT', true)(error);
    assert.ok(ms >= 250 && ms < 1500, `rejected after ${ms} ms`);
    // Nothing was read during the GET's whole wait: the peer is presumed dead and the connection
    // destroyed, so the next command does not queue up behind the one that will never return.
    await until(() => server.connections === 0, 'the stalled connection to close');
    assert.equal(c.stats().destroyed, 1);
    assert.equal(await c.get('k'), 'answered');
    assert.equal(server.accepted, 2, 'the second GET went out on a new connection');
    assert.equal(events.closes.length, 1);
    hasCode('ERR_CONNECTION_CLOSED', true)(events.closes[0]);
    assert.deepEqual(events.errors, []);
    await c.close();
  });

  // The brief's version of this ("hang GET forever, answer PINGs promptly meanwhile") cannot
  // happen with Redis, nor with the fake: replies come strictly in order, so no PING sent after
  // a hung GET is ever answered. What a slow but alive server does look like is a backlog: the
  // replies ahead of the GET keep arriving, slowly, while the GET waits.
  test('a slow but alive server: the command times out, the connection is kept', async () => {
    let slow = false;
    const server = await fake((cmd) => {
      if (!slow) return undefined;
      if (cmd[0] === 'PING') return delayed(80, status('PONG'));
      if (cmd[0] === 'GET') return delayed(100, 'too late');
      return undefined;
    });
    const { c, events } = client(server.url);
    await c.ping();
    slow = true;
    // Answered at ~80, 160, … 480 ms; the GET, queued behind them, would be answered at ~580.
    const pings = Array.from({ length: 6 }, () => c.ping());
    const get = c.withOptions({ timeoutMs: 300 }).get('k');
    const { error, ms } = await rejection(get);
    hasCode('ERR_COMMAND_TIMEOUT', true)(error);
    assert.ok(ms >= 250 && ms < 1500, `rejected after ${ms} ms`);
    // Replies kept arriving during the GET's wait, so the stall rule does not apply.
    assert.equal(c.stats().destroyed, 0);
    assert.deepEqual(await Promise.all(pings), Array(6).fill('PONG'));
    slow = false;
    // The GET's late reply is read and dropped: ECHO gets its own reply, on the same connection.
    assert.equal(await c.echo('after'), 'after');
    assert.equal(server.accepted, 1);
    assert.equal(c.stats().destroyed, 0);
    assert.deepEqual(events.closes, []);
    assert.deepEqual(events.errors, []);
    await c.close();
  });

  test('the heartbeat finds a dead idle peer with no caller waiting', async () => {
    const server = await fake((cmd) => {
      if (cmd[0] === 'PING') return { hang: true };
      if (cmd[0] === 'GET') return 'alive';
      return undefined;
    });
    const { c, events } = client({ url: server.url, pingIntervalMs: 200 });
    await c.ready();
    const started = performance.now();
    await until(() => events.closes.length === 1, 'the heartbeat to close the connection');
    const ms = performance.now() - started;
    // One interval to send PING, one for its deadline.
    assert.ok(ms < 1500, `closed after ${ms} ms`);
    hasCode('ERR_CONNECTION_CLOSED', true)(events.closes[0]);
    assert.equal(c.stats().destroyed, 1);
    const names = server.commands.map((cmd) => cmd[0]);
    assert.ok(names.includes('PING'), 'the heartbeat sent PING');
    assert.ok(!names.includes('GET'), 'nobody had sent a command');
    assert.equal(await c.get('k'), 'alive');
    assert.equal(server.accepted, 2);
    assert.deepEqual(events.errors, []);
    c.destroy();
  });
});

describe('batches have deadlines too', () => {
  test('pipeline() and multi() against a server that never answers fail at the deadline', async () => {
    const server = await fake((cmd) =>
      cmd[0] === 'GET' || cmd[0] === 'EXEC' ? { hang: true } : undefined,
    );
    const { c } = client({ url: server.url, commandTimeoutMs: 300 });
    await c.ping();
    const pipe = await rejection(c.pipeline().set('a', '1').get('a').exec());
    hasCode('ERR_COMMAND_TIMEOUT', true)(pipe.error);
    assert.ok(pipe.ms >= 250 && pipe.ms < 1500, `pipeline rejected after ${pipe.ms} ms`);
    const multi = await rejection(c.multi().set('a', '1').exec());
    hasCode('ERR_COMMAND_TIMEOUT', true)(multi.error);
    assert.ok(multi.ms >= 250 && multi.ms < 1500, `multi rejected after ${multi.ms} ms`);
    c.destroy();
  });
});

describe('a connection lost with commands written', () => {
  /** A fake that closes the connection upon `name`: the first `times` times, or always. */
  function closesOn(name: string, times: number, answer: () => string | number) {
    let seen = 0;
    return fake((cmd) => {
      if (cmd[0] !== name) return undefined;
      return ++seen <= times ? { close: true } : answer();
    });
  }

  test('a plain INCR fails with written: true and is not sent again', async () => {
    const server = await closesOn('INCR', 1, () => 1);
    const { c, events } = client(server.url);
    await c.ping();
    const { error } = await rejection(c.incr('n'));
    hasCode('ERR_CONNECTION_CLOSED', true)(error);
    assert.match((error as Error).message, /may have run/);
    await delay(50); // room for a wrong resend to reach the server
    assert.equal(count(server, 'INCR'), 1);
    assert.equal(c.stats().retries, 0);
    assert.deepEqual(events.errors, []);
    c.destroy();
  });

  test('an INCR marked idempotent is sent once more on a new connection', async () => {
    const server = await closesOn('INCR', 1, () => 7);
    const { c, events } = client(server.url);
    await c.ping();
    assert.equal(await c.withOptions({ idempotent: true }).incr('n'), 7);
    assert.equal(count(server, 'INCR'), 2);
    assert.equal(server.accepted, 2);
    assert.equal(c.stats().retries, 1);
    assert.deepEqual(events.errors, []);
    await c.close();
  });

  test('a read-only GET is sent once more on a new connection', async () => {
    const server = await closesOn('GET', 1, () => 'second try');
    const { c, events } = client(server.url);
    await c.ping();
    assert.equal(await c.get('k'), 'second try');
    assert.equal(count(server, 'GET'), 2);
    assert.equal(c.stats().retries, 1);
    assert.ok(events.log.includes('reconnecting'));
    assert.deepEqual(events.errors, []);
    await c.close();
  });

  test('a GET whose connection closes every time fails after exactly two attempts', async () => {
    const server = await closesOn('GET', Number.POSITIVE_INFINITY, () => 'never');
    const { c, events } = client(server.url);
    await c.ping();
    const { error } = await rejection(c.get('k'));
    hasCode('ERR_CONNECTION_CLOSED', true)(error);
    await delay(50); // room for a third attempt, which must not come
    assert.equal(count(server, 'GET'), 2);
    assert.equal(c.stats().retries, 1);
    assert.deepEqual(events.errors, []);
    c.destroy();
  });
});

describe('a connection lost with commands unwritten', () => {
  test('they move to the next connection, in order, even when not idempotent', async () => {
    // Deterministic "unwritten": a socket that claims a full buffer after the first INCR. The
    // bytes do go out, but the connection waits for a 'drain' that never comes, so whatever it
    // encodes next stays in its write buffer until the server closes the connection.
    let holdWrites = false;
    const socketFactory: SocketFactory = (options) => {
      const socket: net.Socket = dialSocket(options);
      const write = socket.write.bind(socket) as (chunk: Uint8Array | string) => boolean;
      socket.write = ((chunk: Uint8Array | string) =>
        write(chunk) && !holdWrites) as typeof socket.write;
      return socket;
    };
    const byConnection = new Map<number, string[]>();
    const server = await fake((cmd, conn) => {
      if (cmd[0] !== 'INCR') return undefined;
      const seen = byConnection.get(conn.id) ?? [];
      seen.push(cmd[1] ?? '');
      byConnection.set(conn.id, seen);
      // Closed late enough for the test to queue more commands behind it first.
      return cmd[1] === 'a' ? delayed(100, { close: true }) : seen.length;
    });
    const { c, events } = client({ url: server.url, socketFactory });
    await c.ping();
    holdWrites = true;
    const a = c.incr('a');
    await until(() => count(server, 'INCR') === 1, 'INCR a to reach the server');
    holdWrites = false; // only the first connection's socket was ever asked to write meanwhile
    const rest = [c.incr('b'), c.incr('c'), c.incr('d')];
    const { error } = await rejection(a);
    hasCode('ERR_CONNECTION_CLOSED', true)(error);
    assert.deepEqual(await Promise.all(rest), [1, 2, 3]);
    assert.deepEqual(byConnection.get(1), ['a'], 'b, c, d never reached the first connection');
    assert.deepEqual(byConnection.get(2), ['b', 'c', 'd']);
    assert.equal(c.stats().retries, 0, 'moving unwritten commands is not a retry');
    assert.deepEqual(events.errors, []);
    await c.close();
  });
});

describe('reconnecting', () => {
  test('a server down after having worked: waiting commands time out unsent; backoff; recovery', async () => {
    const first = await fake();
    const port = first.port;
    const { c, events } = client({
      url: first.url,
      reconnectDelayMs: 20,
      maxReconnectDelayMs: 100,
    });
    assert.equal(await c.ping(), 'PONG');
    await first.close();
    await until(() => events.closes.length === 1, 'the client to see the connection go');

    const view = c.withOptions({ timeoutMs: 400 });
    const results = await Promise.all([view.get('k'), view.incr('n'), view.ping()].map(rejection));
    for (const { error, ms } of results) {
      // Waited for a connection the whole time and never sent: even INCR is safe to resend.
      hasCode('ERR_COMMAND_TIMEOUT', false)(error);
      assert.ok(ms >= 350 && ms < 1500, `rejected after ${ms} ms`);
    }
    const delays = events.reconnecting.map((r) => r.delayMs);
    assert.ok(delays.length >= 3, `only ${delays.length} reconnect attempts in 400 ms`);
    assert.ok(
      delays.every((d) => d >= 0 && d <= 100),
      `a delay above maxReconnectDelayMs: ${delays}`,
    );
    // Jittered between half and all of 20, 40, 80, 100…: the third is always above the first.
    assert.ok(delays[2]! > delays[0]!, `delays do not grow: ${delays}`);
    assert.equal(c.stats().reconnects, 0, 'no reconnect has succeeded yet');
    assert.ok(c.stats().connectErrors >= 3);
    assert.deepEqual(events.errors, [], 'a server that is down is routine, not an error event');

    // The same server "restarted": the same port.
    const second = await fake(undefined, { port });
    assert.equal(await c.echo('back'), 'back');
    assert.equal(second.accepted, 1);
    assert.equal(c.stats().reconnects, 1, 'established again once');
    assert.equal(events.log.filter((e) => e === 'connect').length, 2);
    assert.deepEqual(events.errors, []);
    await c.close();
  });

  test('before the first connect, a refused connection fails the command fast, unsent', async () => {
    const port = await freePort();
    const { c, events } = client(`redis://127.0.0.1:${port}`);
    for (const attempt of [1, 2]) {
      const { error, ms } = await rejection(c.get('k'));
      hasCode('ERR_CONNECTION_CLOSED', false)(error);
      assert.ok(ms < 1000, `attempt ${attempt} rejected after ${ms} ms`);
    }
    assert.deepEqual(events.errors, []);
    c.destroy();
  });
});

describe('the bounded waiting queue', () => {
  /** A client that worked once, whose server is now gone: commands wait in its queue. */
  async function disconnected(
    options: ClientOptions,
  ): Promise<{ c: RespoolClient; events: Watch }> {
    const server = await fake();
    const watched = client({ ...options, url: server.url });
    await watched.c.ping();
    await server.close();
    await until(() => watched.events.closes.length === 1, 'the client to see the connection go');
    return watched;
  }

  test('maxQueuedCommands: 5 of 10 fail at once with ERR_QUEUE_FULL', async () => {
    const { c, events } = await disconnected({ maxQueuedCommands: 5 });
    const view = c.withOptions({ timeoutMs: 300 });
    const calls = Array.from({ length: 10 }, (_, i) => view.get(`k${i}`));
    const flags = calls.map(settledFlag);
    await nextTurn();
    assert.deepEqual(
      flags.map((f) => f.done),
      [false, false, false, false, false, true, true, true, true, true],
      'the five over the limit fail at once; the first five wait',
    );
    for (const call of calls.slice(5)) await assert.rejects(call, hasCode('ERR_QUEUE_FULL', false));
    for (const call of calls.slice(0, 5)) {
      await assert.rejects(call, hasCode('ERR_COMMAND_TIMEOUT', false));
    }
    assert.deepEqual(events.errors, []);
    c.destroy();
  });

  test('maxQueuedBytes: a large value that does not fit fails at once; a small one still fits', async () => {
    const { c, events } = await disconnected({ maxQueuedBytes: 2048 });
    const view = c.withOptions({ timeoutMs: 300 });
    const big = Buffer.alloc(1200, 'x'); // about 1.3 kB queued: one fits, two do not
    const calls = [view.set('a', big), view.set('b', big), view.get('small')];
    const flags = calls.map(settledFlag);
    await nextTurn();
    assert.deepEqual(
      flags.map((f) => f.done),
      [false, true, false],
    );
    await assert.rejects(calls[1]!, hasCode('ERR_QUEUE_FULL', false));
    await assert.rejects(calls[0]!, hasCode('ERR_COMMAND_TIMEOUT', false));
    await assert.rejects(calls[2]!, hasCode('ERR_COMMAND_TIMEOUT', false));
    assert.deepEqual(events.errors, []);
    c.destroy();
  });

  test('an aborted command gives its place in the queue back', async () => {
    const { c } = await disconnected({ maxQueuedCommands: 2, commandTimeoutMs: 0 });
    const controller = new AbortController();
    const view = c.withOptions({ signal: controller.signal });
    const aborted = [view.get('a'), view.get('b')];
    controller.abort();
    for (const call of aborted) await assert.rejects(call, hasCode('ERR_ABORTED'));
    // Both places are free again: this one must wait for its deadline, not be refused.
    const { error } = await rejection(c.withOptions({ timeoutMs: 200 }).get('c'));
    c.destroy();
    hasCode('ERR_COMMAND_TIMEOUT', false)(error);
  });
});

describe('AbortSignal', () => {
  test('aborting a command that hangs: ERR_ABORTED when the signal fires', async () => {
    const server = await fake((cmd) => (cmd[0] === 'GET' ? { hang: true } : undefined));
    const { c, events } = client(server.url);
    await c.ping();
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('caller gave up')), 50);
    const { error, ms } = await rejection(c.withOptions({ signal: controller.signal }).get('k'));
    // It was on the wire: it may have run.
    hasCode('ERR_ABORTED', true)(error);
    assert.equal((error as Error).cause, controller.signal.reason);
    assert.ok(ms >= 40 && ms < 1500, `rejected after ${ms} ms`);
    assert.deepEqual(events.errors, []);
    c.destroy();
  });

  test('an already aborted signal: rejected at once, never sent', async () => {
    const server = await fake();
    const { c, events } = client(server.url);
    await c.ping();
    const signal = AbortSignal.abort();
    const call = c.withOptions({ signal }).get('never-sent');
    const flag = settledFlag(call);
    await Promise.resolve();
    assert.ok(flag.done, 'rejected before any I/O');
    await assert.rejects(call, hasCode('ERR_ABORTED', false));
    assert.equal(await c.echo('round trip'), 'round trip');
    assert.equal(count(server, 'GET'), 0);
    assert.deepEqual(events.errors, []);
    await c.close();
  });
});

describe('events', () => {
  test('connect and ready on first connect; close with an error when the server drops it', async () => {
    let dropNext = false;
    const server = await fake((cmd, conn) => {
      if (cmd[0] === 'ECHO' && dropNext) {
        dropNext = false;
        // An idle connection dropped by the server (its `timeout`, CLIENT KILL): nothing in flight.
        setTimeout(() => conn.destroy(), 10);
        return cmd[1] ?? '';
      }
      return undefined;
    });
    const { c, events } = client(server.url);
    await c.ready();
    assert.deepEqual(events.log, ['connect', 'ready']);
    dropNext = true;
    assert.equal(await c.echo('x'), 'x');
    await until(() => events.closes.length === 1, 'the close event');
    hasCode('ERR_CONNECTION_CLOSED')(events.closes[0]);
    // Nothing had to be resent, so nothing reconnects until the next command.
    assert.deepEqual(events.log, ['connect', 'ready', 'close']);
    assert.equal(await c.echo('y'), 'y');
    assert.deepEqual(events.log, ['connect', 'ready', 'close', 'connect', 'ready']);
    await c.close();
    assert.deepEqual(events.log, ['connect', 'ready', 'close', 'connect', 'ready', 'close']);
    assert.equal(events.closes[1], undefined, 'a close we asked for carries no error');
  });

  test('a protocol violation is an error event when someone listens', async () => {
    const server = await fake((cmd) =>
      cmd[0] === 'GET' ? { raw: 'HTTP/1.1 400 Bad Request\r\n\r\n' } : undefined,
    );
    const { c, events } = client(server.url);
    await assert.rejects(c.get('k'), hasCode('ERR_PROTOCOL', true));
    await until(() => events.errors.length === 1, 'the error event');
    assert.ok(events.errors[0] instanceof ProtocolError, inspect(events.errors[0]));
    assert.equal(await c.ping(), 'PONG');
    await c.close();
  });

  test('a protocol violation with no error listener does not crash the process', async () => {
    const server = await fake((cmd) =>
      cmd[0] === 'GET' ? { raw: 'HTTP/1.1 400 Bad Request\r\n\r\n' } : undefined,
    );
    const { c, events } = client(server.url, { listenForErrors: false });
    await assert.rejects(c.get('k'), hasCode('ERR_PROTOCOL', true));
    await until(() => events.closes.length === 1, 'the close event');
    // Still alive, and the client still works.
    assert.equal(await c.ping(), 'PONG');
    await c.close();
  });
});
