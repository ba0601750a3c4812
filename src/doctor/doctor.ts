/**
 * The doctor's orchestration: collect raw replies (collect.ts), turn them into node reports
 * (analyze.ts), read this host's sockets (host.ts), run the checks, and assemble the
 * {@link DoctorReport}. A session keeps its connections between audits (watch mode) and
 * remembers the previous report for deltas; `runDoctor` is the one-off form.
 */

import { setTimeout as delay } from 'node:timers/promises';
import { redactUrl } from '../client/options.js';
import { analyzeNode } from './analyze.js';
import { runChecks } from './checks/run-checks.js';
import { Collector, type RawAudit } from './collect.js';
import { type HostTarget, readHostView } from './host.js';
import { DOCTOR_SCHEMA_VERSION, type DoctorReport, type NodeReport } from './report-model.js';
import { summarise } from './summary.js';

/** CLIENT SETNAME of the doctor's own connections; they are left out of the groups. */
export const DOCTOR_CLIENT_NAME = 'respool-doctor';

/** Defaults of {@link DoctorOptions}. Short: a doctor must not hang on a dead server. */
export const DEFAULT_DOCTOR_OPTIONS = Object.freeze({
  connectTimeoutMs: 3_000,
  commandTimeoutMs: 5_000,
  sampleWindowMs: 1_000,
});

/** CLIENT LIST reads per second inside a sampling window: enough to see a burst's connections. */
const SAMPLE_EVERY_MS = 100;

/** Options of {@link runDoctor} and {@link DoctorSession}. */
export interface DoctorOptions {
  /** Server or cluster seed, `redis://[[user]:password@]host[:port][/db]` or `rediss://…`. */
  readonly url: string;
  /** @default 3000 */
  readonly connectTimeoutMs?: number;
  /** @default 5000 */
  readonly commandTimeoutMs?: number;
  /**
   * One-shot audits read every node twice, this far apart, with CLIENT LIST samples in between:
   * what the pools did in that window (command rates, connections opened and closed) is what
   * tells a pool far larger than its work, or one that dials and closes per burst. 0 reads once
   * (no activity, no deltas). Watch mode uses its interval instead. @default 1000
   */
  readonly sampleWindowMs?: number;
  /** Root of the proc filesystem for the host view (tests). @default '/proc' */
  readonly procRoot?: string;
  /** Milliseconds since the epoch (tests). @default Date.now */
  readonly now?: () => number;
}

/** A read the next audit compares with: the previous report's (watch) or the window's start. */
interface PreviousRead {
  readonly nodes: readonly NodeReport[];
  readonly raw: RawAudit;
  readonly atMs: number;
}

/** Audits the same target repeatedly over the same connections. Close it when done. */
export class DoctorSession {
  readonly #collector: Collector;
  readonly #target: string;
  readonly #procRoot: string | undefined;
  readonly #now: () => number;
  readonly #sampleWindowMs: number;
  #previous: PreviousRead | undefined;
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
    this.#sampleWindowMs = options.sampleWindowMs ?? DEFAULT_DOCTOR_OPTIONS.sampleWindowMs;
  }

  /**
   * Audit once. `watch` numbers the report and, from the second one on, adds per-node deltas
   * and the growing-rejections check. Never rejects for server trouble: that is in the report.
   */
  async audit(options: { readonly watch?: boolean } = {}): Promise<DoctorReport> {
    const watch = options.watch === true;
    let previous = watch ? this.#previous : undefined;
    const samples = new Map<string, string[]>();
    if (!watch && this.#sampleWindowMs > 0) previous = await this.#window(samples);
    const atMs = this.#now();
    const raw = await this.#collector.collect();
    const intervalSeconds = previous === undefined ? 0 : (atMs - previous.atMs) / 1000;
    const nodes = raw.nodes.map((node) => {
      const address = node.target.address;
      const before = previous?.nodes.find((n) => n.address === address);
      const beforeRaw = previous?.raw.nodes.find((n) => n.target.address === address);
      return analyzeNode(
        node,
        DOCTOR_CLIENT_NAME,
        before === undefined
          ? undefined
          : {
              node: before,
              intervalSeconds,
              ...(beforeRaw === undefined ? {} : { raw: beforeRaw }),
              samples: samples.get(address) ?? [],
            },
      );
    });
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
    if (watch) this.#previous = { nodes, raw, atMs };
    return report;
  }

  /**
   * The start of a one-shot audit's window: a full read, then CLIENT LIST samples (into
   * `samples`, per node) until the window has passed.
   */
  async #window(samples: Map<string, string[]>): Promise<PreviousRead> {
    const atMs = this.#now();
    const raw = await this.#collector.collect();
    const nodes = raw.nodes.map((node) => analyzeNode(node, DOCTOR_CLIENT_NAME));
    const endMs = atMs + this.#sampleWindowMs;
    for (;;) {
      const leftMs = endMs - this.#now();
      if (leftMs <= SAMPLE_EVERY_MS / 2) break;
      await delay(Math.min(SAMPLE_EVERY_MS, leftMs));
      if (endMs - this.#now() <= SAMPLE_EVERY_MS / 2) break;
      for (const [address, text] of await this.#collector.sampleClientLists()) {
        const list = samples.get(address) ?? [];
        list.push(text);
        samples.set(address, list);
      }
    }
    return { nodes, raw, atMs };
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
