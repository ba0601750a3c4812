/**
 * One node of a cluster with the client's full typed API: what `cluster.nodes()` returns, to
 * run a command on every node or every primary (DBSIZE, INFO, FLUSHALL, SCRIPT LOAD, …). It
 * shares the cluster's connection to that node; commands go to this node as given, without
 * routing or redirects (a key another node owns gets its MOVED reply). Its subscriptions stay
 * on this node: use the cluster's subscribe methods for subscriptions that follow their owner.
 *
 * The cluster owns the node: `close()` and `destroy()` here end nothing (close the cluster).
 */
import type { EventEmitter } from 'node:events';
import { inspect } from 'node:util';
import { Multi, Pipeline } from '../client/batch.js';
import { type CallOptions, resolvePolicy } from '../client/call-options.js';
import type { LeaseOptions } from '../client/client.js';
import { ClientFacade } from '../client/client-facade.js';
import type { LeasedConnection } from '../client/leased-connection.js';
import { type CommandPolicy, PromiseCommand } from '../client/promise-command.js';
import type { Transform } from '../client/reply-transforms.js';
import type { ClientCounters, ClientStats } from '../client/stats.js';
import type { MessageListener, SubscribeKind, Subscription } from '../client/subscriber.js';
import { type ClientScope, createClientScope } from '../metrics/client-scope.js';
import type { RespArg } from '../protocol/resp-types.js';
import type { NodeClient, NodeClientEvents } from './node-client.js';

/** Which nodes `cluster.nodes()` returns. */
export type NodeRole = 'primary' | 'replica' | 'all';

export class ClusterNode<S extends string | Buffer = string> extends ClientFacade<
  S,
  NodeClientEvents
> {
  /** `host:port` of the node. */
  readonly address: string;
  /** Its role in the topology when it was handed out. */
  readonly nodeRole: 'primary' | 'replica';
  readonly #node: NodeClient;
  readonly #policy: CommandPolicy;
  readonly #counters: ClientCounters;
  readonly #scope: ClientScope;
  readonly #resend: (cmd: PromiseCommand) => void;

  /** @internal Use `cluster.nodes()`. */
  constructor(
    node: NodeClient,
    role: 'primary' | 'replica',
    policy: CommandPolicy,
    counters: ClientCounters,
    clientId: string,
  ) {
    const scope = createClientScope({
      clientId,
      db: 0,
      host: node.host,
      port: node.port,
      path: undefined,
    });
    super(policy, scope);
    this.address = node.address;
    this.nodeRole = role;
    this.#node = node;
    this.#policy = policy;
    this.#counters = counters;
    this.#scope = scope;
    this.#resend = (cmd) => node.send(cmd);
  }

  protected override _send(args: RespArg[], transform: Transform | undefined): Promise<unknown> {
    return new PromiseCommand(args, this.#policy, transform, this.#counters, this.#resend).start(
      this.#node,
    );
  }

  protected override _runBlocking(
    args: RespArg[],
    transform: Transform | undefined,
    serverTimeoutMs: number | undefined,
  ): Promise<unknown> {
    return this.#node.runBlocking(args, this.#policy, transform, serverTimeoutMs);
  }

  protected override _subscribe(
    kind: SubscribeKind,
    names: string | readonly string[],
    listener: MessageListener<string | Buffer>,
  ): Promise<Subscription> {
    return this.#node.subscribe(kind, names, listener, this.#policy.returnBuffers);
  }

  protected override get _emitter(): EventEmitter {
    return this.#node.events as EventEmitter;
  }

  protected override get _leaks(): EventEmitter {
    return this.#node.events as EventEmitter;
  }

  protected override get _exclusiveHint(): string {
    return 'node.withConnection(async (conn) => conn.call(…))';
  }

  /** A view of this node (same connections) with other per-call options. */
  withOptions(options: CallOptions<true>): ClusterNode<Buffer>;
  withOptions(options: CallOptions<false>): ClusterNode<string>;
  withOptions(options: CallOptions): ClusterNode<string | Buffer>;
  withOptions(options: CallOptions): ClusterNode<string | Buffer> {
    return new ClusterNode(
      this.#node,
      this.nodeRole,
      resolvePolicy(options, this.#policy),
      this.#counters,
      this.#scope.clientId,
    );
  }

  /** An exclusive connection to this node (WATCH/MULTI/EXEC, a series of blocking commands). */
  withConnection<T>(
    fn: (connection: LeasedConnection<S>) => T | Promise<T>,
    options: LeaseOptions = {},
  ): Promise<T> {
    return this.#node.withConnection(fn, this.#policy, {
      signal: options.signal,
      timeoutMs: options.acquireTimeoutMs,
    });
  }

  pipeline(): Pipeline<S> {
    return new Pipeline<S>({ mux: this.#node, ...this.#batchOptions() });
  }

  multi(): Multi<S> {
    return new Multi<S>({ mux: this.#node, ...this.#batchOptions() });
  }

  #batchOptions() {
    return {
      returnBuffers: this.#policy.returnBuffers,
      scope: this.#scope,
      timeoutMs: this.#policy.timeoutMs,
      keyPrefix: this.#policy.keyPrefix,
    };
  }

  stats(): ClientStats {
    return this.#node.stats();
  }

  /** The cluster owns this node's connections: nothing to close here (close the cluster). */
  close(): Promise<void> {
    return Promise.resolve();
  }

  /** The cluster owns this node's connections: nothing to destroy here. */
  destroy(): void {}

  [inspect.custom](): string {
    return `ClusterNode { address: '${this.address}', role: '${this.nodeRole}' }`;
  }
}
