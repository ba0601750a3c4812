/**
 * Where each command goes. The slot of its keys (all must share it: ERR_CROSS_SLOT otherwise);
 * keyless commands go to the primary serving slot 0 (a fixed, documented choice: any primary can
 * answer them, and a fixed one keeps per-node caches warm). Read-only commands go to a replica
 * when readFrom is 'replica-preferred' and the shard has one. A command whose slot nobody serves
 * yet is parked until a snapshot serves it, or its deadline passes.
 */
import type { CommandPolicy } from '../client/promise-command.js';
import type { Transform } from '../client/reply-transforms.js';
import type { ClientCounters } from '../client/stats.js';
import { isReadOnly } from '../commands/classify.js';
import { getKeyIndexes } from '../commands/keys.js';
import type { PendingCommand } from '../connection/pending-command.js';
import { ClientClosedError, ClusterDownError, CrossSlotError, type ReplyError } from '../errors.js';
import type { RespArg } from '../protocol/resp-types.js';
import { Deadlines } from '../util/deadlines.js';
import { ClusterCommand, isRouted, type RoutedCommand } from './cluster-command.js';
import type { NodeClient } from './node-client.js';
import type { RandomIndex } from './shuffle.js';
import { keySlot } from './slot.js';
import type { Topology } from './topology.js';

/** What the router needs of the rest of the cluster. */
export interface RouterContext {
  readonly replicaReads: boolean;
  readonly counters: ClientCounters;
  topology(): Topology | undefined;
  node(info: { readonly host: string; readonly port: number }): NodeClient;
  /** Ask for a refresh: a command is waiting for a slot nobody serves. */
  refresh(reason: string, urgent: boolean): void;
  readonly closed: boolean;
  /** Picks a replica among several. */
  readonly randomIndex: RandomIndex;
  /** Every error reply of a routed command passes here first (redirect-handler.ts). */
  readonly onServerError: (cmd: RoutedCommand, error: ReplyError) => boolean;
}

export class Router {
  readonly #context: RouterContext;
  /** Commands waiting for a topology (before the first one, or for a slot nobody serves). */
  #parked: RoutedCommand[] = [];
  /**
   * Deadlines of the parked commands, on the one deadline structure (util/deadlines.ts). Ref'd:
   * a caller waits on each, which must keep the process alive (as a socket would) until it is
   * routed or fails. A parked command without a deadline holds no timer.
   */
  readonly #parkedDeadlines = new Deadlines<RoutedCommand>((cmd) => this.#expireParked(cmd), {
    ref: true,
  });

  /** Resend a command (transient replies, redirects): route it again. */
  readonly dispatch = (cmd: RoutedCommand): void => this.#dispatch(cmd);

  constructor(context: RouterContext) {
    this.#context = context;
  }

  /** Route a caller's command; its Promise settles with the reply. */
  run(args: RespArg[], policy: CommandPolicy, transform: Transform | undefined): Promise<unknown> {
    const cmd = new ClusterCommand(
      args,
      policy,
      transform,
      this.#context.counters,
      this.dispatch,
      this.#context.onServerError,
    );
    return cmd.start(this);
  }

  /** As a command sink (PromiseCommand.start). @throws CrossSlotError before anything is sent */
  send(cmd: ClusterCommand): void {
    this.#dispatch(cmd);
  }

  /** The slot of a command's keys; -1 for keyless commands. @throws CrossSlotError */
  slotOf(args: readonly RespArg[]): number {
    const indexes = getKeyIndexes(args, { includeNotKeys: true });
    let slot = -1;
    for (const i of indexes) {
      const s = keySlot(args[i]!);
      if (slot !== -1 && s !== slot) {
        throw new CrossSlotError(
          `${String(args[0]).toUpperCase()} has keys in different slots (${slot} and ${s}); use a hash tag such as {user1}:a and {user1}:b, or the splitting helpers (mget, mset, del, exists, unlink)`,
        );
      }
      slot = s;
    }
    return slot;
  }

  /** The node for `slot` (its primary, or a replica for reads when configured). */
  nodeFor(slot: number, readOnly: boolean): NodeClient | undefined {
    const c = this.#context;
    const topology = c.topology();
    if (topology === undefined) return undefined;
    const s = slot === -1 ? 0 : slot;
    let info = topology.primaryFor(s);
    if (info === undefined) return undefined;
    if (readOnly && c.replicaReads) {
      const replicas = topology.replicasFor(s);
      if (replicas.length > 0) info = replicas[c.randomIndex(replicas.length)]!;
    }
    return c.node(info);
  }

  #dispatch(cmd: RoutedCommand): void {
    const c = this.#context;
    if (cmd.settled) return;
    if (c.closed) {
      cmd.fail(new ClientClosedError('The cluster client is closed'));
      return;
    }
    if (cmd.slot === -1 && cmd.hops === 0) cmd.slot = this.slotOf(cmd.args);
    const toReplica = c.replicaReads && !cmd.primaryOnly && isReadOnly(cmd.args);
    const node = this.nodeFor(cmd.slot, toReplica);
    if (node === undefined) {
      this.#park(cmd);
      return;
    }
    node.send(cmd);
  }

  /** A command a retired node gave back: callers' commands are routed again. */
  reroute(cmd: PendingCommand): void {
    // Internal one-off commands (a topology query, ASKING) belong to that node.
    if (isRouted(cmd)) this.#dispatch(cmd);
    else
      cmd.fail(
        new ClusterDownError('The node this command waited for stopped serving slots', false),
      );
  }

  /** A new snapshot is in place: parked commands try again. */
  routeParked(): void {
    const parked = this.#parked;
    this.#parked = [];
    this.#parkedDeadlines.clear();
    for (const cmd of parked) this.#dispatch(cmd);
  }

  failParked(error: Error): void {
    const parked = this.#parked;
    this.#parked = [];
    this.#parkedDeadlines.clear();
    for (const cmd of parked) cmd.fail(error);
  }

  stop(error: Error): void {
    this.failParked(error);
  }

  /** Hold a command until a topology serves its slot (or its deadline passes). */
  #park(cmd: RoutedCommand): void {
    this.#parked.push(cmd);
    this.#context.refresh(
      this.#context.topology() === undefined ? 'startup' : `slot ${cmd.slot} unserved`,
      true,
    );
    if (cmd.deadline > 0) this.#parkedDeadlines.add(cmd, cmd.deadline);
  }

  /** A parked command's deadline passed before any node served its slot. */
  #expireParked(cmd: RoutedCommand): void {
    const i = this.#parked.indexOf(cmd);
    if (i === -1) return;
    this.#parked.splice(i, 1);
    cmd.fail(
      new ClusterDownError(
        `No node served slot ${cmd.slot} within ${cmd.timeoutMs} ms; the command was not sent`,
        false,
      ),
    );
  }
}
