import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as turn } from 'node:timers/promises';
import type { PendingCommand } from '../../src/connection/pending-command.js';
import { type CongestionSink, TurnBatch } from '../../src/proxy/turn-batch.js';
import type { SharedPath } from '../../src/proxy/upstream.js';

/** A path that records what it was sent; idle while nothing it took is unanswered. */
class FakePath implements SharedPath {
  readonly sent: string[] = [];
  inFlight = 0;
  congested = false;
  throws: Error | undefined;

  get idle(): boolean {
    return this.inFlight === 0;
  }

  send(cmd: PendingCommand): boolean {
    if (this.throws !== undefined) throw this.throws;
    this.sent.push(String(cmd.args[0]));
    this.inFlight++;
    return !this.congested;
  }
}

const command = (name: string, failures: Error[] = []): PendingCommand =>
  ({
    args: [name],
    reply() {},
    fail(error: Error) {
      failures.push(error);
    },
  }) as unknown as PendingCommand;

const owner = (): CongestionSink & { congested: number } => ({
  congested: 0,
  sharedCongested() {
    this.congested++;
  },
});

describe('TurnBatch', () => {
  it('sends a request at once when its path is idle and nothing waits in the batch', () => {
    const batch = new TurnBatch();
    const path = new FakePath();
    batch.add(path, command('a'), owner());
    assert.deepEqual(path.sent, ['a']);
    assert.equal(batch.length, 0);
  });

  it('holds requests for a busy path until the turn, then hands them over in order', async () => {
    const batch = new TurnBatch();
    const path = new FakePath();
    path.inFlight = 1;
    const o = owner();
    batch.add(path, command('a'), o);
    batch.add(path, command('b'), o);
    assert.deepEqual(path.sent, []);
    assert.equal(batch.length, 2);
    await turn();
    assert.deepEqual(path.sent, ['a', 'b']);
    assert.equal(batch.length, 0);
  });

  it('sends the first request of an idle path at once and batches the ones after it', async () => {
    const batch = new TurnBatch();
    const path = new FakePath();
    const o = owner();
    batch.add(path, command('a'), o);
    // 'a' is in flight now: the path is busy, so 'b' waits for the turn.
    batch.add(path, command('b'), o);
    assert.deepEqual(path.sent, ['a']);
    await turn();
    assert.deepEqual(path.sent, ['a', 'b']);
  });

  it('never lets a request overtake one queued earlier, even when the path became idle', async () => {
    const batch = new TurnBatch();
    const busy = new FakePath();
    busy.inFlight = 1;
    const idle = new FakePath();
    const o = owner();
    batch.add(busy, command('a'), o);
    // The batch holds 'a': 'b' (same owner, another path that is idle) must wait behind it.
    batch.add(idle, command('b'), o);
    assert.deepEqual(idle.sent, []);
    await turn();
    assert.deepEqual(busy.sent, ['a']);
    assert.deepEqual(idle.sent, ['b']);
  });

  it('tells the owner when a request sent at once or in the turn met a congested path', async () => {
    const batch = new TurnBatch();
    const path = new FakePath();
    path.congested = true;
    const o = owner();
    batch.add(path, command('a'), o);
    assert.equal(o.congested, 1);
    batch.add(path, command('b'), o);
    await turn();
    assert.equal(o.congested, 2);
  });

  it('fails a request whose path throws, at once or in the turn', async () => {
    const batch = new TurnBatch();
    const path = new FakePath();
    path.throws = new Error('bad argument');
    const failures: Error[] = [];
    batch.add(path, command('a', failures), owner());
    assert.equal(failures.length, 1);
    const busy = new FakePath();
    busy.inFlight = 1;
    busy.throws = new Error('bad argument');
    batch.add(busy, command('b', failures), owner());
    assert.equal(failures.length, 1);
    await turn();
    assert.equal(failures.length, 2);
  });
});
