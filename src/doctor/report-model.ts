/**
 * The doctor's report model: everything one audit found, as plain data. `--json` prints it as is,
 * the text report and the (later) HTML report render from it, so nothing a renderer shows may
 * live outside it.
 *
 * Stability: this is a documented interface. Fields are added, never renamed or removed, and a
 * change of meaning bumps {@link DOCTOR_SCHEMA_VERSION}. Every key is always present: a value
 * that could not be read is `null` (with the reason next to it), never a missing key, so
 * consumers can tell "not read" from "zero".
 *
 * Units: durations are seconds (as the server reports `idle` and `age`), ratios are 0..1.
 */

/** Bumped when the meaning of a field changes; adding a field does not bump it. */
export const DOCTOR_SCHEMA_VERSION = 1;

/** How bad a finding is. Only `error` makes the exit code non-zero. */
export type Severity = 'info' | 'warning' | 'error';

/** One audit: the server(s) behind the target URL and this host's sockets towards them. */
export interface DoctorReport {
  readonly schemaVersion: typeof DOCTOR_SCHEMA_VERSION;
  /** When the audit started, ISO 8601 UTC. */
  readonly generatedAt: string;
  /** The URL audited, password replaced by `***`. */
  readonly target: string;
  /**
   * `cluster` when the seed reported `cluster_enabled:1` (every node listed by CLUSTER NODES is
   * audited), `standalone` otherwise, `unknown` when the seed could not be read.
   */
  readonly mode: 'standalone' | 'cluster' | 'unknown';
  /**
   * Cluster mode only: why the node list could not be read (CLUSTER NODES refused), in which
   * case only the seed was audited. `null` otherwise.
   */
  readonly discoveryError: string | null;
  /**
   * The name the doctor's own connections carry (CLIENT SETNAME). They are left out of every
   * group; {@link ClientsView.excluded} counts them per node.
   */
  readonly doctorClientName: string;
  /** Watch mode: 1 for the first report, then 2, 3, …; `null` for a one-off audit. */
  readonly iteration: number | null;
  /** One entry per audited node, seed first. */
  readonly nodes: readonly NodeReport[];
  /** Sockets of the machine the doctor runs on, towards the audited nodes. */
  readonly host: HostReport;
  /** Problems found, most severe first. */
  readonly findings: readonly Finding[];
  readonly summary: ReportSummary;
}

/** Counts of findings per severity and the exit code they give. */
export interface ReportSummary {
  readonly errors: number;
  readonly warnings: number;
  readonly infos: number;
  /**
   * The CLI's exit code for this report: 0 no error finding, 1 at least one error finding,
   * 3 a node could not be reached or refused the doctor's credentials (audit incomplete; wins
   * over 1). 2 (usage error) never appears here.
   */
  readonly exitCode: 0 | 1 | 3;
}

/** One Redis server as the doctor saw it. */
export interface NodeReport {
  /** `host:port` (IPv6 in brackets), or the socket path for a unix socket. */
  readonly address: string;
  readonly host: string;
  /** `null` for a unix socket. */
  readonly port: number | null;
  /** Cluster node id from CLUSTER NODES; `null` outside a cluster. */
  readonly clusterNodeId: string | null;
  /** `master` or `replica` (from INFO replication), `null` when not read. */
  readonly role: string | null;
  /**
   * `null` when audited. Otherwise why the node could not be audited at all (unreachable,
   * authentication refused, timed out); every other section is then unavailable too.
   */
  readonly error: string | null;
  readonly server: ServerInfo | null;
  /** Why {@link NodeReport.server} is `null`, else `null`. */
  readonly serverError: string | null;
  readonly config: ConfigView;
  readonly clients: ClientsView;
  /** Watch mode: change since the previous report; `null` on the first one or after a restart. */
  readonly delta: NodeDelta | null;
  /**
   * Every INFO section the doctor read (`server`, `clients`, `stats`, `replication`,
   * `cluster`), field by field, exactly as the server sent it. Server-defined: fields vary by
   * version.
   */
  readonly info: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** The fields of INFO the checks use, parsed. A field the server does not report is `null`. */
export interface ServerInfo {
  readonly version: string | null;
  /** `redis_mode`: standalone, cluster or sentinel. */
  readonly mode: string | null;
  readonly uptimeSeconds: number | null;
  readonly clusterEnabled: boolean;
  /** `connected_clients`: every client connection, the doctor's own included. */
  readonly connectedClients: number | null;
  readonly blockedClients: number | null;
  /** `maxclients` from INFO clients (Redis 7+); the CONFIG value is in {@link ConfigView}. */
  readonly maxClients: number | null;
  /** `total_connections_received` since the server started. */
  readonly totalConnectionsReceived: number | null;
  /** `rejected_connections` since the server started: refused because of maxclients. */
  readonly rejectedConnections: number | null;
}

/** CONFIG GET timeout maxclients tcp-keepalive, or why it could not be read. */
export type ConfigView =
  | {
      readonly status: 'ok';
      /** Seconds a client may stay idle before the server closes it; 0 = never. */
      readonly timeout: number | null;
      readonly maxClients: number | null;
      /** Seconds between TCP keepalive probes; 0 = off. */
      readonly tcpKeepalive: number | null;
    }
  | {
      readonly status: 'unavailable';
      /** The server's refusal, e.g. `NOPERM …` or `ERR unknown command 'CONFIG'` (renamed). */
      readonly reason: string;
    };

/** CLIENT LIST grouped, or why it could not be read. */
export type ClientsView =
  | {
      readonly status: 'ok';
      /** Connections listed, the doctor's own included. */
      readonly listed: number;
      /** The doctor's own connections, left out of every group below. */
      readonly excluded: number;
      /** False on servers whose CLIENT LIST has no `lib-name` field (before Redis 7.2). */
      readonly libNameReported: boolean;
      readonly groups: ClientGroups;
      /** Connections with CLIENT TRACKING on (client-side caching), the doctor's left out. */
      readonly tracking: readonly TrackingClient[];
    }
  | {
      readonly status: 'unavailable';
      readonly reason: string;
    };

/** One connection with CLIENT TRACKING on (flag `t` in CLIENT LIST). */
export interface TrackingClient {
  readonly id: number;
  readonly addr: string;
  /** CLIENT SETNAME value; `''` when none. */
  readonly name: string;
  /** `null` when the server does not report lib-name (before 7.2). */
  readonly libName: string | null;
  /** `bcast`: every write under its prefixes is pushed (flag `B`); `default`: keys it read. */
  readonly mode: 'default' | 'bcast';
  /** The client id its invalidations are sent to (RESP2 redirect); null when to itself. */
  readonly redirect: number | null;
  /** The redirect client is gone: its invalidations are lost (flag `R`). */
  readonly redirectBroken: boolean;
  /** Whether the redirect target is in this CLIENT LIST (null without a redirect). */
  readonly redirectListed: boolean | null;
}

/** The same connections grouped four ways, each list largest group first. */
export interface ClientGroups {
  /**
   * By host, name and lib-name together: the connections of one pool in one process, as close
   * as the server's view gets. Findings about pools refer to these.
   */
  readonly byPool: readonly ClientGroup[];
  /** By the IP part of `addr` (the socket path for unix-socket clients). */
  readonly byHost: readonly ClientGroup[];
  /** By CLIENT SETNAME value; `''` = no name set. */
  readonly byName: readonly ClientGroup[];
  /** By `lib-name`; empty when {@link ClientsView} says the server does not report it. */
  readonly byLibName: readonly ClientGroup[];
}

/** What identifies a group. Fields not part of the grouping are `null`. */
export interface GroupKey {
  readonly host: string | null;
  /** `''` when the connections set no name. */
  readonly name: string | null;
  /** `''` when not set by the client library. */
  readonly libName: string | null;
}

/** One group of connections and their statistics. */
export interface ClientGroup {
  readonly key: GroupKey;
  readonly count: number;
  /**
   * Connections the server's `timeout` applies to: not blocked, not pub/sub, not a replica or
   * master link (the server exempts those).
   */
  readonly subjectToTimeout: number;
  /** Blocked in a command right now (`flags` contains `b`). */
  readonly blocked: number;
  /** Last command was a blocking one (BLPOP, XREAD, WAIT, …), blocked now or not. */
  readonly blockingCommand: number;
  /** In pub/sub mode (`flags` contains `P`, or any sub/psub/ssub count above 0). */
  readonly pubsub: number;
  /** Seconds since each connection's last command. */
  readonly idle: Distribution;
  /** Seconds since each connection was opened. */
  readonly age: Distribution;
  /** Idle times of the connections {@link ClientGroup.subjectToTimeout}, bucketed. */
  readonly idleBuckets: IdleBuckets;
  /** Connections opened at most {@link YOUNG_AGE_SECONDS} ago (`age` ≤ 1). */
  readonly young: number;
  /**
   * What the group did during the audit's sampling window (one-shot: a short window before the
   * report; watch: the interval since the previous report). `null` without a window, and for
   * every grouping but {@link ClientGroups.byPool}.
   */
  readonly activity: GroupActivity | null;
}

/** Seconds of age up to which a connection counts as just opened. */
export const YOUNG_AGE_SECONDS = 1;

/** One pool's traffic and connection turnover over a sampling window. */
export interface GroupActivity {
  /**
   * Commands per second the group ran, estimated: the rate of each command (INFO commandstats,
   * the doctor's own calls removed) shared among the connections whose last command it was
   * (CLIENT LIST `cmd`), in proportion to how many of them are this group's. Exact when one
   * group runs a command alone.
   */
  readonly commandsPerSecond: number;
  /** Connections of the group first seen during the window (CLIENT LIST samples). */
  readonly opened: number;
  /** Connections of the group seen during the window and gone by its end. */
  readonly closed: number;
  /**
   * Cluster topology queries (CLUSTER SLOTS, SHARDS, NODES) it ran in the window, shared the same
   * way as {@link GroupActivity.commandsPerSecond}; a count, not a rate.
   */
  readonly topologyQueries: number;
}

/** Nearest-rank percentiles of a set of whole seconds; all 0 for an empty set. */
export interface Distribution {
  readonly p50: number;
  readonly p90: number;
  readonly max: number;
}

/** Connection counts by idle time; bounds are exclusive above, inclusive below. */
export interface IdleBuckets {
  /** Idle under 5 s: in use (a subset of {@link IdleBuckets.under1m}). */
  readonly under5s: number;
  /** Idle under a minute, those under 5 s included. */
  readonly under1m: number;
  readonly under10m: number;
  readonly under1h: number;
  readonly under1d: number;
  readonly atLeast1d: number;
}

/** Watch mode: how a node's counters moved since the previous report. */
export interface NodeDelta {
  readonly intervalSeconds: number;
  /** Change in `connected_clients` (may be negative). */
  readonly connectedClients: number | null;
  /** Connections the server accepted in the interval (`total_connections_received`). */
  readonly accepted: number | null;
  /** Connections refused at maxclients in the interval (`rejected_connections`). */
  readonly rejected: number | null;
  /** Commands the server ran in the interval for clients other than the doctor. */
  readonly commands: number | null;
  /** CLIENT LIST reads the window's turnover counts come from (2 or more). */
  readonly clientListSamples: number;
}

/** The doctor's own machine: TCP sockets towards the audited nodes and the kernel's port settings. */
export type HostReport =
  | {
      readonly status: 'ok';
      /** One entry per audited TCP endpoint. */
      readonly endpoints: readonly EndpointSockets[];
      /** `net.ipv4.ip_local_port_range`, `null` when unreadable. */
      readonly ephemeralPorts: { readonly low: number; readonly high: number } | null;
      /** `net.ipv4.tcp_tw_reuse`: 0 off, 1 on, 2 loopback only; `null` when unreadable. */
      readonly tcpTwReuse: number | null;
      /** This host's own IP addresses (loopback included), to tell whether a client is here. */
      readonly localAddresses: readonly string[];
    }
  | {
      readonly status: 'unavailable';
      /** E.g. not Linux: there is no /proc/net/tcp. */
      readonly reason: string;
    };

/** Sockets of this host whose remote end is one audited node, by TCP state. */
export interface EndpointSockets {
  /** The node's address as audited (`host:port`). */
  readonly address: string;
  readonly port: number;
  /**
   * True when only the remote port was matched: the node was given by host name, so sockets
   * towards any address on that port are counted.
   */
  readonly matchedByPortOnly: boolean;
  readonly established: number;
  readonly timeWait: number;
  readonly closeWait: number;
}

/** A problem, with the numbers behind it and what to do. */
export interface Finding {
  /** Stable id of the check that produced it, e.g. `max-clients`, `idle-pool`. */
  readonly check: string;
  readonly severity: Severity;
  /** The node's address, `null` for host-level findings. */
  readonly node: string | null;
  /** The group concerned, `null` when the finding is not about one group. */
  readonly group: GroupKey | null;
  /** What is wrong, with the numbers. One or two sentences. */
  readonly message: string;
  /** What to do about it, concretely: the {@link Finding.actions} as one paragraph. */
  readonly recommendation: string;
  /** The same advice as separate steps, each with the command to run when there is one. */
  readonly actions: readonly FindingAction[];
}

/** One step of a finding's recommendation. */
export interface FindingAction {
  /** What to do, one sentence. */
  readonly text: string;
  /** A command to run or a setting to use, verbatim (`CONFIG SET timeout 300`); else `null`. */
  readonly command: string | null;
}
