/**
 * What an incident replay is, so `respool demo --incident N` can list, configure and run each one
 * the same way. A replay lives in its own module (`incident-<n>.ts`) and is listed in
 * `run-demo.ts`; it declares its numeric options, runs against a server it is handed, and
 * returns a structured report that the CLI renders.
 */
import type { ServerMonitor } from './server-monitor.js';
import type { ReplayVerdicts } from './verdict-text.js';

/** A numeric command-line option of one replay (`--<name> <n>`). */
export interface ReplayOption {
  /** Kebab-case flag name without dashes, e.g. `callers`. */
  readonly name: string;
  readonly description: string;
  readonly default: number;
  readonly min: number;
  readonly max: number;
}

/** Option values by name; an absent name means the option's default. */
export type ReplayValues = ReadonlyMap<string, number>;

/** The value given for `option`, or its default. */
export function optionValue(values: ReplayValues, option: ReplayOption): number {
  return values.get(option.name) ?? option.default;
}

/** What a replay gets to run with. */
export interface ReplayContext {
  /** Server to run against (credentials included; never print it, use `redactUrl`). */
  readonly url: string;
  /** A connection of its own to the same server, for the server's view. */
  readonly monitor: ServerMonitor;
  /** True when the server is not ours (REDIS_URL): other clients may come and go meanwhile. */
  readonly shared: boolean;
  /** Unique per run: key prefixes and client names use it, so runs never collide. */
  readonly runId: string;
  readonly values: ReplayValues;
  /** Progress lines while the replay runs (the CLI sends them to stderr). */
  readonly progress: (line: string) => void;
}

/**
 * A replay's context without the option values: what its core function needs besides typed
 * parameters, so tests can call that function against a server of their own.
 */
export type ReplayEnv = Omit<ReplayContext, 'values'>;

/** What a cluster replay gets to run with: a private cluster, never a shared one. */
export interface ClusterReplayContext {
  /** `redis://host:port` of every node (no credentials: the cluster is ours). */
  readonly seeds: readonly string[];
  /** Every node's address, in `seeds` order. */
  readonly nodes: readonly { readonly host: string; readonly port: number }[];
  /** Unique per run: key prefixes and client names use it, so runs never collide. */
  readonly runId: string;
  readonly values: ReplayValues;
  readonly progress: (line: string) => void;
}

/** A cluster replay's context without the option values (see {@link ReplayEnv}). */
export type ClusterReplayEnv = Omit<ClusterReplayContext, 'values'>;

/** A replay's result, structured so the CLI decides how to print it. */
export interface ReplayReport {
  /** What was run, one line each. */
  readonly setup: readonly string[];
  /** Header row first; the first column names the measurement. */
  readonly table: readonly (readonly string[])[];
  /** What the numbers show, one sentence each. */
  readonly findings: readonly string[];
  /** What the replay verified, as one sentence (printed when nothing failed). */
  readonly checks: string;
  /** Correctness checks that failed; empty when the replay verified its results. */
  readonly failures: readonly string[];
  /** The doctor's verdict on each side, taken while its connections were open. */
  readonly verdicts: ReplayVerdicts | null;
}

/** What every replay declares, whatever it runs against. */
interface ReplayInfo {
  /** The incident's number in the project's incident write-ups. */
  readonly incident: number;
  /** Short title, lower case: `the pool with no upper bound`. */
  readonly title: string;
  /** The numeric flags it accepts, beyond `--incident`. */
  readonly options: readonly ReplayOption[];
}

/** A replay against one server (REDIS_URL, or a private one). */
export interface ServerReplay extends ReplayInfo {
  readonly target: 'server';
  /** Run against the server in `context` and report; a failed check goes in `failures`. */
  run(context: ReplayContext): Promise<ReplayReport>;
}

/** A replay against a private cluster, started for it. */
export interface ClusterReplay extends ReplayInfo {
  readonly target: 'cluster';
  /** Run against the cluster in `context` and report; a failed check goes in `failures`. */
  run(context: ClusterReplayContext): Promise<ReplayReport>;
}

/** One incident's replay, as listed in `run-demo.ts`. */
export type IncidentReplay = ServerReplay | ClusterReplay;
