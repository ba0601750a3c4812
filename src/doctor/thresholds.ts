/**
 * Every threshold the checks use, in one place, each with the reasoning behind its value. They
 * are defaults for a typical deployment, not laws: a finding states the numbers it saw, so a
 * reader can judge a borderline case.
 */

/**
 * `connected_clients / maxclients` from which a warning is raised: 20 % headroom is what a
 * deploy (every instance reconnecting at once) or one leaking process eats in minutes.
 */
export const MAXCLIENTS_WARNING_RATIO = 0.8;

/**
 * From here it is an error: the next burst gets `max number of clients reached`, which is an
 * outage for every client, not only the one holding the connections (incident 1).
 */
export const MAXCLIENTS_ERROR_RATIO = 0.95;

/**
 * The `timeout` the doctor recommends when the server has none (0). Above the idle timeouts of
 * well-behaved pools (respool retires idle connections after 30 s, most pools within a minute
 * or two), so those retire their own connections first; short enough that what a leaking or
 * never-shrinking pool leaves behind is freed within minutes, not days (incident 3 used 1800).
 */
export const RECOMMENDED_TIMEOUT_SECONDS = 300;

/** Idle time from which a connection counts as "idle for hours" for the `timeout 0` check. */
export const LONG_IDLE_SECONDS = 3_600;

/** Connections idle {@link LONG_IDLE_SECONDS} or more before `timeout 0` is worth a warning. */
export const LONG_IDLE_MIN_CONNECTIONS = 10;

/**
 * A host holding more than this multiple of the median of its peers' connection counts is out
 * of line with them: the same app on every host should hold about the same number.
 */
export const HOST_IMBALANCE_FACTOR = 3;

/** ...and more than this many connections, so that 4 against 1 is not reported. */
export const HOST_IMBALANCE_MIN_CONNECTIONS = 50;

/**
 * Peers needed before a host is compared with them: against a single peer (often a monitoring
 * or admin host) "far more than the others" says nothing. The pool checks still see a leak.
 */
export const HOST_IMBALANCE_MIN_PEERS = 2;

/**
 * A pool (connections sharing host, name and lib-name) this large is worth a look when most of
 * it is idle: a multiplexing client needs a handful of connections per process, not dozens.
 */
export const IDLE_POOL_MIN_CONNECTIONS = 50;

/**
 * Median idle time from which such a pool counts as mostly idle. At 5 s, half the pool has done
 * nothing for thousands of round trips: it is sized for a past peak (a pool that never shrinks,
 * incident 1) or cycles every connection slowly (a FIFO idle queue, incident 2).
 */
export const IDLE_POOL_P50_SECONDS = 5;

/** Idle time past any pool's own idle timeout: a connection this idle has been forgotten. */
export const STALE_IDLE_SECONDS = 600;

/** More than this many {@link STALE_IDLE_SECONDS}-idle connections in one pool: a leak. */
export const STALE_POOL_MIN_CONNECTIONS = 100;

/**
 * TIME_WAIT sockets towards the audited nodes from which churn is reported at `info` level:
 * a client opening and closing connections per request or per burst (incident 4's pattern).
 */
export const TIME_WAIT_INFO_MIN = 100;

/**
 * Share of the ephemeral port range held in TIME_WAIT towards one node from which it is a
 * warning. A connection to one address and port needs a free local port, and a TIME_WAIT socket
 * holds its port for 60 s; at this share a burst can exhaust the rest.
 */
export const TIME_WAIT_WARNING_RATIO = 0.2;

/** ...and an error: `connect: cannot assign requested address` is close (incident 4). */
export const TIME_WAIT_ERROR_RATIO = 0.5;

/**
 * How long a connection is taken per command when sizing what a pool needs: a round trip on a
 * LAN is well under a millisecond, so 10 ms leaves room for the application's own work between
 * borrow and return. Needed connections = command rate × this (Little's law), at least 1.
 */
export const COMMAND_HOLD_SECONDS = 0.01;

/** A pool this large, all kept warm, is compared with what its traffic needs... */
export const OVERSIZED_POOL_MIN_CONNECTIONS = 16;

/**
 * ...and reported when it holds this many times more: room for bursts, yet far from a pool
 * that cycles every connection to keep it alive (incident 2: 3,000 for 10–20 requests/s).
 */
export const OVERSIZED_POOL_FACTOR = 4;

/**
 * Connections accepted per second, with `connected_clients` flat, from which a node is being
 * churned: clients open and close connections instead of reusing them (incident 4).
 */
export const CHURN_MIN_ACCEPTED_PER_SECOND = 20;

/**
 * Connections of one pool seen opening or closing in the window before the churn is laid at its
 * door (with at least a fifth of all seen), so one reconnect is never a finding.
 */
export const CHURN_MIN_POOL_TURNOVER = 3;

/**
 * Cluster topology queries (CLUSTER SLOTS, SHARDS, NODES) one pool may run in a sampling window,
 * over all nodes, before it is a storm: a healthy client refreshes its slot table once in a
 * while, through one path; one that rebuilds it per caller on every MOVED or connection error,
 * without a lock, runs dozens at once (incident 5).
 */
export const TOPOLOGY_STORM_MIN_QUERIES = 10;
