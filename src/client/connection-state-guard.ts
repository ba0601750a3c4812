/**
 * Where a state-changing command may not run, and what to say instead. The commands layer
 * answers what a command does to its connection (`connectionStateChange`); this file turns that
 * into a refusal for the two places that must refuse: the shared multiplexed connection (client
 * and cluster `call()`, and their `pipeline()`/`multi()` builders) and a lease (subscriber mode,
 * which has its own API).
 */

import { isBlocking } from '../commands/classify.js';
import { type ConnectionStateChange, connectionStateChange } from '../commands/connection-state.js';
import { getCommandSpecForArgs } from '../commands/table.js';
import { ConnectionStateError } from '../errors.js';
import type { RespArg } from '../protocol/resp-types.js';

/** How the client spells a lease in messages; the cluster's takes a routing key. */
export const CLIENT_LEASE = 'client.withConnection(async (conn) => conn.call(…))';
export const CLUSTER_LEASE = 'cluster.withConnection(key, async (conn) => conn.call(…))';

/**
 * The error for a command that would change the state of a connection other callers share, or
 * undefined when it may run there. `lease` is how the caller gets a connection of its own.
 */
export function sharedConnectionRefusal(
  args: readonly RespArg[],
  lease: string = CLIENT_LEASE,
): ConnectionStateError | undefined {
  const change = connectionStateChange(args);
  if (!change.pinsConnection) return undefined;
  const command = displayName(args);
  return new ConnectionStateError(
    command,
    change.kind,
    `${command} cannot run on the shared multiplexed connection: it changes the ${stateText(change)} of the connection every caller shares; ${instead(change, lease)}`,
  );
}

/** The error for a command a lease cannot run (subscriber mode), or undefined. */
export function leaseRefusal(args: readonly RespArg[]): ConnectionStateError | undefined {
  const change = connectionStateChange(args);
  if (change.kind !== 'subscriber') return undefined;
  const command = displayName(args);
  return new ConnectionStateError(
    command,
    change.kind,
    `${command} is not available on a lease: subscriber mode turns replies into pushes; use client.subscribe(), psubscribe() or ssubscribe()`,
  );
}

/** `CLIENT NO-EVICT` for a subcommand the table knows, else the upper-cased name. */
function displayName(args: readonly RespArg[]): string {
  const name = String(args[0]).toUpperCase();
  const spec = getCommandSpecForArgs(args);
  return spec?.parent === undefined ? name : `${name} ${String(args[1]).toUpperCase()}`;
}

const DESCRIPTIONS: Readonly<Record<ConnectionStateChange['kind'], string>> = {
  none: 'nothing',
  transaction: 'transaction state',
  watch: 'watched keys',
  database: 'selected database',
  identity: 'name',
  subscriber: 'mode (subscriber mode)',
  session: 'protocol or user',
  'reply-mode': 'reply mode',
  tracking: 'client-side caching (tracking) state',
  eviction: 'eviction and LRU/LFU treatment',
  'replica-reads': 'replica-read mode',
  asking: 'redirection (ASKING) flag',
  monitor: 'mode (MONITOR feed)',
  replication: 'mode (replication stream)',
  lifetime: 'whole state (it resets or closes it)',
};

function stateText(change: ConnectionStateChange): string {
  return DESCRIPTIONS[change.kind];
}

function instead(change: ConnectionStateChange, lease: string): string {
  switch (change.kind) {
    case 'transaction':
      return `use multi(), or a lease for WATCH … MULTI … EXEC: ${lease}`;
    case 'watch':
      return `WATCH needs a connection of its own: ${lease}`;
    case 'subscriber':
      return 'use subscribe(), psubscribe() or ssubscribe()';
    default:
      return `run it on a connection of your own (a lease): ${lease}`;
  }
}

/**
 * For `call()` on a batch builder bound to a shared connection: throws the refusal of a
 * state-changing command, and answers `blocking` for a blocking one (the builder's `_block`
 * decides: a pipeline refuses it, a transaction queues it) or `ok`.
 */
export function checkSharedBatchCall(
  args: readonly RespArg[],
  lease: string = CLIENT_LEASE,
): 'blocking' | 'ok' {
  if (isBlocking(args)) return 'blocking';
  const refusal = sharedConnectionRefusal(args, lease);
  if (refusal !== undefined) throw refusal;
  return 'ok';
}
