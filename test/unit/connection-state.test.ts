/**
 * The connection-state predicate (commands/connection-state.ts) over the whole command table,
 * and the three places that ask it: the lease's undo list (LeaseState), the shared-connection
 * refusal (client and cluster call(), their batches), and RESP2 subscriber frames.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LeaseState } from '../../src/client/lease-state.js';
import { requiresExclusive } from '../../src/commands/classify.js';
import {
  connectionStateChange,
  inStateFamily,
  listStatefulCommands,
  NO_STATE_CHANGE,
  STATELESS_CONNECTION_COMMANDS,
  specStateChange,
} from '../../src/commands/connection-state.js';
import { listCommandSpecs } from '../../src/commands/table.js';
import { isPubSubArray } from '../../src/connection/pubsub-frames.js';
import { ConnectionStateError, createClient, createCluster } from '../../src/index.js';
import { LIBRARY_NAME, LIBRARY_VERSION } from '../../src/version.js';

const split = (line: string): string[] => line.split(' ');

/** Arguments that make each stateful command well-formed (for the refusal walk). */
function sampleArgs(name: string): string[] {
  const [head, sub] = name.toUpperCase().split('|') as [string, string | undefined];
  const tail: Record<string, string[]> = {
    SELECT: ['1'],
    WATCH: ['k'],
    SUBSCRIBE: ['ch'],
    PSUBSCRIBE: ['ch*'],
    SSUBSCRIBE: ['ch'],
    AUTH: ['pw'],
    HELLO: ['3'],
    'CLIENT SETNAME': ['x'],
    'CLIENT SETINFO': ['LIB-NAME', 'x'],
    'CLIENT REPLY': ['OFF'],
    'CLIENT TRACKING': ['ON'],
    'CLIENT CACHING': ['YES'],
    'CLIENT NO-EVICT': ['ON'],
    'CLIENT NO-TOUCH': ['ON'],
    PSYNC: ['?', '-1'],
  };
  const key = sub === undefined ? head : `${head} ${sub}`;
  return [...(sub === undefined ? [head] : [head, sub]), ...(tail[key] ?? [])];
}

describe('connectionStateChange over the whole command table', () => {
  it('classifies every command: each of the state families is listed stateful or stateless', () => {
    const specs = listCommandSpecs();
    assert.ok(specs.length > 300, 'the whole generated table, with the supplement');
    const unclassified: string[] = [];
    for (const spec of specs) {
      const change = specStateChange(spec);
      const listedStateless = STATELESS_CONNECTION_COMMANDS.has(spec.name);
      assert.ok(!(listedStateless && change !== NO_STATE_CHANGE), `${spec.name} is in both lists`);
      if (inStateFamily(spec) && change === NO_STATE_CHANGE && !listedStateless) {
        unclassified.push(spec.name);
      }
    }
    assert.deepEqual(unclassified, [], 'connection/transaction/pubsub commands nobody classified');
    const names = new Set(specs.map((s) => s.name));
    for (const name of STATELESS_CONNECTION_COMMANDS) assert.ok(names.has(name), name);
  });

  it('lists exactly these stateful commands, each with its state and undo', () => {
    const table = Object.fromEntries(
      listStatefulCommands().map((name) => {
        const c = connectionStateChange(sampleArgs(name));
        return [name, `${c.kind} ${c.enters ? 'enters' : 'leaves'} ${c.undo}`];
      }),
    );
    assert.deepEqual(table, {
      asking: 'asking enters destroy',
      auth: 'session enters destroy',
      'client|caching': 'tracking enters destroy',
      'client|no-evict': 'eviction enters destroy',
      'client|no-touch': 'eviction enters destroy',
      'client|reply': 'reply-mode enters destroy',
      'client|setinfo': 'identity enters setinfo',
      'client|setname': 'identity enters setname',
      'client|tracking': 'tracking enters destroy',
      discard: 'transaction leaves nothing',
      exec: 'transaction leaves nothing',
      hello: 'session enters destroy',
      monitor: 'monitor enters destroy',
      multi: 'transaction enters discard',
      psubscribe: 'subscriber enters unsubscribe',
      psync: 'replication enters destroy',
      punsubscribe: 'subscriber leaves nothing',
      quit: 'lifetime enters destroy',
      readonly: 'replica-reads enters destroy',
      readwrite: 'replica-reads enters destroy',
      reset: 'lifetime enters destroy',
      select: 'database enters select',
      ssubscribe: 'subscriber enters unsubscribe',
      subscribe: 'subscriber enters unsubscribe',
      sunsubscribe: 'subscriber leaves nothing',
      sync: 'replication enters destroy',
      unsubscribe: 'subscriber leaves nothing',
      unwatch: 'watch leaves nothing',
      watch: 'watch enters unwatch',
    });
  });

  it('every stateful command but a name change pins its connection; the rest pin nothing', () => {
    for (const spec of listCommandSpecs()) {
      const change = specStateChange(spec);
      const expected = change.kind !== 'none' && change.kind !== 'identity';
      assert.equal(change.pinsConnection, expected, spec.name);
      if (expected) assert.equal(requiresExclusive(sampleArgs(spec.name)), true, spec.name);
    }
  });

  it('reads arguments only where they matter: SELECT’s database, any case, Buffers', () => {
    assert.equal(connectionStateChange(['select', '3']).undo, 'select');
    assert.equal(connectionStateChange(['SELECT', 3]).undo, 'select');
    assert.equal(connectionStateChange(['SELECT', 'x']).undo, 'destroy');
    assert.equal(connectionStateChange(['SELECT', '']).undo, 'destroy');
    assert.equal(connectionStateChange([Buffer.from('client'), 'no-evict', 'on']).kind, 'eviction');
    assert.equal(connectionStateChange(['CLIENT', 'LIST']), NO_STATE_CHANGE);
    assert.equal(connectionStateChange(['NOSUCHCMD2']), NO_STATE_CHANGE);
    assert.equal(connectionStateChange([]), NO_STATE_CHANGE);
  });
});

describe('LeaseState asks the predicate', () => {
  const undo = (...lines: string[]): unknown => {
    const state = new LeaseState(2, 'app');
    for (const line of lines) state.observe(split(line));
    return state.resetCommands();
  };

  it('undoes what can be undone, in one list', () => {
    assert.deepEqual(undo('GET k', 'PING'), []);
    assert.deepEqual(undo('MULTI', 'SET k v'), [['DISCARD']]);
    assert.deepEqual(undo('WATCH k'), [['UNWATCH']]);
    assert.deepEqual(undo('WATCH k', 'MULTI', 'EXEC'), []);
    assert.deepEqual(undo('WATCH k', 'UNWATCH'), []);
    assert.deepEqual(undo('SELECT 5'), [['SELECT', 2]]);
    assert.deepEqual(undo('SELECT 5', 'SELECT 2'), []);
    assert.deepEqual(undo('CLIENT SETNAME other'), [['CLIENT', 'SETNAME', 'app']]);
    assert.deepEqual(undo('CLIENT SETINFO LIB-NAME other'), [
      ['CLIENT', 'SETINFO', 'LIB-NAME', LIBRARY_NAME],
      ['CLIENT', 'SETINFO', 'LIB-VER', LIBRARY_VERSION],
    ]);
  });

  it('gives up (destroy) on every state it cannot undo', () => {
    for (const name of listStatefulCommands()) {
      if (connectionStateChange(sampleArgs(name)).undo !== 'destroy') continue;
      assert.equal(undo(sampleArgs(name).join(' ')), undefined, name);
    }
    assert.equal(undo('SELECT x'), undefined);
    assert.equal(undo('SUBSCRIBE ch'), undefined);
  });
});

describe('RESP2 subscriber frames', () => {
  it('are messages, or confirmations headed by a subscriber-mode command', () => {
    for (const head of ['message', 'pmessage', 'smessage', 'subscribe', 'sunsubscribe']) {
      assert.equal(isPubSubArray([head, 'ch', 1]), true, head);
      assert.equal(isPubSubArray([Buffer.from(head), 'ch', 1]), true, head);
    }
    for (const head of ['pong', 'publish', 'get', 1]) {
      assert.equal(isPubSubArray([head, 'x']), false, String(head));
    }
  });
});

describe('the shared connection refuses state changes (no server needed)', () => {
  it('client.call, pipeline().call and multi().call, with a typed error naming the lease', async () => {
    // Never connected: the refusal comes before anything is sent.
    const client = createClient({ port: 1, connectTimeoutMs: 50 });
    try {
      const error = await client.call('CLIENT', 'NO-EVICT', 'ON').then(
        () => assert.fail('accepted'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof ConnectionStateError);
      assert.equal(error.code, 'ERR_INVALID_ARGUMENT');
      assert.equal(error.command, 'CLIENT NO-EVICT');
      assert.equal(error.state, 'eviction');
      assert.match(error.message, /shared multiplexed connection.*withConnection/);
      for (const name of listStatefulCommands()) {
        const args = sampleArgs(name);
        if (!connectionStateChange(args).pinsConnection) continue;
        const [head, ...rest] = args as [string, ...string[]];
        await assert.rejects(client.call(head, ...rest), ConnectionStateError, name);
        assert.throws(() => client.pipeline().call(head, ...rest), ConnectionStateError, name);
        assert.throws(() => client.multi().call(head, ...rest), ConnectionStateError, name);
      }
      assert.throws(() => client.multi().call('SUBSCRIBE', 'ch'), /subscribe\(\)/);
      assert.throws(() => client.pipeline().call('BLPOP', 'q', '0'), {
        code: 'ERR_INVALID_ARGUMENT',
      });
      assert.equal(client.multi().call('BLPOP', 'q', '0').length, 1, 'MULTI does not block');
      assert.equal(client.pipeline().call('CLIENT', 'SETNAME', 'x').length, 1);
    } finally {
      client.destroy();
    }
  });

  it('the cluster’s call, pipeline().call and multi().call alike', async () => {
    const cluster = createCluster({ nodes: ['redis://127.0.0.1:1'], connectTimeoutMs: 50 });
    try {
      await assert.rejects(cluster.call('CLIENT', 'NO-EVICT', 'ON'), {
        name: 'ConnectionStateError',
        message: /cluster\.withConnection\(key/,
      });
      assert.throws(() => cluster.pipeline().call('SELECT', '1'), ConnectionStateError);
      assert.throws(() => cluster.multi().call('MONITOR'), ConnectionStateError);
      assert.throws(() => cluster.pipeline().call('BLPOP', 'q', '0'), /blocks/);
    } finally {
      await cluster.close().catch(() => undefined);
    }
  });
});
