/**
 * `npm run bench`: respool against its peers and a bare-socket baseline, end to end, against one
 * private redis-server. See docs/performance.md for the reference figures and why rounds
 * alternate.
 *
 *   npm run bench                                    # default: 5 rounds x 1.5 s, 1/50/500 callers
 *   npm run bench -- --quick                         # smoke run: 1 round x 0.5 s
 *   npm run bench -- --clients respool,bare --callers 500 --rounds 5 --json out.json
 *
 * Each round runs every client once per caller count, in an order rotated by one each round, so
 * slow drift of the machine (other tenants, thermal state) spreads over all clients instead of
 * landing on whichever runs last. Every client is connected, warmed up, measured and closed
 * within its own slot, and the next slot waits (up to 5 s, with a warning) for the server to be
 * back to zero client connections, so each peak-connection figure belongs to one client alone.
 */
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { startRedis } from '../../test/helpers/redis-server.js';
import type { BenchClient, ClientAdapter } from './client-adapter.js';
import { ALL_ADAPTERS, pickAdapters } from './clients.js';
import { ConnectionMonitor } from './connection-monitor.js';
import { printHeader, printRatios, printTables, type RunHeader } from './report.js';
import { ResultSet, type RoundResult, ratios } from './summary.js';
import { runWorkload } from './workload.js';

const OURS = 'respool';
const CLOSE_TIMEOUT_MS = 10_000;

interface Config {
  readonly callers: readonly number[];
  readonly durationMs: number;
  readonly warmupMs: number;
  readonly rounds: number;
  readonly clients: readonly ClientAdapter[];
  readonly json: string | undefined;
}

const USAGE = `usage: npm run bench -- [options]
  --callers <list>      concurrent callers, comma-separated (default 1,50,500)
  --duration-ms <n>     measured time per client, caller count and round (default 1500)
  --warmup-ms <n>       unmeasured load before each measurement (default 300)
  --rounds <n>          rounds; figures are medians across them (default 5)
  --clients <list>      ${ALL_ADAPTERS.map((a) => a.name).join(',')} (default: all)
  --json <file>         also write every round, summary and ratio to <file>
  --quick               smoke run: 1 round, 500 ms, 150 ms warm-up (explicit flags still win)`;

function parseConfig(argv: readonly string[]): Config | undefined {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      callers: { type: 'string' },
      'duration-ms': { type: 'string' },
      'warmup-ms': { type: 'string' },
      rounds: { type: 'string' },
      clients: { type: 'string' },
      json: { type: 'string' },
      quick: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return undefined;
  const quick = values.quick;
  return {
    callers: parseList(values.callers ?? '1,50,500').map((s) => positiveInt(s, '--callers')),
    durationMs: positiveInt(values['duration-ms'] ?? (quick ? '500' : '1500'), '--duration-ms'),
    warmupMs: nonNegativeInt(values['warmup-ms'] ?? (quick ? '150' : '300'), '--warmup-ms'),
    rounds: positiveInt(values.rounds ?? (quick ? '1' : '5'), '--rounds'),
    clients: pickAdapters(parseList(values.clients ?? ALL_ADAPTERS.map((a) => a.name).join(','))),
    json: values.json,
  };
}

function parseList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new Error(`${flag}: expected a positive integer, got "${text}"`);
  return n;
}

function nonNegativeInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new Error(`${flag}: expected an integer ≥ 0, got "${text}"`);
  return n;
}

/**
 * The commit measured, with `+dirty` when src/ has uncommitted changes: figures are only
 * comparable between runs of the same code.
 */
function sourceRevision(): string {
  try {
    const git = (...args: string[]): string =>
      execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = git('status', '--porcelain', '--', 'src') !== '';
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? '+dirty' : ''}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

/** Rotates `items` left by `by`: round r starts with the r-th client. */
function rotate<T>(items: readonly T[], by: number): T[] {
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

function withTimeout(promise: Promise<void>, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Connect, warm up, measure, close: one client's slot in one round. */
async function runSlot(
  adapter: ClientAdapter,
  url: string,
  callers: number,
  config: Config,
  monitor: ConnectionMonitor,
  position: { round: number; slot: number },
  results: ResultSet,
): Promise<RoundResult> {
  const leftover = await monitor.waitForIdle();
  if (leftover !== 0) {
    process.stderr.write(
      `warning: ${leftover} connection(s) still open before ${adapter.name}; its peak includes them\n`,
    );
  }
  monitor.start();
  let client: BenchClient | undefined;
  try {
    client = await adapter.connect(url);
    const warm = await runWorkload(client, callers, Math.max(config.warmupMs, 1));
    const m = await runWorkload(client, callers, config.durationMs);
    const { peak, samples } = monitor.stop();
    const details = client.details?.();
    await withTimeout(client.close(), CLOSE_TIMEOUT_MS, `${adapter.name} close()`);
    const problems = warm.wrongReplies + warm.rejections + m.wrongReplies + m.rejections;
    const result: RoundResult = {
      client: adapter.name,
      callers,
      round: position.round,
      slot: position.slot,
      opsPerSec: m.opsPerSec,
      ops: m.ops,
      elapsedMs: m.elapsedMs,
      p50Ns: m.histogram.percentile(50),
      p99Ns: m.histogram.percentile(99),
      meanNs: m.histogram.mean,
      maxNs: m.histogram.max,
      peakConnections: peak,
      monitorSamples: samples,
      wrongReplies: warm.wrongReplies + m.wrongReplies,
      rejections: warm.rejections + m.rejections,
      firstProblem: warm.firstProblem ?? m.firstProblem,
      valid: problems === 0 && m.ops > 0,
      details,
    };
    results.add(result, m.histogram);
    return result;
  } catch (error) {
    const { peak, samples } = monitor.stop();
    if (client !== undefined) {
      await withTimeout(client.close(), CLOSE_TIMEOUT_MS, `${adapter.name} close()`).catch(
        () => undefined,
      );
    }
    // One broken client must not cost the figures of the others: record the failure and go on.
    const result: RoundResult = {
      client: adapter.name,
      callers,
      round: position.round,
      slot: position.slot,
      opsPerSec: Number.NaN,
      ops: 0,
      elapsedMs: 0,
      p50Ns: Number.NaN,
      p99Ns: Number.NaN,
      meanNs: Number.NaN,
      maxNs: Number.NaN,
      peakConnections: peak,
      monitorSamples: samples,
      wrongReplies: 0,
      rejections: 1,
      firstProblem: (error as Error).message,
      valid: false,
      details: undefined,
    };
    results.rounds.push(result);
    return result;
  }
}

function progressLine(r: RoundResult, rounds: number): string {
  const figures = r.valid
    ? `${Math.round(r.opsPerSec)} ops/s, p50 ${(r.p50Ns / 1e3).toFixed(1)} µs, p99 ${(r.p99Ns / 1e3).toFixed(1)} µs`
    : `INVALID (${r.wrongReplies} wrong, ${r.rejections} rejected): ${r.firstProblem ?? 'no ops'}`;
  return `  [${r.callers} callers, round ${r.round + 1}/${rounds}] ${r.client.padEnd(12)} ${figures}, conns ${r.peakConnections}\n`;
}

async function main(): Promise<void> {
  const config = parseConfig(process.argv.slice(2));
  if (config === undefined) {
    console.log(USAGE);
    return;
  }
  const started = Date.now();
  const server = await startRedis();
  let monitor: ConnectionMonitor | undefined;
  try {
    monitor = await ConnectionMonitor.open(server.url);
    // Destructured: redis names its fields in snake_case, and INFO is an index signature.
    const { redis_version: redisVersion } = await server.info('server');
    const header: RunHeader = {
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      redisVersion: redisVersion ?? 'unknown',
      revision: sourceRevision(),
      rounds: config.rounds,
      durationMs: config.durationMs,
      warmupMs: config.warmupMs,
      callers: config.callers,
      clients: config.clients.map((c) => ({ name: c.name, description: c.description })),
    };
    const print = (line: string): void => console.log(line);
    printHeader(header, print);
    print('');

    const results = new ResultSet();
    for (const callers of config.callers) {
      for (let round = 0; round < config.rounds; round++) {
        const order = rotate(config.clients, round);
        for (let slot = 0; slot < order.length; slot++) {
          const position = { round, slot };
          const r = await runSlot(
            order[slot]!,
            server.url,
            callers,
            config,
            monitor,
            position,
            results,
          );
          process.stderr.write(progressLine(r, config.rounds));
          // Let the closed client's sockets and timers settle before the next one starts.
          await delay(20);
        }
      }
    }

    const summaries = results.summaries();
    const ratioList = ratios(summaries, results.rounds, OURS);
    printTables(summaries, config.callers, print);
    printRatios(ratioList, OURS, print);
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    print('');
    print(`run took ${seconds} s`);

    if (config.json !== undefined) {
      const doc = {
        header,
        startedAt: new Date(started).toISOString(),
        tookMs: Date.now() - started,
        latencyUnit: 'ns',
        summaryMethod:
          'median across rounds of ops/s, p50 and p99; merged* = percentiles of all rounds merged; peakConnections = max of per-round peaks',
        summaries,
        ratios: ratioList,
        rounds: results.rounds,
      };
      // NaN is not JSON; null says "no figure" plainly.
      const text = JSON.stringify(
        doc,
        (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v),
        2,
      );
      await writeFile(config.json, `${text}\n`);
      print(`wrote ${config.json}`);
    }
  } finally {
    monitor?.close();
    await server.stop();
  }
}

await main();
