/**
 * `multi()` on a cluster: MULTI…EXEC on the node serving the one slot all its keys share
 * (ERR_CROSS_SLOT otherwise), retried once after a MOVED abort. It is the client's Multi, sent
 * through a sink that exec() points at the slot's node once the slot is known.
 */
import { type BatchTarget, Multi } from '../client/batch.js';
import type { PendingCommand } from '../connection/pending-command.js';
import {
  ClusterDownError,
  CrossSlotError,
  ReplyError,
  TransactionAbortedError,
} from '../errors.js';
import type { ClusterEngine } from './cluster-engine.js';
import type { NodeClient } from './node-client.js';

/** Where a cluster multi() sends: nowhere until exec() has routed it. */
class RoutedSink {
  node: NodeClient | undefined;

  send(cmd: PendingCommand): void {
    if (this.node === undefined) cmd.fail(new ClusterDownError('not routed', false));
    else this.node.send(cmd);
  }
}

export class ClusterMulti<S extends string | Buffer = string> extends Multi<S> {
  readonly #engine: ClusterEngine;
  readonly #sink: RoutedSink;
  readonly #options: Omit<BatchTarget, 'mux'>;
  /** @internal Set on the one retry after a MOVED abort. */
  retried = false;

  /** @internal */
  constructor(engine: ClusterEngine, options: Omit<BatchTarget, 'mux'>) {
    const sink = new RoutedSink();
    super({ ...options, mux: sink });
    this.#engine = engine;
    this.#sink = sink;
    this.#options = options;
  }

  override async exec(): Promise<unknown[]> {
    const e = this.#engine;
    let slot = -1;
    for (const q of this.queued) {
      const s = e.router.slotOf(q.args);
      if (s === -1) continue;
      if (slot !== -1 && s !== slot) {
        throw new CrossSlotError(
          `multi() keys are in different slots (${slot} and ${s}); use a hash tag so they share one`,
        );
      }
      slot = s;
    }
    await e.ready();
    const node = e.nodeFor(slot, false);
    if (node === undefined) throw new ClusterDownError(`No node serves slot ${slot}`, false);
    this.#sink.node = node;
    try {
      return await super.exec();
    } catch (error) {
      // A transaction aborted because the slot moved never ran: refresh and run it once more.
      const moved =
        error instanceof TransactionAbortedError &&
        error.replies.some(
          (r) => r instanceof ReplyError && (r.prefix === 'MOVED' || r.prefix === 'ASK'),
        );
      if (!moved || this.retried) throw error;
      await e.refresher.now('MOVED inside MULTI').catch(() => undefined);
      // Its queued commands are already prefixed: the retry adds no prefix of its own.
      const again = new ClusterMulti<S>(e, { ...this.#options, keyPrefix: undefined });
      again.retried = true;
      again.queued.push(...this.queued);
      for (const [id, load] of this.preloads) again.preloads.set(id, load);
      return again.exec();
    }
  }
}
