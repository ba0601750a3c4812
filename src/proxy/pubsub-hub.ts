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
import { globMatch } from './glob-match.js';
import { integerReply } from './replies.js';

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
  /** `ready` has resolved: the server counts this subscription in PUBLISH's reply. */
  confirmed: boolean;
  /** A pattern's bytes (PUBLISH matches channels against it); undefined for a channel. */
  readonly pattern: Buffer | undefined;
}

/** Who receives one PUBLISH, as the proxy sees it (`receivers`). */
export interface Receivers {
  /** The hub's own subscriptions the server counted (one per channel and matching pattern). */
  readonly upstream: number;
  /** The proxy's clients the message reaches, counted as the server counts its clients. */
  readonly clients: number;
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
  /** The pattern entries of #channels, which every PUBLISH is matched against. */
  readonly #patterns = new Set<Channel>();
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
      const entry: Channel = {
        members: new Set(),
        ready,
        confirmed: false,
        pattern: kind === 'psubscribe' ? Buffer.from(name) : undefined,
      };
      channel = entry;
      this.#channels.set(key, entry);
      if (entry.pattern !== undefined) this.#patterns.add(entry);
      ready.then(
        () => {
          entry.confirmed = true;
        },
        () => {
          if (this.#channels.get(key) === entry) this.#channels.delete(key);
          this.#patterns.delete(entry);
        },
      );
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
    this.#patterns.delete(channel);
    channel.ready.then(
      (subscription) => subscription.unsubscribe(),
      () => undefined,
    );
  }

  /**
   * Who a PUBLISH (or SPUBLISH) of `channel` reaches through the hub. The server counts the hub's
   * one connection once per channel and matching pattern; the proxy's clients count once each,
   * as they would directly. Only confirmed subscriptions count on both sides: the server counts
   * a subscription once it has confirmed it.
   */
  receivers(kind: 'subscribe' | 'ssubscribe', channel: string): Receivers {
    let upstream = 0;
    let clients = 0;
    const exact = this.#channels.get(`${kind}:${channel}`);
    if (exact?.confirmed === true) {
      upstream++;
      clients += exact.members.size;
    }
    if (kind === 'subscribe' && this.#patterns.size > 0) {
      const bytes = Buffer.from(channel);
      for (const entry of this.#patterns) {
        if (!entry.confirmed || !globMatch(entry.pattern!, bytes)) continue;
        upstream++;
        clients += entry.members.size;
      }
    }
    return { upstream, clients };
  }

  /**
   * The reply of a PUBLISH of `channel` sent to the server the hub subscribes on, for the client:
   * the server's count less the hub's subscriptions it counted, plus the proxy's clients reached.
   * Read when the reply comes: the subscriptions the server counted are the ones then.
   */
  publishReply(kind: 'subscribe' | 'ssubscribe', channel: string): (value: unknown) => Buffer {
    return (value) => {
      const bytes = value as Buffer;
      if (bytes[0] !== 0x3a) return bytes;
      const { upstream, clients } = this.receivers(kind, channel);
      if (upstream === 0) return bytes;
      const n = Number(bytes.toString('latin1', 1, bytes.length - 2));
      return integerReply(Math.max(0, n - upstream) + clients);
    };
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
