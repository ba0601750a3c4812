/**
 * What a node's error reply means for where a command goes next. MOVED sends the command to the
 * named node now and patches that slot in the snapshot (a refresh is asked for, never awaited);
 * ASK sends ASKING + the command to the target without touching the table; a redirect loop
 * (two nodes each naming the other) stops at maxRedirects. LOADING on a replica sends the read
 * to the primary; CLUSTERDOWN and TRYAGAIN are retried with backoff within the deadline.
 */
import { BasicCommand } from '../connection/pending-command.js';
import { MaxRedirectsError, type ReplyError } from '../errors.js';
import type { RoutedCommand } from './cluster-command.js';
import type { NodeClient } from './node-client.js';
import { parseRedirect } from './redirect.js';
import type { ClusterNodeInfo } from './topology.js';

/** What the handler needs of the rest of the cluster. */
export interface RedirectContext {
  readonly maxRedirects: number;
  /** Reads may go to replicas (readFrom is not 'primary'). */
  readonly replicaReads: boolean;
  /** The host of the node serving `slot`, for a redirect that names only a port. */
  hostOf(slot: number): string;
  node(info: { readonly host: string; readonly port: number }): NodeClient;
  /** MOVED: `slot` is served by `node` from now on. */
  moved(slot: number, node: ClusterNodeInfo): void;
  refresh(reason: string, urgent?: boolean): void;
  /** Route the command again from scratch. */
  dispatch(cmd: RoutedCommand): void;
}

export class RedirectHandler {
  readonly #context: RedirectContext;
  /** MOVED/ASK redirects followed (for stats). */
  count = 0;

  constructor(context: RedirectContext) {
    this.#context = context;
  }

  /** Every error reply of a routed command passes here first; true when it took the command. */
  readonly onServerError = (cmd: RoutedCommand, error: ReplyError): boolean => {
    const c = this.#context;
    switch (error.prefix) {
      case 'LOADING':
        if (!c.replicaReads || cmd.primaryOnly) return false;
        // A replica still syncing: the primary can serve the read now.
        cmd.primaryOnly = true;
        c.dispatch(cmd);
        return true;
      case 'CLUSTERDOWN':
        c.refresh('CLUSTERDOWN');
        return cmd.retryTransient();
      case 'TRYAGAIN':
        // A multi-key command during a slot's migration: retried, routed afresh, shortly.
        return cmd.retryTransient();
      case 'MOVED':
      case 'ASK':
        return this.#redirect(cmd, error);
      default:
        return false;
    }
  };

  #redirect(cmd: RoutedCommand, error: ReplyError): boolean {
    const c = this.#context;
    const redirect = parseRedirect(error, c.hostOf(cmd.slot));
    if (redirect === undefined) return false;
    this.count++;
    cmd.hops++;
    if (cmd.hops > c.maxRedirects) {
      // A MOVED loop: stop, and rebuild the table.
      c.refresh('redirect loop', true);
      cmd.fail(
        new MaxRedirectsError(
          `${String(cmd.args[0])} was redirected ${cmd.hops - 1} times (maxRedirects ${c.maxRedirects}); last: ${error.message}`,
          { cause: error },
        ),
      );
      return true;
    }
    const target: ClusterNodeInfo = {
      address: redirect.address,
      host: redirect.host,
      port: redirect.port,
      id: undefined,
    };
    const node = c.node(target);
    if (redirect.kind === 'MOVED') {
      c.moved(redirect.slot, target);
      node.send(cmd);
    } else {
      // ASKING must come right before the command on the same connection: both are queued in
      // this same synchronous step, so nothing can come between them. A node client with
      // several connections (the proxy's, one per protocol) knows which one the command takes.
      if (node.sendAsking !== undefined) node.sendAsking(cmd);
      else {
        node.send(new BasicCommand({ args: ['ASKING'], reply() {}, fail() {} }));
        node.send(cmd);
      }
    }
    return true;
  }
}
