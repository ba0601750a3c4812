/**
 * What the fake-server fault files share: a guard that fails the test in which an unhandled
 * rejection shows up, fake servers and clients tracked for cleanup, and the leak check at the
 * end (once every client is destroyed, no fake server may still hold a connection).
 *
 * Call `useFaultHarness()` once at the top level of a test file: it registers the hooks there.
 */
import assert from 'node:assert/strict';
import { after, afterEach } from 'node:test';
import { setTimeout as delay, setImmediate as nextTurn } from 'node:timers/promises';
import { inspect } from 'node:util';
import { type ErrorCode, isRespoolError, type TransportError } from '../../src/index.js';
import {
  type FakeHandler,
  type FakeServer,
  type FakeServerOptions,
  startFakeServer,
} from './fake-server.js';

export interface FaultHarness {
  /** A fake server, closed after the file (after the leak check). */
  fake(handler?: FakeHandler, options?: FakeServerOptions): Promise<FakeServer>;
  /** A client or connection, destroyed after the file, before the leak check. */
  adopt<T extends { destroy(): void }>(resource: T): T;
}

/** @param leakCheckTimeoutMs How long the final leak check waits for connections to close. */
export function useFaultHarness({ leakCheckTimeoutMs = 2000 } = {}): FaultHarness {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  process.on('unhandledRejection', onUnhandled);
  const servers: FakeServer[] = [];
  const adopted: { destroy(): void }[] = [];

  afterEach(async () => {
    // Rejections are reported after the microtask queue drains; give them a turn to show up.
    await nextTurn();
    const seen = unhandled.splice(0);
    assert.deepEqual(seen, [], `unhandled rejections: ${seen.map((r) => inspect(r)).join('\n')}`);
  });

  after(async () => {
    for (const resource of adopted) resource.destroy();
    const deadline = Date.now() + leakCheckTimeoutMs;
    while (!servers.every((s) => s.connections === 0)) {
      if (Date.now() > deadline) assert.fail('timed out waiting for every connection to close');
      await delay(5);
    }
    await Promise.all(servers.map((s) => s.close()));
    process.off('unhandledRejection', onUnhandled);
  });

  return {
    async fake(handler, options) {
      const server = await startFakeServer(handler, options);
      servers.push(server);
      return server;
    },
    adopt(resource) {
      adopted.push(resource);
      return resource;
    },
  };
}

/** An `assert.rejects` validator: a respool error with this code (and this `written`). */
export function hasCode(code: ErrorCode, written?: boolean): (error: unknown) => true {
  return (error) => {
    assert.ok(isRespoolError(error), `expected a respool error, got ${inspect(error)}`);
    assert.equal(error.code, code, inspect(error));
    if (written !== undefined) assert.equal((error as TransportError).written, written);
    return true;
  };
}
