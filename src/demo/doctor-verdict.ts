/**
 * The doctor's verdict on one side of a replay: `respool doctor` run in-process against the
 * replay's server while that side's connections are still open, and its findings sorted by whom
 * they are about. The server cannot tell the two sides apart except by client name, so each
 * finding is marked:
 * - `own`: about this side's connections (its group carries the side's CLIENT SETNAME);
 * - `server`: about a node or this host as a whole (a TIME_WAIT count, a config value);
 * - `other`: about someone else's connections (the other side when both are open, or other
 *   clients of a shared server).
 * A server-wide finding that the previous side's audit already had (or explained: a churning
 * pool leaves TIME_WAIT behind) is marked `carriedOver`: this host's TIME_WAIT sockets, for one,
 * outlive the side that left them by 60 s, and are never the next side's doing.
 */
import { runDoctor } from '../doctor/doctor.js';
import type { ClientGroup, DoctorReport, Severity } from '../doctor/report-model.js';

/** Which side an audit is about. */
export interface VerdictSide {
  /** `naive pool`, `respool`. */
  readonly label: string;
  /** Its CLIENT SETNAME, as CLIENT LIST shows it. */
  readonly clientName: string;
}

/** One finding of the doctor's, as it concerns one side. */
export interface VerdictFinding {
  /** The doctor's check id: `idle-pool`, `time-wait`, … */
  readonly check: string;
  readonly severity: Severity;
  readonly scope: 'own' | 'server' | 'other';
  /** The node's address; `null` for host-level findings. */
  readonly node: string | null;
  /** CLIENT SETNAME of the group concerned; `null` when it is not about one group. */
  readonly groupName: string | null;
  /** The doctor's message, whole. */
  readonly message: string;
  /** A server-wide finding the previous side's audit of the same replay also had. */
  readonly carriedOver: boolean;
}

/** The side's connections as the doctor grouped them (CLIENT LIST, by name), over all nodes. */
export interface VerdictConnections {
  readonly count: number;
  /** Nodes holding at least one of them. */
  readonly nodes: number;
  /** Median idle seconds (the largest of the nodes' medians). */
  readonly idleP50: number;
  readonly idleMax: number;
}

/** What the doctor said about one side. */
export interface DoctorVerdict extends VerdictSide {
  /** Exit code `respool doctor` would give for this audit; `null` when it could not run. */
  readonly exitCode: 0 | 1 | 3 | null;
  /** Why the doctor could not run, else `null`. */
  readonly error: string | null;
  /** Every finding of the audit, errors first, each marked with its scope. */
  readonly findings: readonly VerdictFinding[];
  readonly connections: VerdictConnections;
}

/**
 * Audit `url` now and judge `side`. Never rejects: a doctor that cannot run is a verdict with
 * `error` set, so a replay's report survives it.
 * @param previous The other side's verdict from earlier in the same replay, to mark carry-overs.
 */
export async function auditSide(
  url: string,
  side: VerdictSide,
  previous?: DoctorVerdict,
): Promise<DoctorVerdict> {
  const [verdict] = await auditSides(url, [side], previous);
  return verdict!;
}

/** One audit judged for several sides that are open at the same time (one verdict each). */
export async function auditSides(
  url: string,
  sides: readonly VerdictSide[],
  previous?: DoctorVerdict,
): Promise<DoctorVerdict[]> {
  let report: DoctorReport;
  try {
    report = await runDoctor({ url });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return sides.map((side) => ({
      ...side,
      exitCode: null,
      error: message,
      findings: [],
      connections: { count: 0, nodes: 0, idleP50: 0, idleMax: 0 },
    }));
  }
  return sides.map((side) => verdictOf(report, side, previous));
}

/** Judge `side` from a finished report. */
export function verdictOf(
  report: DoctorReport,
  side: VerdictSide,
  previous?: DoctorVerdict,
): DoctorVerdict {
  const before = new Set((previous?.findings ?? []).map((f) => f.check));
  const findings = report.findings.map((f): VerdictFinding => {
    const groupName = f.group?.name ?? null;
    const scope = f.group === null ? 'server' : groupName === side.clientName ? 'own' : 'other';
    const judged = {
      check: f.check,
      severity: f.severity,
      scope,
      node: f.node,
      groupName,
      message: f.message,
      carriedOver: false,
    } satisfies VerdictFinding;
    const leftBy = LEFT_BY[f.check] ?? [f.check];
    return { ...judged, carriedOver: scope === 'server' && leftBy.some((c) => before.has(c)) };
  });
  return {
    ...side,
    exitCode: report.summary.exitCode,
    error: null,
    findings,
    connections: connectionsOf(report, side.clientName),
  };
}

/** The side's own findings at warning level or worse: what its verdict is judged by. */
export function ownWarnings(verdict: DoctorVerdict): VerdictFinding[] {
  return verdict.findings.filter((f) => f.scope === 'own' && f.severity !== 'info');
}

/**
 * Server-wide findings the previous side's audit may have caused, by the checks that show it:
 * TIME_WAIT on this host outlives by 60 s the churning pool the previous audit named.
 */
const LEFT_BY: Readonly<Record<string, readonly string[]>> = {
  'time-wait': ['time-wait', 'connection-churn'],
};

function connectionsOf(report: DoctorReport, name: string): VerdictConnections {
  const groups: ClientGroup[] = report.nodes.flatMap((node) =>
    node.clients.status === 'ok'
      ? node.clients.groups.byName.filter((g) => g.key.name === name)
      : [],
  );
  return {
    count: groups.reduce((n, g) => n + g.count, 0),
    nodes: groups.filter((g) => g.count > 0).length,
    idleP50: groups.reduce((m, g) => Math.max(m, g.idle.p50), 0),
    idleMax: groups.reduce((m, g) => Math.max(m, g.idle.max), 0),
  };
}
