/**
 * The cluster's pub/sub: SUBSCRIBE and PSUBSCRIBE reach every node (classic channels are
 * cluster-wide), so they share the connection of one node, the primary of slot 0; SSUBSCRIBE
 * channels live on the node serving their slot.
 */
import type { MessageListener, SubscribeKind, Subscription } from '../client/subscriber.js';
import { ClusterDownError, CrossSlotError } from '../errors.js';
import type { NodeClient } from './node-client.js';
import { keySlot } from './slot.js';

/** What the cluster reports about a subscription that had to move (docs/cluster.md, Pub/sub). */
export interface SubscriptionEvents {
  /** Its node stopped delivering (lost, or no longer the channel's owner); `at` is Date.now(). */
  subscriptionDown: [
    info: {
      kind: SubscribeKind;
      channels: readonly string[];
      node: string;
      reason: string;
      at: number;
    },
  ];
  /** Subscribed again on `node`; messages published during the `downMs` between were lost. */
  subscriptionUp: [
    info: { kind: SubscribeKind; channels: readonly string[]; node: string; downMs: number },
  ];
}

/** What the subscriptions need of the cluster. */
export interface SubscriptionHost {
  ready(): Promise<void>;
  nodeFor(slot: number, readOnly: boolean): NodeClient | undefined;
}

export class ClusterSubscriptions {
  readonly #host: SubscriptionHost;

  constructor(host: SubscriptionHost, _events: unknown) {
    this.#host = host;
  }

  async subscribe(
    kind: SubscribeKind,
    names: string | readonly string[],
    listener: MessageListener<string | Buffer>,
    buffers: boolean,
  ): Promise<Subscription> {
    let slot = 0;
    if (kind === 'ssubscribe') {
      const list = typeof names === 'string' ? [names] : [...names];
      const slots = new Set(list.map((c) => keySlot(c)));
      if (slots.size !== 1)
        throw new CrossSlotError('SSUBSCRIBE channels must share one slot (use a hash tag)');
      slot = [...slots][0]!;
    }
    await this.#host.ready();
    const node = this.#host.nodeFor(slot, false);
    if (node === undefined) throw new ClusterDownError(`No node serves slot ${slot}`, false);
    return node.subscribe(kind, names, listener, buffers);
  }

  follow(_reason: string): void {}

  async close(): Promise<void> {}
}
