/**
 * The doctor's orchestration: collect raw replies (collect.ts), turn them into node reports
 * (analyze.ts), read this host's sockets (host.ts), run the checks, and assemble the
 * {@link DoctorReport}. A session keeps its connections between audits (watch mode) and
 * remembers the previous report for deltas; `runDoctor` is the one-off form.
 */
import { redactUrl } from '../client/options.js';
import { analyzeNode, type PreviousNode } from './analyze.js';
import { runChecks } from './checks/run-checks.js';
import { Collector } from './collect.js';
import { type HostTarget, readHostView } from './host.js';
import { DOCTOR_SCHEMA_VERSION, type DoctorReport, type NodeReport } from './report-model.js';
import { summarise } from './summary.js';

/** CLIENT SETNAME of the doctor's own connections; they are left out of the groups. */
export const DOCTOR_CLIENT_NAME = 'respool-doctor';

/** Defaults of {@link DoctorOptions}. Short: a doctor must not hang on a dead server. */
export const DEFAULT_DOCTOR_OPTIONS = Object.freeze({
  connectTimeoutMs: 3_000,
  commandTimeoutMs: 5_000,
});

/** Options of {@link runDoctor} and {@link DoctorSession}. */
export interface DoctorOptions {
  /** Server or cluster seed, `redis://[[user]:password@]host[:port][/db]` or `rediss://…`. */
  readonly url: string;
  /** @default 3000 */
  readonly connectTimeoutMs?: number;
  /** @default 5000 */
  readonly commandTimeoutMs?: number;
  /** Root of the proc filesystem for the host view (tests). @default '/proc' */
  readonly procRoot?: string;
  /** Milliseconds since the epoch (tests). @default Date.now */
  readonly now?: () => number;
}

/** Audits the same target repeatedly over the same connections. Close it when done. */
export class DoctorSession {
  readonly #collector: Collector;
  readonly #target: string;
  readonly #procRoot: string | undefined;
  readonly #now: () => number;
  #previous: { readonly report: DoctorReport; readonly atMs: number } | undefined;
  #iteration = 0;

  /** @throws InvalidArgumentError for an invalid URL (shown redacted). */
  constructor(options: DoctorOptions) {
    this.#collector = new Collector({
      url: options.url,
      clientName: DOCTOR_CLIENT_NAME,
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_DOCTOR_OPTIONS.connectTimeoutMs,
      commandTimeoutMs: options.commandTimeoutMs ?? DEFAULT_DOCTOR_OPTIONS.commandTimeoutMs,
    });
    this.#target = redactUrl(options.url);
    this.#procRoot = options.procRoot;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Audit once. `watch` numbers the report and, from the second one on, adds per-node deltas
   * and the growing-rejections check. Never rejects for server trouble: that is in the report.
   */
  async audit(options: { readonly watch?: boolean } = {}): Promise<DoctorReport> {
    const atMs = this.#now();
    const raw = await this.#collector.collect();
    const previous = options.watch === true ? this.#previous : undefined;
    const intervalSeconds = previous === undefined ? 0 : (atMs - previous.atMs) / 1000;
    const nodes = raw.nodes.map((node) =>
      analyzeNode(
        node,
        DOCTOR_CLIENT_NAME,
        previousNode(previous?.report, node.target.address, intervalSeconds),
      ),
    );
    const targets: HostTarget[] = nodes.flatMap((n) =>
      n.port === null ? [] : [{ address: n.address, host: n.host, port: n.port }],
    );
    const host = await readHostView(
      targets,
      this.#procRoot === undefined ? {} : { procRoot: this.#procRoot },
    );
    const findings = runChecks({ nodes, host, discoveryError: raw.discoveryError });
    const report: DoctorReport = {
      schemaVersion: DOCTOR_SCHEMA_VERSION,
      generatedAt: new Date(atMs).toISOString(),
      target: this.#target,
      mode: raw.mode,
      discoveryError: raw.discoveryError,
      doctorClientName: DOCTOR_CLIENT_NAME,
      iteration: options.watch === true ? ++this.#iteration : null,
      nodes,
      host,
      findings,
      summary: summarise(findings, nodes),
    };
    if (options.watch === true) this.#previous = { report, atMs };
    return report;
  }

  /** Close the doctor's connections. Idempotent. */
  close(): Promise<void> {
    return this.#collector.close();
  }
}

/** Audit `options.url` once and close the connections, on every path. */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const session = new DoctorSession(options);
  try {
    return await session.audit();
  } finally {
    await session.close();
  }
}

function previousNode(
  report: DoctorReport | undefined,
  address: string,
  intervalSeconds: number,
): PreviousNode | undefined {
  const node: NodeReport | undefined = report?.nodes.find((n) => n.address === address);
  return node === undefined ? undefined : { node, intervalSeconds };
}
