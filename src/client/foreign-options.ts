/**
 * Option names of ioredis and node-redis that respool spells differently or does not need.
 * Someone moving from either library passes them out of habit; a bare "unknown option" would
 * leave them guessing, so `createClient` and `createCluster` say what to use instead (the same
 * mapping as docs/migrating.md). Names respool shares with them (`host`, `url`, `db`, `name`,
 * `keyPrefix`, `tls`, `protocol`, …) are not here: they are ours.
 */

import { InvalidArgumentError } from '../errors.js';

type Origin = 'ioredis' | 'node-redis' | 'ioredis and node-redis';

interface ForeignOption {
  readonly from: Origin;
  readonly instead: string;
}

const RECONNECT = {
  from: 'ioredis',
  instead:
    'use "reconnectDelayMs" and "maxReconnectDelayMs" (exponential backoff with jitter, no callback)',
} as const;

const FOREIGN: ReadonlyMap<string, ForeignOption> = new Map<string, ForeignOption>([
  ['retryStrategy', RECONNECT],
  ['reconnectStrategy', { ...RECONNECT, from: 'node-redis' }],
  [
    'maxRetriesPerRequest',
    {
      from: 'ioredis',
      instead:
        'none is needed: "commandTimeoutMs" (or withOptions({ timeoutMs })) bounds each command, retries included',
    },
  ],
  [
    'enableOfflineQueue',
    {
      from: 'ioredis',
      instead:
        'commands always wait for a connection, in a queue bounded by "maxQueuedCommands" and "maxQueuedBytes"',
    },
  ],
  [
    'disableOfflineQueue',
    {
      from: 'node-redis',
      instead:
        'commands always wait for a connection, in a queue bounded by "maxQueuedCommands" and "maxQueuedBytes"',
    },
  ],
  ['commandsQueueMaxLength', { from: 'node-redis', instead: 'use "maxQueuedCommands"' }],
  [
    'lazyConnect',
    {
      from: 'ioredis',
      instead: 'the client always connects lazily; await client.ready() to connect now',
    },
  ],
  [
    'socket',
    {
      from: 'node-redis',
      instead:
        'give "host", "port", "path", "tls", "connectTimeoutMs" and "keepAliveMs" at the top level',
    },
  ],
  ['database', { from: 'node-redis', instead: 'use "db"' }],
  ['RESP', { from: 'node-redis', instead: 'use "protocol" (3, falling back to 2, or 2)' }],
  ['connectionName', { from: 'ioredis', instead: 'use "name"' }],
  ['connectTimeout', { from: 'ioredis and node-redis', instead: 'use "connectTimeoutMs"' }],
  [
    'commandTimeout',
    { from: 'ioredis', instead: 'use "commandTimeoutMs" (per view: withOptions({ timeoutMs }))' },
  ],
  ['keepAlive', { from: 'ioredis and node-redis', instead: 'use "keepAliveMs"' }],
  ['pingInterval', { from: 'node-redis', instead: 'use "pingIntervalMs"' }],
  [
    'reconnectOnError',
    {
      from: 'ioredis',
      instead:
        'none is needed: LOADING, BUSY and MASTERDOWN replies are retried within the command deadline',
    },
  ],
  [
    'enableAutoPipelining',
    { from: 'ioredis', instead: 'none is needed: commands of one tick always share one write' },
  ],
  [
    'autoResubscribe',
    { from: 'ioredis', instead: 'none is needed: subscriptions are restored after a reconnect' },
  ],
  [
    'enableReadyCheck',
    { from: 'ioredis', instead: 'none is needed: await client.ready() waits for the handshake' },
  ],
  [
    'scripts',
    { from: 'ioredis and node-redis', instead: 'use defineScript(source) and client.runScript()' },
  ],
  ['legacyMode', { from: 'node-redis', instead: 'not supported: every method returns a Promise' }],
  [
    'isolationPoolOptions',
    {
      from: 'node-redis',
      instead: 'the lease pool is set by "maxConnections", "minIdle" and "idleTimeoutMs"',
    },
  ],
  ['readonly', { from: 'node-redis', instead: 'use "readOnly" (the cluster sets it per node)' }],
  // Cluster options.
  ['rootNodes', { from: 'node-redis', instead: 'give the seeds in "nodes"' }],
  [
    'defaults',
    { from: 'node-redis', instead: 'give client options at the top level of the options' },
  ],
  [
    'redisOptions',
    { from: 'ioredis', instead: 'give client options at the top level of the options' },
  ],
  ['useReplicas', { from: 'node-redis', instead: "use readFrom: 'replica-preferred'" }],
  ['scaleReads', { from: 'ioredis', instead: "use readFrom: 'replica-preferred'" }],
  [
    'readOnly',
    {
      from: 'ioredis',
      instead:
        "READONLY is the cluster client's to send: createCluster({ readFrom: 'replica-preferred' })",
    },
  ],
  ['maxRedirections', { from: 'ioredis', instead: 'use "maxRedirects"' }],
  ['maxCommandRedirections', { from: 'node-redis', instead: 'use "maxRedirects"' }],
  ['slotsRefreshInterval', { from: 'ioredis', instead: 'use "topologyCheckIntervalMs"' }],
]);

/**
 * Throw for the first key of `options` that is an ioredis or node-redis option name, saying what
 * respool uses instead. Keys that are merely unknown are left to the caller's check, which
 * suggests the closest of its own names.
 * @throws InvalidArgumentError naming the option (never its value: it may hold a secret).
 */
export function rejectForeignOptions(options: object, where: string): void {
  for (const key of Object.keys(options)) {
    const foreign = FOREIGN.get(key);
    if (foreign === undefined) continue;
    throw new InvalidArgumentError(
      `Unknown option "${key}" in ${where}: that is ${foreign.from}'s option; ${foreign.instead} (docs/migrating.md)`,
    );
  }
}

/** The foreign names, for tests: none may be an option of ours. */
export function listForeignOptions(): readonly string[] {
  return [...FOREIGN.keys()];
}
