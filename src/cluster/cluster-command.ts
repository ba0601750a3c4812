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
import type { RespArg } from '../protocol/resp-types.js';

export class ClusterCommand extends PromiseCommand {
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
