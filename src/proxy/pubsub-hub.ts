/**
 * Pub/sub for every client of the proxy over one upstream subscriber connection: the server is
 * told about a channel (or pattern) once, when the first client subscribes to it, and told to
 * forget it when the last one leaves. Each message is encoded once per protocol and the same
 * bytes are written to every subscribed client (RESP2: an array; RESP3: a push frame, which
 * differs only in its first byte).
 *
 * Built on the engine's Subscriber: its connection is leased from the bounded pool (so it counts
 * in the budget), and a lost connection is replaced and every live channel subscribed again.
 */
import type { MessageListener, Subscriber, Subscription } from '../client/subscriber.js';

export type HubKind = 'subscribe' | 'psubscribe' | 'ssubscribe';

/** A subscribed client: gets each message as the bytes for its protocol. */
export interface HubMember {
  readonly protocol: 2 | 3;
  deliver(frame: Buffer): void;
}

interface Channel {
  readonly members: Set<HubMember>;
  /** Resolves once the server confirmed the subscription. */
  readonly ready: Promise<Subscription>;
}

const MESSAGE: Record<HubKind, string> = {
  subscribe: 'message',
  psubscribe: 'pmessage',
  ssubscribe: 'smessage',
};

/** Where the hub subscribes: one server's Subscriber, or a cluster's subscriptions. */
export type HubSource = Pick<Subscriber, 'subscribe'>;

export class PubSubHub {
  readonly #subscriber: HubSource;
  /** `kind:name` → members. */
  readonly #channels = new Map<string, Channel>();
  #messages = 0;

  constructor(subscriber: HubSource) {
    this.#subscriber = subscriber;
  }

  /** Channels and patterns subscribed upstream. */
  get channelCount(): number {
    return this.#channels.size;
  }

  /** Messages received from the server (each fanned out to every member). */
  get messages(): number {
    return this.#messages;
  }

  /** Add `member` to a channel; resolves once the server is subscribed to it. */
  join(member: HubMember, kind: HubKind, name: string): Promise<void> {
    const key = `${kind}:${name}`;
    let channel = this.#channels.get(key);
    if (channel === undefined) {
      const listener: MessageListener<string | Buffer> = (message, ch, pattern) =>
        this.#fanOut(key, kind, message as Buffer, ch, pattern);
      const ready = this.#subscriber.subscribe(kind, name, listener, true);
      channel = { members: new Set(), ready };
      this.#channels.set(key, channel);
      ready.catch(() => {
        if (this.#channels.get(key) === channel) this.#channels.delete(key);
      });
    }
    channel.members.add(member);
    return channel.ready.then(() => undefined);
  }

  /** Remove `member` from a channel; the last one out unsubscribes upstream. */
  leave(member: HubMember, kind: HubKind, name: string): void {
    const key = `${kind}:${name}`;
    const channel = this.#channels.get(key);
    if (channel === undefined || !channel.members.delete(member)) return;
    if (channel.members.size > 0) return;
    this.#channels.delete(key);
    channel.ready.then(
      (subscription) => subscription.unsubscribe(),
      () => undefined,
    );
  }

  #fanOut(
    key: string,
    kind: HubKind,
    message: Buffer,
    channel: string,
    pattern: string | undefined,
  ): void {
    const entry = this.#channels.get(key);
    if (entry === undefined || entry.members.size === 0) return;
    this.#messages++;
    const parts: (string | Buffer)[] =
      pattern === undefined
        ? [MESSAGE[kind], channel, message]
        : [MESSAGE[kind], pattern, channel, message];
    const resp2 = encodeArray(parts);
    let resp3: Buffer | undefined;
    for (const member of entry.members) {
      if (member.protocol === 2) {
        member.deliver(resp2);
      } else {
        // RESP3's push frame is the same bytes with `>` for `*`; built only if someone needs it.
        resp3 ??= pushOf(resp2);
        member.deliver(resp3);
      }
    }
  }
}

/** A RESP array of blob strings. */
export function encodeArray(parts: readonly (string | Buffer)[]): Buffer {
  const chunks: Buffer[] = [Buffer.from(`*${parts.length}\r\n`)];
  for (const part of parts) {
    const body = typeof part === 'string' ? Buffer.from(part) : part;
    chunks.push(Buffer.from(`$${body.length}\r\n`), body, CRLF);
  }
  return Buffer.concat(chunks);
}

/** The RESP3 push frame for a RESP2 array of the same elements. */
export function pushOf(array: Buffer): Buffer {
  const out = Buffer.from(array);
  out[0] = 0x3e; // '>'
  return out;
}

const CRLF = Buffer.from('\r\n');
