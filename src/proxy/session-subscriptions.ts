/**
 * A proxy client's own subscriptions (channels, patterns, shard channels) and the confirmation
 * frames the server would send it. The upstream side is the hub's (pubsub-hub.ts): one upstream
 * subscription per channel, whoever of the proxy's clients asks for it.
 */
import type { HubKind, HubMember, PubSubHub } from './pubsub-hub.js';
import { pushReply } from './replies.js';

export class SessionSubscriptions {
  /** `kind:name` of every channel, pattern and shard channel subscribed. */
  readonly keys = new Set<string>();

  /** The kind a (P|S)(UN)SUBSCRIBE command is about. */
  static kindOf(command: string): HubKind {
    if (command.startsWith('p')) return 'psubscribe';
    if (command.startsWith('ss') || command.startsWith('sun')) return 'ssubscribe';
    return 'subscribe';
  }

  get size(): number {
    return this.keys.size;
  }

  /** The count the server reports: shard channels apart, channels and patterns together. */
  count(kind: HubKind): number {
    let n = 0;
    for (const key of this.keys) {
      const shard = key.startsWith('ssubscribe:');
      if (kind === 'ssubscribe' ? shard : !shard) n++;
    }
    return n;
  }

  /**
   * Subscribe `member` to `names`: the hub joins to wait for (the server has subscribed once
   * they resolve) and the confirmation frames, one per name as the server sends them.
   */
  join(
    member: HubMember,
    hub: PubSubHub,
    kind: HubKind,
    names: readonly string[],
    protocol: 2 | 3,
  ): { readonly joins: Promise<void>[]; readonly reply: Buffer } {
    const joins: Promise<void>[] = [];
    const frames: Buffer[] = [];
    for (const name of names) {
      const key = `${kind}:${name}`;
      if (!this.keys.has(key)) {
        this.keys.add(key);
        joins.push(hub.join(member, kind, name));
      }
      frames.push(pushReply([kind, name, this.count(kind)], protocol));
    }
    return { joins, reply: Buffer.concat(frames) };
  }

  /** Unsubscribe `names` (every one of `kind` when empty); the confirmation frames. */
  leave(
    member: HubMember,
    hub: PubSubHub,
    verb: string,
    kind: HubKind,
    names: readonly string[],
    protocol: 2 | 3,
  ): Buffer {
    let leaving = names;
    if (leaving.length === 0) {
      const prefix = `${kind}:`;
      leaving = [...this.keys]
        .filter((k) => k.startsWith(prefix))
        .map((k) => k.slice(prefix.length));
    }
    if (leaving.length === 0) return pushReply([verb, null, this.count(kind)], protocol);
    const frames: Buffer[] = [];
    for (const name of leaving) {
      if (this.keys.delete(`${kind}:${name}`)) hub.leave(member, kind, name);
      frames.push(pushReply([verb, name, this.count(kind)], protocol));
    }
    return Buffer.concat(frames);
  }

  /** Leave everything (RESET, the client gone). */
  leaveAll(member: HubMember, hub: PubSubHub): void {
    for (const key of this.keys) {
      const at = key.indexOf(':');
      hub.leave(member, key.slice(0, at) as HubKind, key.slice(at + 1));
    }
    this.keys.clear();
  }
}
