/**
 * The one answer to "does this command change the state of its connection, and can a release
 * undo it". Every place that needs to know asks here: the client and the cluster (refuse such
 * commands on a shared multiplexed connection), a lease (track what to undo on release, refuse
 * subscriber mode), and the connection (recognise RESP2 subscribe confirmations).
 *
 * Every command of the table is classified: the ones listed in `STATEFUL` change their
 * connection; the ones in `STATELESS_CONNECTION_COMMANDS` are connection, transaction and
 * pub/sub commands (the families where state lives) that were looked at and change nothing that
 * outlives them; all other commands act on data or on the server as a whole, never on the
 * connection they came in on. A unit test walks the generated table so that a command added by
 * a table regeneration in those families fails until it is put in one of the two lists.
 */

import type { RespArg } from '../protocol/resp-types.js';
import { AclCategory, type CommandSpec, getCommandSpecForArgs, listCommandSpecs } from './table.js';

/** Which part of its connection's server-side state a command changes. */
export type ConnectionStateKind =
  /** Nothing that outlives the command. */
  | 'none'
  /** MULTI opens a transaction; EXEC and DISCARD close it (and drop every WATCH). */
  | 'transaction'
  /** WATCH adds watched keys; UNWATCH drops them. */
  | 'watch'
  /** SELECT: the database every later command uses. */
  | 'database'
  /** CLIENT SETNAME, CLIENT SETINFO: how CLIENT LIST shows the connection; no reply changes. */
  | 'identity'
  /** (P|S)SUBSCRIBE enter subscriber mode, the UNSUBSCRIBEs leave it: replies become pushes. */
  | 'subscriber'
  /** HELLO, AUTH: protocol version and user, hence replies' shapes and permissions. */
  | 'session'
  /** CLIENT REPLY: whether the server answers at all. */
  | 'reply-mode'
  /** CLIENT TRACKING, CLIENT CACHING: invalidation pushes arrive on the connection. */
  | 'tracking'
  /** CLIENT NO-EVICT, CLIENT NO-TOUCH: how the server treats the connection and its reads. */
  | 'eviction'
  /** READONLY, READWRITE: whether a cluster replica serves reads on the connection. */
  | 'replica-reads'
  /** ASKING: the next command may touch a slot being imported. */
  | 'asking'
  /** MONITOR: the connection becomes a feed of every command the server runs. */
  | 'monitor'
  /** SYNC, PSYNC: the connection becomes a replication stream. */
  | 'replication'
  /** RESET, QUIT: the whole connection is reset or closed. */
  | 'lifetime';

/** How a release brings a leased connection back to its state after the handshake. */
export type ConnectionUndo =
  /** Nothing to undo: the command leaves no state behind, or ends a state (EXEC, UNWATCH). */
  | 'nothing'
  /** DISCARD (which also unwatches). */
  | 'discard'
  /** UNWATCH. */
  | 'unwatch'
  /** SELECT of the configured database. */
  | 'select'
  /** CLIENT SETNAME of the configured name (empty when none). */
  | 'setname'
  /** CLIENT SETINFO of the library name and version the handshake sent. */
  | 'setinfo'
  /** Unsubscribe from everything and wait for the confirmations (the Subscriber does it). */
  | 'unsubscribe'
  /** Not reliably undoable: the connection is destroyed instead of being lent again. */
  | 'destroy';

export interface ConnectionStateChange {
  readonly kind: ConnectionStateKind;
  /** True when the command enters (or adds to) the state; false when it leaves it. */
  readonly enters: boolean;
  readonly undo: ConnectionUndo;
  /**
   * True when the command must not run on a connection other callers share: they would run
   * inside its state (a transaction, another database, subscriber mode, no replies…) or lose
   * their own. Such a command needs a lease (`withConnection`), `multi()` or `subscribe()`.
   * False for `none`, and for `identity`: a name changes no reply any caller gets.
   */
  readonly pinsConnection: boolean;
}

function change(
  kind: ConnectionStateKind,
  undo: ConnectionUndo,
  enters = true,
): ConnectionStateChange {
  return Object.freeze({ kind, enters, undo, pinsConnection: kind !== 'identity' });
}

/** The answer for every command that leaves its connection as it was. */
export const NO_STATE_CHANGE: ConnectionStateChange = Object.freeze({
  kind: 'none',
  enters: false,
  undo: 'nothing',
  pinsConnection: false,
});

/** SELECT whose argument is not an integer: the server refuses it, but we cannot know its db. */
const SELECT_UNKNOWN = change('database', 'destroy');

/** Table names (`client|no-evict` for a subcommand) of the commands that change connection state. */
const STATEFUL: ReadonlyMap<string, ConnectionStateChange> = new Map([
  ['multi', change('transaction', 'discard')],
  ['exec', change('transaction', 'nothing', false)],
  ['discard', change('transaction', 'nothing', false)],
  ['watch', change('watch', 'unwatch')],
  ['unwatch', change('watch', 'nothing', false)],
  ['select', change('database', 'select')],
  ['client|setname', change('identity', 'setname')],
  ['client|setinfo', change('identity', 'setinfo')],
  ['subscribe', change('subscriber', 'unsubscribe')],
  ['psubscribe', change('subscriber', 'unsubscribe')],
  ['ssubscribe', change('subscriber', 'unsubscribe')],
  ['unsubscribe', change('subscriber', 'nothing', false)],
  ['punsubscribe', change('subscriber', 'nothing', false)],
  ['sunsubscribe', change('subscriber', 'nothing', false)],
  ['hello', change('session', 'destroy')],
  ['auth', change('session', 'destroy')],
  ['client|reply', change('reply-mode', 'destroy')],
  ['client|tracking', change('tracking', 'destroy')],
  ['client|caching', change('tracking', 'destroy')],
  ['client|no-evict', change('eviction', 'destroy')],
  ['client|no-touch', change('eviction', 'destroy')],
  ['readonly', change('replica-reads', 'destroy')],
  ['readwrite', change('replica-reads', 'destroy')],
  // One-shot (the next command consumes it), but on a shared connection that next command may
  // be someone else's; a lease that ends right after it leaves the flag for the next borrower.
  ['asking', change('asking', 'destroy')],
  ['monitor', change('monitor', 'destroy')],
  ['sync', change('replication', 'destroy')],
  ['psync', change('replication', 'destroy')],
  ['reset', change('lifetime', 'destroy')],
  ['quit', change('lifetime', 'destroy')],
]);

/**
 * Connection, transaction and pub/sub commands that change nothing on their connection: they
 * read it (CLIENT ID, CLIENT INFO, ECHO), act on other connections or on the whole server
 * (CLIENT KILL, CLIENT PAUSE, PUBLISH), or block without changing it (WAIT, WAITAOF: see
 * `isBlocking` for holding a connection). The containers (`client`, `command`, `pubsub`) are
 * listed because their own row is not a command anyone runs.
 */
export const STATELESS_CONNECTION_COMMANDS: ReadonlySet<string> = new Set([
  'client',
  'client|getname',
  'client|getredir',
  'client|help',
  'client|id',
  'client|info',
  'client|kill',
  'client|list',
  'client|pause',
  'client|trackinginfo',
  'client|unblock',
  'client|unpause',
  'command',
  'command|count',
  'command|docs',
  'command|getkeys',
  'command|getkeysandflags',
  'command|help',
  'command|info',
  'command|list',
  'echo',
  'ping',
  'publish',
  'spublish',
  'pubsub',
  'pubsub|channels',
  'pubsub|help',
  'pubsub|numpat',
  'pubsub|numsub',
  'pubsub|shardchannels',
  'pubsub|shardnumsub',
  'wait',
  'waitaof',
]);

const STATE_FAMILIES = AclCategory.connection | AclCategory.transaction | AclCategory.pubsub;

/**
 * True for the commands of the families where connection state lives (the `@connection`,
 * `@transaction` and `@pubsub` ACL categories, the `connection`, `transactions` and `pubsub`
 * groups): each of them must be listed as stateful or stateless.
 */
export function inStateFamily(spec: CommandSpec): boolean {
  return (
    (spec.acl & STATE_FAMILIES) !== 0 ||
    spec.group === 'connection' ||
    spec.group === 'transactions' ||
    spec.group === 'pubsub'
  );
}

/** What a spec does to its connection (argument-independent). */
export function specStateChange(spec: CommandSpec): ConnectionStateChange {
  return STATEFUL.get(spec.name) ?? NO_STATE_CHANGE;
}

/**
 * What `[name, ...args]` does to the state of the connection it runs on. Unknown commands (a
 * module's, a newer server's) are taken to change nothing: the table is the source of truth.
 */
export function connectionStateChange(args: readonly RespArg[]): ConnectionStateChange {
  const spec = getCommandSpecForArgs(args);
  if (spec === undefined) return NO_STATE_CHANGE;
  const found = specStateChange(spec);
  if (found.kind === 'database' && selectedDb(args) === undefined) return SELECT_UNKNOWN;
  return found;
}

const INTEGER = /^-?\d{1,15}$/;

/** SELECT's database index, when it is an integer the release can restore. */
export function selectedDb(args: readonly RespArg[]): number | undefined {
  const arg = args[1];
  if (typeof arg === 'number') return Number.isSafeInteger(arg) ? arg : undefined;
  if (typeof arg === 'bigint') return Number(arg);
  if (arg === undefined) return undefined;
  const text = typeof arg === 'string' ? arg : arg.toString('latin1');
  return INTEGER.test(text) ? Number(text) : undefined;
}

/** True when a RESP2 frame headed by `name` is a subscriber-mode confirmation. */
export function isSubscriberModeCommand(name: string | Buffer): boolean {
  return connectionStateChange([name]).kind === 'subscriber';
}

/** Every command of the table with a state change: for docs and tests. */
export function listStatefulCommands(): readonly string[] {
  return listCommandSpecs()
    .filter((spec) => specStateChange(spec) !== NO_STATE_CHANGE)
    .map((spec) => spec.name);
}
