/**
 * Replay of incident 1, "the pool with no upper bound": the same burst of concurrent callers
 * run twice against one server, first through the naive pool (a new connection whenever none is
 * idle, never closed), then through respool's multiplexed client. Connection counts come from
 * the server (`INFO clients`, `CLIENT LIST`), not from the code under test. Before each side
 * closes, its connections sit idle for a while and the doctor audits the server.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { createClient } from '../client/client.js';
import { toConnectionOptions } from '../client/option-slices.js';
import { resolveClientOptions } from '../client/options.js';
import { IDLE_POOL_P50_SECONDS } from '../doctor/thresholds.js';
import { formatCount } from '../util/format-table.js';
import { auditSide, type DoctorVerdict } from './doctor-verdict.js';
import { NaivePool } from './naive-pool.js';
import { PeakSampler } from './peak-sampler.js';
import {
  optionValue,
  type ReplayContext,
  type ReplayEnv,
  type ReplayOption,
  type ReplayReport,
  type ServerReplay,
} from './replay.js';
import {
  counterKey,
  type KvStore,
  runWorkload,
  type WorkloadResult,
  workloadKeys,
} from './workload.js';

const CALLERS: ReplayOption = {
  name: 'callers',
  description: 'concurrent callers, each running its own loop',
  default: 500,
  min: 1,
  max: 10_000,
};

const OPS_PER_CALLER: ReplayOption = {
  name: 'ops-per-caller',
  description: 'operations per caller, cycling SET, GET, INCR',
  default: 20,
  min: 1,
  max: 100_000,
};

const AUDIT_IDLE_SECONDS: ReplayOption = {
  name: 'audit-idle-seconds',
  description: "seconds each side's connections sit idle before the doctor audits them",
  // The doctor calls a pool idle from a median idle of IDLE_POOL_P50_SECONDS; the server counts
  // idle time in whole seconds, so one more second makes sure it gets there.
  default: IDLE_POOL_P50_SECONDS + 1,
  min: 0,
  max: 600,
};

const WARM_UP = { callers: 200, opsPerCaller: 60 } as const;

// A graceful close ends when the server has read QUIT; give the count a moment to settle.
const SETTLE_TIMEOUT_MS = 3_000;

/** Parameters of {@link replayUnboundedPool}. */
export interface UnboundedPoolParams {
  readonly callers: number;
  readonly opsPerCaller: number;
  /** Idle time before each side's audit by the doctor. */
  readonly auditIdleSeconds: number;
}

/** One connection strategy under test. */
interface Contender {
  /** For progress lines. */
  readonly label: string;
  /** For the doctor's verdict. */
  readonly side: string;
  /** CLIENT SETNAME of its connections, so CLIENT LIST can tell them apart. */
  readonly clientName: string;
  readonly store: KvStore;
  /** The strategy's own count of open connections (peak for the naive pool, which never shrinks). */
  readonly clientCount: () => number;
  close(): Promise<void>;
  destroy(): void;
}

/** What one run measured. */
export interface Measured {
  readonly clientName: string;
  readonly workload: WorkloadResult;
  readonly serverPeak: number;
  readonly clientPeak: number;
  readonly idleAfterBurst: number;
  readonly afterClose: number;
  readonly counter: number;
  /** The doctor's audit, while its connections were open. */
  readonly verdict: DoctorVerdict;
}

/** Everything {@link replayUnboundedPool} measured. */
export interface UnboundedPoolResult {
  readonly params: UnboundedPoolParams;
  readonly naive: Measured;
  readonly respool: Measured;
  /** The server was not ours: other clients may have come and gone meanwhile. */
  readonly shared: boolean;
}

/** `respool demo --incident 1`: the naive pool and respool, same burst, same server. */
export const incident1: ServerReplay = {
  incident: 1,
  title: 'the pool with no upper bound',
  target: 'server',
  options: [CALLERS, OPS_PER_CALLER, AUDIT_IDLE_SECONDS],
  async run(context: ReplayContext): Promise<ReplayReport> {
    const result = await replayUnboundedPool(context, {
      callers: optionValue(context.values, CALLERS),
      opsPerCaller: optionValue(context.values, OPS_PER_CALLER),
      auditIdleSeconds: optionValue(context.values, AUDIT_IDLE_SECONDS),
    });
    return unboundedPoolReport(result);
  },
};

/** Run the replay: a warm-up, then the naive pool, then respool, each closed on every path. */
export async function replayUnboundedPool(
  env: ReplayEnv,
  params: UnboundedPoolParams,
): Promise<UnboundedPoolResult> {
  await warmUp(env);
  const naive = await measure(env, naiveContender(env, 'naive'), params, undefined);
  const respool = await measure(env, respoolContender(env, 'respool'), params, naive.verdict);
  return { params, naive, respool, shared: env.shared };
}

/** Turn the measurements into the report the CLI prints. */
export function unboundedPoolReport(result: UnboundedPoolResult): ReplayReport {
  const { callers, opsPerCaller, auditIdleSeconds } = result.params;
  const { naive, respool: ours } = result;
  const total = callers * opsPerCaller;
  const setup = [
    `${formatCount(callers)} concurrent callers x ${formatCount(opsPerCaller)} operations ` +
      `(SET, GET, INCR in turn) = ${formatCount(total)} operations, run twice.`,
    'naive pool: a new connection whenever none is idle, no limit, never closed (redis-py default).',
    'respool:    createClient(), every caller multiplexed over one connection.',
  ];
  const rate = (m: Measured): string => formatCount(opsPerSecond(m.workload));
  const table = [
    ['', 'naive pool', 'respool'],
    ['connections at peak, as the server saw them', fmt(naive.serverPeak), fmt(ours.serverPeak)],
    ["connections at peak, client's own count", fmt(naive.clientPeak), fmt(ours.clientPeak)],
    ['operations per second', rate(naive), rate(ours)],
    ['errors', fmt(naive.workload.errors), fmt(ours.workload.errors)],
    [
      'connections left idle on the server after the burst',
      fmt(naive.idleAfterBurst),
      fmt(ours.idleAfterBurst),
    ],
    ['connections left after close()', fmt(naive.afterClose), fmt(ours.afterClose)],
    [
      'GETs that returned another value',
      fmt(naive.workload.wrongReplies),
      fmt(ours.workload.wrongReplies),
    ],
    ['INCR counter / INCRs that succeeded', counterCell(naive), counterCell(ours)],
  ];
  const failures = [...verify('naive pool', naive), ...verify('respool', ours)];
  if (ours.workload.errors > 0) {
    failures.push(
      `respool: ${ours.workload.errors} operations failed; first: ${describe(ours.workload.firstError)}`,
    );
  }
  return {
    setup,
    table,
    findings: findings(naive, ours, callers, result.shared),
    checks: 'in both runs every GET returned its own SET, and the counter equals the INCRs.',
    failures,
    verdicts: {
      note: `after each side's connections sat idle ${auditIdleSeconds} s, before it closed`,
      sides: [naive.verdict, ours.verdict],
    },
  };
}

/**
 * Run a small burst through a throwaway instance of each contender first. Without it the second
 * run measured would profit from code the first one got the JIT to optimise, and a 10,000-op
 * burst is short enough for that to dominate its ops/s.
 */
async function warmUp(context: ReplayEnv): Promise<void> {
  context.progress('warming up both code paths...');
  const baseline = await context.monitor.connectedClients();
  for (const contender of [
    naiveContender(context, 'warmup-naive'),
    respoolContender(context, 'warmup'),
  ]) {
    const options = {
      ...WARM_UP,
      prefix: `respool-demo:${context.runId}:${contender.clientName}:`,
    };
    try {
      await runWorkload(contender.store, options);
    } finally {
      await contender.close();
      await context.monitor.deleteKeys(workloadKeys(options));
    }
  }
  // The measured runs subtract a baseline; the warm-up's connections must be gone from it.
  await context.monitor.waitForClientsAtMost(baseline, SETTLE_TIMEOUT_MS);
}

async function measure(
  context: ReplayEnv,
  contender: Contender,
  params: UnboundedPoolParams,
  previous: DoctorVerdict | undefined,
): Promise<Measured> {
  const { monitor } = context;
  const prefix = `respool-demo:${context.runId}:${contender.clientName}:`;
  const workloadOptions = { callers: params.callers, opsPerCaller: params.opsPerCaller, prefix };
  // The monitor's own connection is in the baseline, so differences count only the contender.
  const baseline = await monitor.connectedClients();
  const sampler = new PeakSampler(
    async () => (await monitor.connectedClients()) - baseline,
    contender.clientCount,
  );
  context.progress(`replaying through ${contender.label}...`);
  let closed = false;
  try {
    await sampler.start();
    const workload = await runWorkload(contender.store, workloadOptions);
    const peaks = await sampler.stop();
    const named = await monitor.clientsNamed(contender.clientName);
    const idleAfterBurst = named ?? (await monitor.connectedClients()) - baseline;
    const counter = Number((await monitor.getText(counterKey(prefix))) ?? 0);
    if (params.auditIdleSeconds > 0) {
      context.progress(
        `  idle ${params.auditIdleSeconds} s with its connections open, then the doctor's audit...`,
      );
      await delay(params.auditIdleSeconds * 1000);
    }
    const verdict = await auditSide(
      context.url,
      { label: contender.side, clientName: contender.clientName },
      previous,
    );
    await contender.close();
    closed = true;
    const afterClose = (await monitor.waitForClientsAtMost(baseline, SETTLE_TIMEOUT_MS)) - baseline;
    context.progress(
      `  done in ${formatCount(workload.elapsedMs)} ms, ${formatCount(peaks.samples)} server samples`,
    );
    return {
      clientName: contender.clientName,
      workload,
      serverPeak: peaks.server,
      clientPeak: peaks.client,
      idleAfterBurst,
      afterClose: Math.max(0, afterClose),
      counter,
      verdict,
    };
  } finally {
    if (!closed) contender.destroy();
    await monitor.deleteKeys(workloadKeys(workloadOptions));
  }
}

function naiveContender(context: ReplayEnv, role: string): Contender {
  const clientName = `respool-demo-${role}-${context.runId}`;
  const pool = new NaivePool(
    toConnectionOptions(resolveClientOptions({ url: context.url, name: clientName })),
  );
  return {
    label: 'the naive pool',
    side: 'naive pool',
    clientName,
    store: {
      set: (key, value) => pool.command(['SET', key, value]),
      get: async (key) => {
        const value = await pool.command(['GET', key]);
        return value === null ? null : String(value);
      },
      incr: async (key) => Number(await pool.command(['INCR', key])),
    },
    clientCount: () => pool.stats().peakOpen,
    close: () => pool.close(),
    destroy: () => pool.destroy(),
  };
}

function respoolContender(context: ReplayEnv, role: string): Contender {
  const clientName = `respool-demo-${role}-${context.runId}`;
  const client = createClient({ url: context.url, name: clientName });
  return {
    label: 'respool',
    side: 'respool',
    clientName,
    store: client,
    clientCount: () => client.stats().open,
    close: () => client.close(),
    destroy: () => client.destroy(),
  };
}

function verify(label: string, m: Measured): string[] {
  const failures: string[] = [];
  if (m.workload.wrongReplies > 0) {
    failures.push(
      `${label}: ${m.workload.wrongReplies} GETs returned a value their caller had not set`,
    );
  }
  if (m.counter !== m.workload.incrs) {
    failures.push(
      `${label}: the counter holds ${m.counter} but ${m.workload.incrs} INCRs succeeded`,
    );
  }
  return failures;
}

function findings(naive: Measured, ours: Measured, callers: number, shared: boolean): string[] {
  const lines = [
    `The naive pool opened ${fmt(naive.serverPeak)} connections for ${fmt(callers)} callers ` +
      `and left ${fmt(naive.idleAfterBurst)} idle when the burst was over. Nothing closes them ` +
      "(the server's `timeout` is 0 by default): in incident 1 this is how four workers reached " +
      'about 1,200 connections, and the server about 7,000 clients until it accepted no more.',
    `respool carried the same burst over ${plural(ours.serverPeak, 'connection')}: commands ` +
      'issued in one event-loop turn leave in one write, and replies are matched in order.',
  ];
  const speedup = opsPerSecond(ours.workload) / Math.max(1, opsPerSecond(naive.workload));
  if (Number.isFinite(speedup) && speedup >= 1.1) {
    lines.push(
      `It also finished ${speedup.toFixed(1)}x faster, mostly by not opening a connection per ` +
        'caller. A burst this short is a rough measure; `npm run bench` is the careful one.',
    );
  }
  if (naive.workload.errors > 0) {
    lines.push(
      `The naive pool failed ${fmt(naive.workload.errors)} operations; the first: ` +
        `${describe(naive.workload.firstError)}`,
    );
  }
  if (shared) {
    lines.push(
      'Counts are relative to the clients the server already had; other clients connecting ' +
        'meanwhile would show up in them.',
    );
  }
  return lines;
}

function opsPerSecond(w: WorkloadResult): number {
  return w.elapsedMs > 0 ? (w.completed * 1000) / w.elapsedMs : 0;
}

function counterCell(m: Measured): string {
  return `${fmt(m.counter)} / ${fmt(m.workload.incrs)}`;
}

function plural(n: number, noun: string): string {
  return `${fmt(n)} ${noun}${n === 1 ? '' : 's'}`;
}

function fmt(n: number): string {
  return formatCount(n);
}

function describe(error: Error | undefined): string {
  if (error === undefined) return 'none';
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
}
