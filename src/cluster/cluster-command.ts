/**
 * A caller's command on a cluster: the client's PromiseCommand plus what only the cluster
 * tracks about it (the slot it routes by, the redirects it followed, whether a replica refused
 * it), so none of that lives in the client layer.
 */
import {
  type CommandPolicy,
  PromiseCommand,
  type ServerErrorHook,
} from '../client/promise-command.js';
import type { Transform } from '../client/reply-transforms.js';
import type { ClientCounters } from '../client/stats.js';
import type { PendingCommand } from '../connection/pending-command.js';
import type { RespArg } from '../protocol/resp-types.js';

/**
 * What the router and the redirect handler need of a command: where it routes, the redirects it
 * followed, and how to try it again shortly. A ClusterCommand (a caller's awaited command) is
 * one; the proxy's raw relayed commands are another (src/proxy/cluster-command.ts).
 */
export interface RoutedCommand extends PendingCommand {
  /** The slot this command routes by (-1: keyless); computed when first routed. */
  slot: number;
  /** MOVED/ASK redirects followed so far (bounded by maxRedirects). */
  hops: number;
  /** Set when a replica could not serve this read (LOADING): it goes to the primary. */
  primaryOnly: boolean;
  readonly deadline: number;
  readonly timeoutMs: number;
  /** Send it again after a backoff while its deadline allows; false when it does not. */
  retryTransient(): boolean;
}

/** True for a command the router can route again (a node gave it back unwritten). */
export function isRouted(cmd: PendingCommand): cmd is RoutedCommand {
  return typeof (cmd as Partial<RoutedCommand>).hops === 'number';
}

export class ClusterCommand extends PromiseCommand implements RoutedCommand {
  /** The slot this command routes by (-1: keyless); computed when first routed. */
  slot = -1;
  /** MOVED/ASK redirects followed so far (bounded by maxRedirects). */
  hops = 0;
  /** Set when a replica could not serve this read (LOADING): it goes to the primary. */
  primaryOnly = false;

  constructor(
    args: readonly RespArg[],
    policy: CommandPolicy,
    transform: Transform | undefined,
    counters: ClientCounters,
    resend: (cmd: ClusterCommand) => void,
    onServerError: (cmd: ClusterCommand, error: Parameters<ServerErrorHook>[1]) => boolean,
  ) {
    // The hooks are only ever called with this command, a ClusterCommand.
    super(
      args,
      policy,
      transform,
      counters,
      resend as (cmd: PromiseCommand) => void,
      onServerError as ServerErrorHook,
    );
  }
}
