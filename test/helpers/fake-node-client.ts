/**
 * A NodeClient that never touches the network, for testing the cluster's router, redirects,
 * topology and subscriptions: every command it is sent is recorded, and `answer` decides the
 * reply (undefined: the command stays pending until the test replies or takes it back).
 */

import { EventEmitter } from 'node:events';
import type { ClientStats } from '../../src/client/stats.js';
import type { MessageListener, SubscribeKind, Subscription } from '../../src/client/subscriber.js';
import { SubscriptionHandle } from '../../src/client/subscription.js';
import type {
  NodeClient,
  NodeClientEvents,
  NodeClientFactory,
} from '../../src/cluster/node-client.js';
import type { PendingCommand } from '../../src/connection/pending-command.js';
import type { RespValue } from '../../src/protocol/resp-types.js';

/** One live subscription on a fake node. */
export interface FakeSubscription {
  readonly kind: SubscribeKind;
  readonly names: readonly string[];
  readonly listener: MessageListener<string | Buffer>;
  active: boolean;
}

export class FakeNodeClient implements NodeClient {
  readonly address: string;
  readonly host: string;
  readonly port: number;
  readonly events = new EventEmitter<NodeClientEvents>();
  connected = true;
  closed = false;
  /** Every command sent, in order, ASKING and topology queries included. */
  readonly sent: PendingCommand[] = [];
  /** Commands not answered yet. */
  pending: PendingCommand[] = [];
  readonly subscriptions: FakeSubscription[] = [];
  /** What to reply to a command; undefined leaves it pending. Replies arrive asynchronously. */
  answer: (args: string[], cmd: PendingCommand) => RespValue | undefined = () => undefined;
  /** When set, subscribe() rejects with it. */
  subscribeError: Error | undefined;

  constructor(host: string, port: number) {
    this.host = host;
    this.port = port;
    this.address = `${host}:${port}`;
  }

  /** The command names sent, upper-cased (`CLUSTER SHARDS` as `CLUSTER`), topology queries left out. */
  names(): string[] {
    return this.sent.filter((c) => String(c.args[0]) !== 'CLUSTER').map((c) => String(c.args[0]));
  }

  get subscriptionCount(): number {
    return this.subscriptions.filter((s) => s.active).reduce((n, s) => n + s.names.length, 0);
  }

  send(cmd: PendingCommand): void {
    if (this.closed) {
      cmd.fail(new Error(`${this.address} is closed`));
      return;
    }
    this.sent.push(cmd);
    const value = this.answer(cmd.args.map(String), cmd);
    if (value === undefined) {
      this.pending.push(cmd);
      return;
    }
    setImmediate(() => cmd.reply(value));
  }

  /** Answer the oldest pending command. */
  reply(value: RespValue): void {
    const cmd = this.pending.shift();
    if (cmd === undefined) throw new Error(`${this.address}: nothing pending`);
    cmd.reply(value);
  }

  takeWaiting(): PendingCommand[] {
    const waiting = this.pending;
    this.pending = [];
    return waiting;
  }

  runBlocking(): Promise<unknown> {
    return Promise.reject(new Error('not faked'));
  }

  withConnection<T>(): Promise<T> {
    return Promise.reject(new Error('not faked'));
  }

  async subscribe(
    kind: SubscribeKind,
    names: string | readonly string[],
    listener: MessageListener<string | Buffer>,
  ): Promise<Subscription> {
    if (this.subscribeError !== undefined) throw this.subscribeError;
    const sub: FakeSubscription = {
      kind,
      names: typeof names === 'string' ? [names] : [...names],
      listener,
      active: true,
    };
    this.subscriptions.push(sub);
    return new SubscriptionHandle(kind, sub.names, async () => {
      sub.active = false;
    });
  }

  /** Deliver a message to this node's active subscriptions of `kind` on `channel`. */
  publish(kind: SubscribeKind, channel: string, message: string): void {
    for (const s of this.subscriptions)
      if (s.active && s.kind === kind && s.names.includes(channel)) s.listener(message, channel);
  }

  stats(): ClientStats {
    return {} as ClientStats;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  destroy(): void {
    this.closed = true;
  }
}

/** The fake nodes of one test, made on demand by the factory the cluster is given. */
export class FakeNodes {
  readonly #nodes = new Map<number, FakeNodeClient>();
  /** Applied to every node made from now on. */
  answer: (node: FakeNodeClient, args: string[]) => RespValue | undefined = () => undefined;
  /** Nodes made, in order (a retired node made again appears twice). */
  readonly made: FakeNodeClient[] = [];

  readonly factory: NodeClientFactory = (options) => {
    const node = new FakeNodeClient(options.host, options.port);
    node.answer = (args) => this.answer(node, args);
    this.#nodes.set(options.port, node);
    this.made.push(node);
    return node;
  };

  /** The latest node made for `port`. @throws when none was made */
  at(port: number): FakeNodeClient {
    const node = this.#nodes.get(port);
    if (node === undefined) throw new Error(`no node was made for port ${port}`);
    return node;
  }
}

/** A CLUSTER SHARDS reply (RESP2 shape) for shards given as [from, to, primaryPort, ...replicaPorts]. */
export function shardsReply(shards: readonly (readonly number[])[]): RespValue {
  return shards.map(([from, to, primary, ...replicas]) => [
    'slots',
    [from!, to!],
    'nodes',
    [primary!, ...replicas].map((port, i) => [
      'id',
      `node-${port}`,
      'port',
      port,
      'ip',
      '127.0.0.1',
      'endpoint',
      '127.0.0.1',
      'role',
      i === 0 ? 'master' : 'replica',
      'health',
      'online',
    ]),
  ]);
}
