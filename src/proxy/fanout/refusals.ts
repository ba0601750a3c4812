/**
 * Commands a proxy in front of many nodes refuses, with the reason in plain words, because no
 * single node can answer them for the whole data set and no merge makes sense: they address one
 * server's state (its databases, persistence, replication, the running script) or move data
 * between databases. Where Redis itself has a message for the case, the text is Redis's, so
 * clients that look for it (cluster detection probes CLUSTER and expects "cluster support
 * disabled" from an ordinary server) behave as they would against one server.
 *
 * Commands the proxy answers itself (PING, CLIENT …, SELECT 0, QUIT, HELLO, AUTH) and commands
 * that need a lease (MULTI, WATCH, blocking pops) are the session's business, not this list's.
 * Pure.
 */
import { errorFrame } from './reply-frames.js';

/** What stands behind the proxy: one Redis Cluster, or standalone shards. */
export type UpstreamShape = 'cluster' | 'shards';

const NOT_A_CLUSTER = 'ERR This instance has cluster support disabled';

const oneServer = (what: string): string =>
  `ERR ${what} is not supported through respool proxy: the data is spread over several servers; send it to each server directly`;

/** Refused in both shapes. */
const REFUSED: ReadonlyMap<string, string> = new Map([
  ['MOVE', 'ERR MOVE is not supported through respool proxy: only database 0 is served'],
  ['SWAPDB', 'ERR SWAPDB is not supported through respool proxy: only database 0 is served'],
  ['MIGRATE', oneServer('MIGRATE')],
  ['WAIT', oneServer('WAIT')],
  ['WAITAOF', oneServer('WAITAOF')],
  ['RANDOMKEY', oneServer('RANDOMKEY')],
  ['SCRIPT KILL', oneServer('SCRIPT KILL')],
  ['FUNCTION KILL', oneServer('FUNCTION KILL')],
  ['FUNCTION DUMP', oneServer('FUNCTION DUMP')],
  ['FUNCTION RESTORE', oneServer('FUNCTION RESTORE')],
  ['FUNCTION DELETE', oneServer('FUNCTION DELETE')],
  ['SCRIPT EXISTS', oneServer('SCRIPT EXISTS')],
  ['SAVE', oneServer('SAVE')],
  ['BGSAVE', oneServer('BGSAVE')],
  ['BGREWRITEAOF', oneServer('BGREWRITEAOF')],
  ['LASTSAVE', oneServer('LASTSAVE')],
  ['SHUTDOWN', oneServer('SHUTDOWN')],
  ['REPLICAOF', oneServer('REPLICAOF')],
  ['SLAVEOF', oneServer('SLAVEOF')],
  ['FAILOVER', oneServer('FAILOVER')],
  ['SYNC', oneServer('SYNC')],
  ['PSYNC', oneServer('PSYNC')],
  ['DEBUG', oneServer('DEBUG')],
  ['CONFIG SET', oneServer('CONFIG SET')],
  ['CONFIG REWRITE', oneServer('CONFIG REWRITE')],
  ['CONFIG RESETSTAT', oneServer('CONFIG RESETSTAT')],
  ['MONITOR', oneServer('MONITOR')],
  ['LATENCY RESET', oneServer('LATENCY RESET')],
  ['SLOWLOG RESET', oneServer('SLOWLOG RESET')],
  ['MODULE LOAD', oneServer('MODULE LOAD')],
  ['MODULE UNLOAD', oneServer('MODULE UNLOAD')],
  ['ACL SETUSER', oneServer('ACL SETUSER')],
  ['ACL DELUSER', oneServer('ACL DELUSER')],
  // Clients see one ordinary server, so the cluster commands answer as an ordinary server does.
  ['CLUSTER', NOT_A_CLUSTER],
  ['READONLY', NOT_A_CLUSTER],
  ['READWRITE', NOT_A_CLUSTER],
  ['ASKING', NOT_A_CLUSTER],
]);

/**
 * The raw `-ERR` frame for a command refused in front of several nodes, or undefined when the
 * command is not refused. `name` comes from `commandName(args)`.
 */
export function refusalFor(
  name: string,
  args: readonly Buffer[],
  shape: UpstreamShape,
): Buffer | undefined {
  // SELECT 0 is the session's; any other database is not served (a cluster has only db 0).
  if (name === 'SELECT') {
    if (args[1]?.toString('latin1') === '0') return undefined;
    return errorFrame(
      shape === 'cluster'
        ? 'ERR SELECT is not allowed in cluster mode'
        : 'ERR SELECT is not supported through respool proxy with shards: only database 0 is served',
    );
  }
  const text = REFUSED.get(name) ?? (name.startsWith('CLUSTER ') ? NOT_A_CLUSTER : undefined);
  return text === undefined ? undefined : errorFrame(text);
}

/** The error for a command whose keys map to different slots or shards (and cannot split). */
export function crossTargetFrame(name: string, shape: UpstreamShape): Buffer {
  return shape === 'cluster'
    ? errorFrame("CROSSSLOT Keys in request don't hash to the same slot")
    : errorFrame(
        `ERR ${name}: keys in request map to different shards; give them a common hash tag such as {user1}`,
      );
}
