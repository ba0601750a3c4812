/**
 * The handle `subscribe()` resolves with. Besides `unsubscribe()`, it reports the outages of the
 * subscriber connection it rides on: pub/sub is at-most-once, and messages published while the
 * connection was down are lost, so a subscriber that must not miss any needs to know when (to
 * re-read state from elsewhere for that window).
 */
import { EventEmitter } from 'node:events';

export type SubscribeKind = 'subscribe' | 'psubscribe' | 'ssubscribe';

/** One outage of the subscriber connection; times are `Date.now()` milliseconds. */
export interface SubscriberOutage {
  /** When the connection was found closed: messages published from then on were not received. */
  readonly downAt: number;
  /** When every channel was subscribed again: messages are received from then on. */
  readonly upAt: number;
}

export interface SubscriptionEvents {
  /** The subscriber connection closed; the client is subscribing again on a new one. */
  down: [info: { readonly downAt: number; readonly error: Error | undefined }];
  /** Subscribed again after an outage: what was published between the two times is lost. */
  outage: [outage: SubscriberOutage];
}

/** A live subscription; `unsubscribe()` ends it (idempotent). */
export interface Subscription extends EventEmitter<SubscriptionEvents> {
  readonly kind: SubscribeKind;
  readonly channels: readonly string[];
  /** Outages this subscription has lived through, oldest first (ongoing one excluded). */
  readonly outages: readonly SubscriberOutage[];
  unsubscribe(): Promise<void>;
}

/** Outages kept on a subscription; older ones are dropped (the events still fire). */
const MAX_OUTAGES_KEPT = 16;

/** @internal Built by the Subscriber. */
export class SubscriptionHandle extends EventEmitter<SubscriptionEvents> implements Subscription {
  readonly kind: SubscribeKind;
  readonly channels: readonly string[];
  readonly #outages: SubscriberOutage[] = [];
  readonly #unsubscribe: () => Promise<void>;

  constructor(kind: SubscribeKind, channels: readonly string[], unsubscribe: () => Promise<void>) {
    super();
    this.kind = kind;
    this.channels = channels;
    this.#unsubscribe = unsubscribe;
  }

  get outages(): readonly SubscriberOutage[] {
    return this.#outages;
  }

  unsubscribe(): Promise<void> {
    return this.#unsubscribe();
  }

  /** @internal */
  reportDown(downAt: number, error: Error | undefined): void {
    this.emit('down', { downAt, error });
  }

  /** @internal */
  reportUp(outage: SubscriberOutage): void {
    this.#outages.push(outage);
    if (this.#outages.length > MAX_OUTAGES_KEPT) this.#outages.shift();
    this.emit('outage', outage);
  }
}
