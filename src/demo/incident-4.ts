/**
 * Replay of incident 4, "TIME_WAIT storm": the same repeated bursts of short leased operations,
 * first through a redigo-style pool whose idle cap is below peak concurrency (it dials for every
 * caller beyond the idle ones and closes every connection beyond the cap on release), then
 * through respool with a connection budget (callers beyond it wait; release never closes).
 * Measured per side: sockets dialled, peak connections as the server saw them, throughput, and
 * the TIME_WAIT sockets this host holds from that side's own local ports towards the server.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { createClient } from '../client/client.js';
import { toConnectionOptions } from '../client/option-slices.js';
import { resolveClientOptions } from '../client/options.js';
import { formatCount } from '../util/format-table.js';
import { CappedIdlePool } from './capped-idle-pool.js';
import { auditSide, type DoctorVerdict } from './doctor-verdict.js';
import { PeakSampler } from './peak-sampler.js';
import {
  optionValue,
  type ReplayContext,
  type ReplayEnv,
  type ReplayOption,
  type ReplayReport,
  type ServerReplay,
} from './replay.js';
import { request } from './request.js';
import { countTimeWait, PortRecorder } from './time-wait.js';

const BURSTS: ReplayOption = {
  name: 'bursts',
  description: 'bursts run through each pool',
  default: 5,
  min: 1,
  max: 1_000,
};

const BURST_CALLERS: ReplayOption = {
  name: 'burst-callers',
  description: 'callers per burst, one leased INCR each',
  default: 100,
  min: 1,
  max: 10_000,
};

const MAX_IDLE: ReplayOption = {
  name: 'max-idle',
  description: "the naive pool's idle cap (redigo MaxIdle)",
  default: 4,
  min: 0,
  max: 10_000,
};

const MAX_CONNECTIONS: ReplayOption = {
  name: 'max-connections',
  description: "respool's maxConnections",
  default: 16,
  min: 2,
  max: 10_000,
};

// Bursts are spikes, not one long run: a pause lets each pool settle between them.
const PAUSE_BETWEEN_BURSTS_MS = 50;
// Short enough to catch a burst's peak, which lasts only as long as its dials.
const PEAK_SAMPLE_MS = 5;
// After the server has dropped a side's connections, give the last FIN/ACKs a moment.
const SETTLE_MS = 100;
const DRAIN_TIMEOUT_MS = 3_000;
const DRAIN_POLL_MS = 20;

/** Parameters of {@link replayTimeWaitStorm}. */
export interface TimeWaitParams {
  readonly bursts: number;
  readonly burstCallers: number;
  /** The naive pool's idle cap. */
  readonly maxIdle: number;
  /** respool's connection budget. */
  readonly maxConnections: number;
}

/** What one side did. */
export interface TimeWaitSide {
  /** Its CLIENT SETNAME. */
  readonly clientName: string;
  /** Bursts run: at least the option's, more while the doctor's audit was still sampling. */
  readonly bursts: number;
  /** Sockets dialled towards the server. */
  readonly dialled: number;
  /** Most of its connections open at once, as the server listed them. */
  readonly serverPeak: number;
  /** Most of its connections open at once, by its own count. */
  readonly clientPeak: number;
  /** Callers that had to wait for a connection (the naive pool never waits: it dials). */
  readonly waited: number;
  /** Operations that succeeded / failed, and the first failure. */
  readonly completed: number;
  readonly errors: number;
  readonly firstError: Error | undefined;
  /** Time spent in the bursts, pauses excluded. */
  readonly elapsedMs: number;
  /** INCR replies that repeated an earlier one (each must be unique). */
  readonly duplicateReplies: number;
  /** The counter as the server holds it; must equal `completed`. */
  readonly counter: number;
  /**
   * TIME_WAIT sockets on this host from this side's local ports towards the server, counted
   * after it closed; `undefined` where /proc/net/tcp is not available or the server is on a
   * Unix socket.
   */
  readonly timeWait: number | undefined;
  /** The doctor's audit after the bursts, before the side closed. */
  readonly verdict: DoctorVerdict;
}

/** Everything {@link replayTimeWaitStorm} measured. */
export interface TimeWaitResult {
  readonly params: TimeWaitParams;
  readonly naive: TimeWaitSide;
  readonly respool: TimeWaitSide;
}

/** `respool demo --incident 4`: close-on-release vs a budget that queues callers. */
export const incident4: ServerReplay = {
  incident: 4,
  title: 'TIME_WAIT storm',
  target: 'server',
  options: [BURSTS, BURST_CALLERS, MAX_IDLE, MAX_CONNECTIONS],
  async run(context: ReplayContext): Promise<ReplayReport> {
    const result = await replayTimeWaitStorm(context, {
      bursts: optionValue(context.values, BURSTS),
      burstCallers: optionValue(context.values, BURST_CALLERS),
      maxIdle: optionValue(context.values, MAX_IDLE),
      maxConnections: optionValue(context.values, MAX_CONNECTIONS),
    });
    return timeWaitReport(result);
  },
};

/** One side under test: a lease-run-release operation and its own counts. */
interface Side {
  /** For progress lines. */
  readonly label: string;
  /** For the doctor's verdict. */
  readonly side: string;
  readonly clientName: string;
  readonly recorder: PortRecorder;
  readonly incr: (key: string) => Promise<number>;
  readonly clientOpen: () => number;
  readonly waited: () => number;
  close(): Promise<void>;
  destroy(): void;
}

/**
 * Run the replay: the naive pool first, then respool, each closed on every path.
 *
 * Naive first on purpose: on loopback Linux may hand a new socket a local port that is still in
 * TIME_WAIT (tcp_tw_reuse), which ends that TIME_WAIT. If respool ran first, the naive pool
 * could reuse respool's freed ports and its TIME_WAIT would be counted against respool.
 */
export async function replayTimeWaitStorm(
  env: ReplayEnv,
  params: TimeWaitParams,
): Promise<TimeWaitResult> {
  const resolved = resolveClientOptions({ url: env.url });
  // Over a Unix socket there is no TCP, so no TIME_WAIT to count.
  const serverPort = resolved.path === undefined ? resolved.port : undefined;
  const prefix = `respool-demo:${env.runId}:incident-4:`;

  const naive = naiveSide(env, params);
  const naiveResult = await measure(
    env,
    naive,
    params,
    `${prefix}naive:counter`,
    serverPort,
    undefined,
  );
  const respool = respoolSide(env, params);
  const respoolResult = await measure(
    env,
    respool,
    params,
    `${prefix}respool:counter`,
    serverPort,
    naiveResult.verdict,
  );
  return { params, naive: naiveResult, respool: respoolResult };
}

function naiveSide(env: ReplayEnv, params: TimeWaitParams): Side {
  const clientName = `naive-maxidle-${env.runId}`;
  const recorder = new PortRecorder();
  const pool = new CappedIdlePool(
    toConnectionOptions(resolveClientOptions({ url: env.url, name: clientName })),
    params.maxIdle,
    recorder.factory,
  );
  return {
    label: 'the naive pool',
    side: 'naive pool',
    clientName,
    recorder,
    incr: (key) => pool.withConnection(async (conn) => Number(await request(conn, ['INCR', key]))),
    clientOpen: () => pool.stats().peakOpen,
    waited: () => 0,
    close: async () => pool.close(),
    destroy: () => pool.close(),
  };
}

function respoolSide(env: ReplayEnv, params: TimeWaitParams): Side {
  const clientName = `respool-demo-${env.runId}`;
  const recorder = new PortRecorder();
  const client = createClient({
    url: env.url,
    name: clientName,
    maxConnections: params.maxConnections,
    socketFactory: recorder.factory,
    // Every caller of a burst may queue; none should give up while the queue drains.
    acquireTimeoutMs: 0,
  });
  return {
    label: 'respool',
    side: 'respool',
    clientName,
    recorder,
    incr: (key) => client.withConnection((conn) => conn.incr(key)),
    clientOpen: () => client.stats().open,
    waited: () => client.stats().leaseWaits,
    close: () => client.close(),
    destroy: () => client.destroy(),
  };
}

async function measure(
  env: ReplayEnv,
  side: Side,
  params: TimeWaitParams,
  counter: string,
  serverPort: number | undefined,
  previous: DoctorVerdict | undefined,
): Promise<TimeWaitSide> {
  const { monitor } = env;
  // Without CLIENT LIST (an ACL) fall back to the side's own count; the report's numbers then
  // come from the client, which the server would normally confirm.
  const sampler = new PeakSampler(
    async () => (await monitor.clientsNamed(side.clientName)) ?? side.clientOpen(),
    side.clientOpen,
    PEAK_SAMPLE_MS,
  );
  env.progress(
    `replaying ${params.bursts} bursts of ${params.burstCallers} through ${side.label}...`,
  );
  const tally = { completed: 0, errors: 0, elapsedMs: 0 };
  let firstError: Error | undefined;
  const replies = new Set<number>();
  let duplicateReplies = 0;
  let closed = false;
  try {
    await sampler.start();
    // The doctor audits while the bursts run (its sampling window must see the connections
    // open and close), so the bursts go on until it is done, at least `bursts` of them.
    let audited = false;
    const auditing = auditSide(
      env.url,
      { label: side.side, clientName: side.clientName },
      previous,
    ).finally(() => {
      audited = true;
    });
    let bursts = 0;
    for (let b = 0; b < params.bursts || !audited; b++) {
      bursts++;
      if (b > 0) await delay(PAUSE_BETWEEN_BURSTS_MS);
      const started = performance.now();
      await Promise.all(
        Array.from({ length: params.burstCallers }, async () => {
          try {
            const value = await side.incr(counter);
            if (replies.has(value)) duplicateReplies++;
            replies.add(value);
            tally.completed++;
          } catch (error) {
            tally.errors++;
            firstError ??= error instanceof Error ? error : new Error(String(error));
          }
        }),
      );
      tally.elapsedMs += performance.now() - started;
    }
    const verdict = await auditing;
    const peaks = await sampler.stop();
    const value = Number((await monitor.getText(counter)) ?? 0);
    const waited = side.waited();
    await side.close();
    closed = true;
    await drained(env, side.clientName);
    await delay(SETTLE_MS);
    return {
      clientName: side.clientName,
      bursts,
      dialled: side.recorder.dialled,
      serverPeak: peaks.server,
      clientPeak: peaks.client,
      waited,
      ...tally,
      firstError,
      duplicateReplies,
      counter: value,
      timeWait:
        serverPort === undefined ? undefined : countTimeWait(side.recorder.ports, serverPort),
      verdict,
    };
  } finally {
    if (!closed) {
      // The sampler may still be polling on the error path; stop it, its result is moot.
      await sampler.stop().catch(() => undefined);
      side.destroy();
    }
    await monitor.deleteKeys([counter]);
  }
}

/** Wait until the server lists none of `name`'s connections (it has closed its side too). */
async function drained(env: ReplayEnv, name: string): Promise<void> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  for (;;) {
    const left = await env.monitor.clientsNamed(name);
    if (left === undefined || left === 0 || Date.now() >= deadline) return;
    await delay(DRAIN_POLL_MS);
  }
}

/** Turn the measurements into the report the CLI prints. */
export function timeWaitReport(result: TimeWaitResult): ReplayReport {
  const { params, naive, respool } = result;
  const setup = [
    `Bursts of ${fmt(params.burstCallers)} concurrent callers, each one leased INCR: ` +
      `${fmt(naive.bursts)} through the naive pool,`,
    `${fmt(respool.bursts)} through respool (at least ${fmt(params.bursts)} each; they go on ` +
      'while the doctor audits).',
    `naive pool: maxIdle ${fmt(params.maxIdle)}, no active limit, no waiting (redigo): dials ` +
      'whenever nothing is idle,',
    '            and closes from the client side on release when the idle list is full.',
    `respool:    createClient({ maxConnections: ${fmt(params.maxConnections)} }); callers ` +
      'beyond the budget wait in line;',
    '            release never closes.',
  ];
  const timeWait = (side: TimeWaitSide): string =>
    side.timeWait === undefined ? 'not available' : fmt(side.timeWait);
  const rate = (side: TimeWaitSide): string => fmt(opsPerSecond(side));
  const table = [
    ['', 'naive pool', 'respool'],
    ['connections dialled', fmt(naive.dialled), fmt(respool.dialled)],
    ['connections at peak, as the server saw them', fmt(naive.serverPeak), fmt(respool.serverPeak)],
    ["connections at peak, client's own count", fmt(naive.clientPeak), fmt(respool.clientPeak)],
    ['callers that waited for a connection', fmt(naive.waited), fmt(respool.waited)],
    ['operations per second', rate(naive), rate(respool)],
    ['errors', fmt(naive.errors), fmt(respool.errors)],
    ['TIME_WAIT sockets on this host, from its own ports', timeWait(naive), timeWait(respool)],
    ['INCR counter / INCRs that succeeded', counterCell(naive), counterCell(respool)],
  ];
  const findings = [
    `The naive pool dialled ${fmt(naive.dialled)} connections: only ${fmt(params.maxIdle)} fit ` +
      'on its idle list, so each burst dialled for the rest and closed them on release. The side ' +
      'that closes a TCP connection first keeps it in TIME_WAIT (60 s on Linux), holding a local ' +
      `port: ${timeWait(naive)} here. In incident 4 that reached 20,000+ and connect() failed ` +
      "with 'cannot assign requested address'.",
    `respool dialled ${fmt(respool.dialled)}: never more than its budget ` +
      `(${fmt(params.maxConnections)}, one slot reserved for the multiplexed connection), ` +
      `${fmt(respool.waited)} callers waited in line instead of dialling, and it closes with ` +
      `QUIT so the server closes first: TIME_WAIT lands on the server, ${timeWait(respool)} ` +
      'on this host.',
  ];
  const speedup = opsPerSecond(respool) / Math.max(1, opsPerSecond(naive));
  if (Number.isFinite(speedup) && speedup >= 1.1) {
    findings.push(
      `Queueing was also ${speedup.toFixed(1)}x faster than dialling: a connect and handshake ` +
        'costs far more than waiting for a connection that is busy for one INCR.',
    );
  }
  findings.push(
    'Ordinary commands need no lease at all: through respool they share its one multiplexed ' +
      "connection, which is what the incident's own fix (a pipeline worker) approximated.",
  );
  return {
    setup,
    table,
    findings,
    checks:
      'on both sides every INCR reply was distinct and the counter equals the INCRs that ' +
      'succeeded; respool stayed within its budget and left no TIME_WAIT on this host.',
    failures: [...verify('naive pool', naive), ...verifyRespool(respool, params)],
    verdicts: {
      note: 'while the bursts ran, before each side closed',
      sides: [naive.verdict, respool.verdict],
    },
  };
}

function verify(label: string, side: TimeWaitSide): string[] {
  const failures: string[] = [];
  if (side.duplicateReplies > 0) {
    failures.push(`${label}: ${side.duplicateReplies} INCR replies repeated an earlier one`);
  }
  if (side.counter !== side.completed) {
    failures.push(
      `${label}: the counter holds ${side.counter} but ${side.completed} INCRs succeeded`,
    );
  }
  return failures;
}

function verifyRespool(side: TimeWaitSide, params: TimeWaitParams): string[] {
  const failures = verify('respool', side);
  if (side.errors > 0) {
    failures.push(
      `respool: ${side.errors} operations failed; first: ${side.firstError?.message ?? 'unknown'}`,
    );
  }
  if (side.serverPeak > params.maxConnections) {
    failures.push(
      `respool: the server saw ${side.serverPeak} connections, over the budget of ${params.maxConnections}`,
    );
  }
  if (side.timeWait !== undefined && side.timeWait > 0) {
    failures.push(`respool: ${side.timeWait} of its sockets are in TIME_WAIT on this host`);
  }
  return failures;
}

function opsPerSecond(side: TimeWaitSide): number {
  return side.elapsedMs > 0 ? (side.completed * 1000) / side.elapsedMs : 0;
}

function counterCell(side: TimeWaitSide): string {
  return `${fmt(side.counter)} / ${fmt(side.completed)}`;
}

function fmt(n: number): string {
  return formatCount(n);
}
