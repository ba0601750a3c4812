/**
 * Replay of incident 2, "the FIFO idle queue that never lets go": a FIFO pool with an idle
 * timeout (Commons Pool with `lifo=false`) and respool's LIFO pool, same idle timeout, same
 * traffic, side by side against one server. A burst of concurrent leases opens N connections in
 * each; then steady traffic leases one connection at a time. The server's `CLIENT LIST`, grouped
 * by client name, shows which pool lets its idle connections go.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { createClient } from '../client/client.js';
import { toConnectionOptions } from '../client/option-slices.js';
import { resolveClientOptions } from '../client/options.js';
import { formatCount } from '../util/format-table.js';
import { DemoError } from './demo-error.js';
import { auditSides, type DoctorVerdict } from './doctor-verdict.js';
import { FifoPool } from './fifo-pool.js';
import { type PacedResult, runPaced } from './paced-load.js';
import {
  optionValue,
  type ReplayContext,
  type ReplayEnv,
  type ReplayOption,
  type ReplayReport,
  type ServerReplay,
} from './replay.js';
import { request } from './request.js';

const BURST_LEASES: ReplayOption = {
  name: 'burst-leases',
  description: 'concurrent leases in the opening burst (N)',
  default: 32,
  min: 1,
  max: 1_000,
};

const RATE: ReplayOption = {
  name: 'rate',
  description: 'leased operations per second afterwards',
  default: 50,
  min: 1,
  max: 10_000,
};

const IDLE_TIMEOUT_MS: ReplayOption = {
  name: 'idle-timeout-ms',
  description: 'idle time before a pool retires a connection',
  default: 1_000,
  min: 10,
  max: 60_000,
};

const SECONDS: ReplayOption = {
  name: 'seconds',
  description: 'seconds of steady traffic, one sample each',
  default: 6,
  min: 1,
  max: 600,
};

const MIN_IDLE: ReplayOption = {
  name: 'min-idle',
  description: "respool's minIdle",
  default: 1,
  min: 0,
  max: 1_000,
};

/** How long each burst lease holds its connection: a BLPOP on an empty list times out. */
const BURST_HOLD_SECONDS = 0.05;
const SAMPLE_INTERVAL_MS = 1_000;
/**
 * The doctor's audit starts this long before the steady traffic ends: its one-second sampling
 * window (and the reads around it) must fall inside the traffic to see each pool's rate.
 */
const AUDIT_BEFORE_END_MS = 2_000;

/** Parameters of {@link replayFifoIdleQueue}. */
export interface FifoIdleParams {
  /** Concurrent leases in the opening burst (N). */
  readonly burstLeases: number;
  /** Leased operations per second afterwards (R), on each side. */
  readonly ratePerSecond: number;
  /** Idle timeout of both pools (T). */
  readonly idleTimeoutMs: number;
  /** Duration of the steady traffic; one sample per second, t=0 being the end of the burst. */
  readonly seconds: number;
  /** respool's minIdle. */
  readonly minIdle: number;
}

/** Open connections of each pool as the server listed them at one moment. */
export interface FifoIdleSample {
  /** Milliseconds after the burst ended. */
  readonly atMs: number;
  readonly naive: number;
  readonly respool: number;
}

/** What one side did, beyond the samples. */
export interface FifoIdleSide {
  /** Its CLIENT SETNAME, as CLIENT LIST shows it. */
  readonly clientName: string;
  /** Connections it dialled. */
  readonly created: number;
  /** Connections its evictor retired. */
  readonly evicted: number;
  /** Burst BLPOPs that failed, or returned an element from a list nobody pushed to. */
  readonly burstFailures: number;
  readonly steady: PacedResult;
  /** The side's INCR counter as the server holds it; must equal `steady.completed`. */
  readonly counter: number;
  /** The doctor's audit near the end of the steady traffic, both pools open and working. */
  readonly verdict: DoctorVerdict;
}

/** Everything {@link replayFifoIdleQueue} measured. */
export interface FifoIdleResult {
  readonly params: FifoIdleParams;
  /** Evictor period of both pools: min(1 s, idle timeout), as respool uses. */
  readonly evictionIntervalMs: number;
  readonly samples: readonly FifoIdleSample[];
  readonly naive: FifoIdleSide;
  readonly respool: FifoIdleSide;
}

/** `respool demo --incident 2`: a FIFO idle queue and respool's LIFO stack, same traffic. */
export const incident2: ServerReplay = {
  incident: 2,
  title: 'the FIFO idle queue that never lets go',
  target: 'server',
  options: [BURST_LEASES, RATE, IDLE_TIMEOUT_MS, SECONDS, MIN_IDLE],
  async run(context: ReplayContext): Promise<ReplayReport> {
    const result = await replayFifoIdleQueue(context, {
      burstLeases: optionValue(context.values, BURST_LEASES),
      ratePerSecond: optionValue(context.values, RATE),
      idleTimeoutMs: optionValue(context.values, IDLE_TIMEOUT_MS),
      seconds: optionValue(context.values, SECONDS),
      minIdle: optionValue(context.values, MIN_IDLE),
    });
    return fifoIdleReport(result);
  },
};

/**
 * Run the replay: both pools side by side, each closed afterwards on every path.
 * @throws DemoError when the server does not allow CLIENT LIST (counting needs it), or when
 * `minIdle` exceeds the burst.
 */
export async function replayFifoIdleQueue(
  env: ReplayEnv,
  params: FifoIdleParams,
): Promise<FifoIdleResult> {
  if (params.minIdle > params.burstLeases) {
    throw new DemoError(
      `--min-idle ${params.minIdle} is more than the ${params.burstLeases} connections of the burst`,
    );
  }
  const { monitor } = env;
  const evictionIntervalMs = Math.min(1_000, params.idleTimeoutMs);
  const naiveName = `naive-fifo-${env.runId}`;
  const respoolName = `respool-demo-${env.runId}`;
  const prefix = `respool-demo:${env.runId}:incident-2:`;
  const counters = { naive: `${prefix}naive:counter`, respool: `${prefix}respool:counter` };
  if ((await monitor.clientsByName()) === undefined) {
    throw new DemoError(
      "Incident 2 counts each pool's connections with CLIENT LIST, which this server refuses " +
        '(ACL); run it against a server that allows it, or without REDIS_URL',
    );
  }

  const naive = new FifoPool(
    toConnectionOptions(resolveClientOptions({ url: env.url, name: naiveName })),
    { idleTimeoutMs: params.idleTimeoutMs, evictionIntervalMs },
  );
  // One slot more than the burst: respool reserves one for its multiplexed connection, which
  // this replay never uses (every operation is a lease), so the pool itself can reach N.
  const respool = createClient({
    url: env.url,
    name: respoolName,
    maxConnections: params.burstLeases + 1,
    minIdle: params.minIdle,
    idleTimeoutMs: params.idleTimeoutMs,
  });
  let closed = false;
  try {
    env.progress(
      `replaying through both pools: a burst of ${params.burstLeases} leases, then ` +
        `${params.ratePerSecond}/s for ${params.seconds} s...`,
    );
    const [naiveBurst, respoolBurst] = await Promise.all([
      burst(params.burstLeases, prefix, (key) =>
        naive.withConnection((conn) => request(conn, ['BLPOP', key, String(BURST_HOLD_SECONDS)])),
      ),
      burst(params.burstLeases, prefix, (key) => respool.blpop([key], BURST_HOLD_SECONDS)),
    ]);

    const startedAt = performance.now();
    const durationMs = params.seconds * SAMPLE_INTERVAL_MS;
    // One audit for both, while the steady traffic runs (its sampling window must see the
    // pools' command rate): they run side by side, and the server tells them apart by name.
    const auditing = delay(Math.max(0, durationMs - AUDIT_BEFORE_END_MS)).then(() =>
      auditSides(env.url, [
        { label: 'naive FIFO', clientName: naiveName },
        { label: 'respool', clientName: respoolName },
      ]),
    );
    const [samples, naiveSteady, respoolSteady, verdicts] = await Promise.all([
      sampleTimeline(env, startedAt, params.seconds, naiveName, respoolName),
      runPaced(params.ratePerSecond, durationMs, () =>
        naive.withConnection((conn) => request(conn, ['INCR', counters.naive])),
      ),
      runPaced(params.ratePerSecond, durationMs, () =>
        respool.withConnection((conn) => conn.incr(counters.respool)),
      ),
      auditing,
    ]);
    const [naiveVerdict, respoolVerdict] = verdicts;

    const naiveCounter = Number((await monitor.getText(counters.naive)) ?? 0);
    const respoolCounter = Number((await monitor.getText(counters.respool)) ?? 0);
    const naiveStats = naive.stats();
    const respoolStats = respool.stats();
    await Promise.all([naive.close(), respool.close()]);
    closed = true;
    return {
      params,
      evictionIntervalMs,
      samples,
      naive: {
        clientName: naiveName,
        created: naiveStats.created,
        evicted: naiveStats.evicted,
        burstFailures: naiveBurst,
        steady: naiveSteady,
        counter: naiveCounter,
        verdict: naiveVerdict!,
      },
      respool: {
        clientName: respoolName,
        created: respoolStats.created,
        // Nothing but its evictor closes a connection here: every one it closed was retired.
        evicted: respoolStats.destroyed,
        burstFailures: respoolBurst,
        steady: respoolSteady,
        counter: respoolCounter,
        verdict: respoolVerdict!,
      },
    };
  } finally {
    if (!closed) {
      naive.destroy();
      respool.destroy();
    }
    await monitor.deleteKeys([counters.naive, counters.respool]);
  }
}

/** N concurrent BLPOPs on empty lists; resolves with how many failed or returned an element. */
async function burst(
  n: number,
  prefix: string,
  pop: (key: string) => Promise<unknown>,
): Promise<number> {
  // Nothing is ever pushed to these lists, so each BLPOP holds its connection for the timeout.
  const results = await Promise.allSettled(
    Array.from({ length: n }, (_, i) => pop(`${prefix}empty:${i}`)),
  );
  return results.filter((r) => r.status === 'rejected' || r.value !== null).length;
}

/** One CLIENT LIST per second from `startedAt`, seconds + 1 samples (t=0 included). */
async function sampleTimeline(
  env: ReplayEnv,
  startedAt: number,
  seconds: number,
  naiveName: string,
  respoolName: string,
): Promise<FifoIdleSample[]> {
  const samples: FifoIdleSample[] = [];
  for (let i = 0; i <= seconds; i++) {
    const wait = startedAt + i * SAMPLE_INTERVAL_MS - performance.now();
    if (wait > 0) await delay(wait);
    const atMs = performance.now() - startedAt;
    // Checked before the pools were made; an ACL change mid-run would read as zero.
    const byName = (await env.monitor.clientsByName()) ?? new Map<string, number>();
    samples.push({
      atMs,
      naive: byName.get(naiveName) ?? 0,
      respool: byName.get(respoolName) ?? 0,
    });
  }
  return samples;
}

/** Turn the measurements into the report the CLI prints. */
export function fifoIdleReport(result: FifoIdleResult): ReplayReport {
  const { params, naive, respool, samples } = result;
  const n = params.burstLeases;
  const seconds = (ms: number): string => `${+(ms / 1000).toFixed(2)} s`;
  const reuseMs = (n * 1000) / params.ratePerSecond;
  const last = samples.at(-1);
  const naiveFinal = last?.naive ?? 0;
  const respoolFinal = last?.respool ?? 0;
  const floorAt = samples.find((s) => s.respool <= respoolFinal);
  // FIFO survivors are the connections reused within the timeout: k of them at R/s are each
  // idle k/R s, so about R x T survive (all N when R x T >= N).
  const fifoHolds = Math.min(n, Math.floor((params.ratePerSecond * params.idleTimeoutMs) / 1000));

  const setup = [
    `Both pools: idle timeout ${seconds(params.idleTimeoutMs)}, evictor every ` +
      `${seconds(result.evictionIntervalMs)}.`,
    `A burst of ${fmt(n)} concurrent leases (BLPOP, ${BURST_HOLD_SECONDS * 1000} ms each) opens ` +
      `${fmt(n)} connections in each pool;`,
    `then ${fmt(params.ratePerSecond)} leased INCRs per second on each for ${params.seconds} s.`,
    'Counts: CLIENT LIST on the server, grouped by client name.',
    `naive FIFO: borrow from the head, return to the tail, no limit (Commons Pool, lifo=false);`,
    `            named ${naive.clientName}.`,
    `respool:    createClient({ minIdle: ${params.minIdle}, idleTimeoutMs: ` +
      `${params.idleTimeoutMs} }), LIFO idle stack;`,
    `            named ${respool.clientName}.`,
  ];
  const table = [
    ['t (after the burst)', 'naive FIFO', 'respool'],
    ...samples.map((s) => [`t=${Math.round(s.atMs / 1000)}s`, fmt(s.naive), fmt(s.respool)]),
  ];
  const findings = [
    `FIFO: each request takes the connection idle longest, so all ${fmt(n)} take turns, each ` +
      `reused every ${seconds(reuseMs)}. ` +
      (reuseMs < params.idleTimeoutMs
        ? `That is within the ${seconds(params.idleTimeoutMs)} idle timeout, so the evictor ` +
          'never finds one to retire. '
        : `That is past the ${seconds(params.idleTimeoutMs)} idle timeout, so the evictor trims ` +
          'the queue, but only until the rest are reused in time. ') +
      `The pool keeps about min(N, rate x timeout) = ${fmt(fifoHolds)} connections ` +
      `(${fmt(naiveFinal)} at the end) for as long as traffic lasts: in incident 2, 10 ` +
      'requests/s against a 5-minute timeout kept about 3,000.',
    `LIFO: respool lends the connection returned last, so one hot connection carries the ` +
      `traffic and the cold ${fmt(Math.max(0, n - 1))} age past the timeout; its evictor ` +
      `(at most 16 per run) retired them down to ${fmt(respoolFinal)}` +
      `${floorAt === undefined ? '' : ` by t=${Math.round(floorAt.atMs / 1000)}s`} ` +
      `(minIdle ${params.minIdle}; the hot connection stays, as it is never idle for long).`,
    `Dialled: naive ${fmt(naive.created)} (evicted ${fmt(naive.evicted)}), respool ` +
      `${fmt(respool.created)} (retired ${fmt(respool.evicted)}).`,
  ];
  return {
    setup,
    table,
    findings,
    checks:
      'on both sides every burst BLPOP timed out empty, and the INCR counter equals the INCRs ' +
      'that succeeded.',
    failures: [...verify('naive FIFO', naive), ...verify('respool', respool)],
    verdicts: {
      note: 'once, in the last two seconds of the steady traffic, with both pools working',
      sides: [naive.verdict, respool.verdict],
    },
  };
}

function verify(label: string, side: FifoIdleSide): string[] {
  const failures: string[] = [];
  if (side.burstFailures > 0) {
    failures.push(`${label}: ${side.burstFailures} burst BLPOPs failed or returned an element`);
  }
  if (side.counter !== side.steady.completed) {
    failures.push(
      `${label}: the counter holds ${side.counter} but ${side.steady.completed} INCRs succeeded`,
    );
  }
  if (side.steady.errors > 0) {
    const first = side.steady.firstError?.message ?? 'unknown';
    failures.push(`${label}: ${side.steady.errors} INCRs failed; first: ${first}`);
  }
  return failures;
}

function fmt(n: number): string {
  return formatCount(n);
}
