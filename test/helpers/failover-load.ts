/**
 * The failover workload shared by the Sentinel failover test and bench/sentinel-failover.ts:
 * N concurrent callers write unique keys (SET and INCR in turn) through any client, a
 * `SENTINEL FAILOVER` runs in the middle, and afterwards every acknowledged write is looked up
 * on the new primary. Client-agnostic, so respool and ioredis are measured the same way.
 *
 * - Promotion time: the replica's own log line `MASTER MODE enabled` (millisecond timestamp),
 *   or, if it cannot be read, when the replica first reports `role:master` (INFO polled every
 *   10 ms, which can be late on a loaded machine).
 * - Moved: the first write sent after the promotion that the new primary holds, acknowledged.
 * - Lost: acknowledged writes the new primary does not hold (what the old primary acknowledged
 *   and never replicated, mostly after the promotion).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseInfo } from './client-list.js';
import { expectString, rawCommands } from './raw-resp.js';
import type { SentinelTopology } from './redis-sentinel.js';

export interface WriteTarget {
  set(key: string): Promise<unknown>;
  incr(key: string): Promise<unknown>;
}

export interface FailoverLoadOptions {
  readonly callers: number;
  /** Writing before the failover is triggered. */
  readonly beforeMs: number;
  /** Writing after the promotion. */
  readonly afterMs: number;
  /** Key prefix, so runs do not collide. */
  readonly prefix: string;
}

export interface FailoverLoadResult {
  readonly acknowledged: number;
  readonly failed: number;
  readonly lost: number;
  /** Lost writes acknowledged after the promotion. */
  readonly lostAfterPromotion: number;
  /** lost / acknowledged. */
  readonly lostRatio: number;
  /** lostAfterPromotion / acknowledged: the bound (< 0.5 %). */
  readonly lostAfterPromotionRatio: number;
  /** ms from the promotion to the first write the new primary acknowledged; undefined = never. */
  readonly movedAfterMs: number | undefined;
  /** ms by which the INFO poll saw the promotion after the replica's log; undefined = no log. */
  readonly pollLagMs: number | undefined;
  /** Failed writes by error message (first 80 characters), for the report. */
  readonly errors: Record<string, number>;
}

const POLL_MS = 10;
const CHECK_CHUNK = 5_000;

export async function runFailoverLoad(
  topo: SentinelTopology,
  target: WriteTarget,
  options: FailoverLoadOptions,
): Promise<FailoverLoadResult> {
  const keys: string[] = [];
  const ackedAt: number[] = [];
  const sentAt: number[] = [];
  let failed = 0;
  const errors: Record<string, number> = {};
  let stop = false;
  const caller = async (c: number): Promise<void> => {
    for (let n = 0; !stop; n++) {
      const key = `${options.prefix}:${c}:${n}`;
      const sent = performance.now();
      try {
        await (n % 2 === 0 ? target.set(key) : target.incr(key));
        keys.push(key);
        sentAt.push(sent);
        ackedAt.push(performance.now());
      } catch (error) {
        failed++;
        const message = String((error as Error).message).slice(0, 80);
        errors[message] = (errors[message] ?? 0) + 1;
        // A failing client must not spin: the real callers would back off too.
        await delay(5);
      }
    }
  };
  const callers = Array.from({ length: options.callers }, (_, c) => caller(c));
  await delay(options.beforeMs);
  const newPrimary = topo.replica;
  await topo.failover();
  let promotedAt: number | undefined;
  const giveUpAt = performance.now() + 30_000;
  while (promotedAt === undefined) {
    const info = await replicationInfo(newPrimary.port);
    if (info['role'] === 'master') promotedAt = performance.now();
    else if (performance.now() > giveUpAt) {
      stop = true;
      await Promise.all(callers);
      throw new Error('the replica was not promoted within 30 s');
    } else await delay(POLL_MS);
  }
  await delay(options.afterMs);
  stop = true;
  await Promise.all(callers);
  const logged = await promotionFromLog(newPrimary.dir);
  // How much later the INFO poll saw the promotion than the replica logged it.
  const pollLagMs = logged === undefined ? undefined : promotedAt - logged;
  if (logged !== undefined) promotedAt = logged;

  const present = await existing(newPrimary.port, keys);
  let lost = 0;
  let lostAfterPromotion = 0;
  let firstMoved = Number.POSITIVE_INFINITY;
  for (let i = 0; i < keys.length; i++) {
    const at = ackedAt[i] ?? 0;
    if (present[i] === true) {
      // Sent after the promotion and held by the new primary: it ran there (the old primary
      // no longer replicates to it). A write acknowledged after the promotion but sent before
      // may have been replicated in time, and says nothing about where the client is.
      if ((sentAt[i] ?? 0) >= promotedAt && at < firstMoved) firstMoved = at;
      continue;
    }
    lost++;
    if (at >= promotedAt) lostAfterPromotion++;
  }
  return {
    acknowledged: keys.length,
    failed,
    lost,
    lostAfterPromotion,
    lostRatio: keys.length === 0 ? 0 : lost / keys.length,
    lostAfterPromotionRatio: keys.length === 0 ? 0 : lostAfterPromotion / keys.length,
    movedAfterMs: Number.isFinite(firstMoved) ? firstMoved - promotedAt : undefined,
    errors,
    pollLagMs,
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * When the replica became a primary, from its log (`… 05 Dec 2026 13:20:02.123 * MASTER MODE
 * enabled …`, local time, like this process), on the performance.now() clock.
 */
async function promotionFromLog(dir: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, 'redis.log'), 'utf8');
  } catch {
    return undefined;
  }
  const m =
    /(\d{2}) (\w{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2})\.(\d{3}) [*#.-] MASTER MODE enabled/.exec(
      text,
    );
  if (m === null) return undefined;
  const [, d, mon, y, hh, mm, ss, ms] = m;
  const wall = new Date(
    Number(y),
    MONTHS.indexOf(mon ?? ''),
    Number(d),
    Number(hh),
    Number(mm),
    Number(ss),
    Number(ms),
  ).getTime();
  return Number.isFinite(wall) ? wall - performance.timeOrigin : undefined;
}

async function replicationInfo(port: number): Promise<Record<string, string>> {
  try {
    const [text] = await rawCommands(
      '127.0.0.1',
      port,
      undefined,
      [['INFO', 'replication']],
      1_000,
    );
    return parseInfo(expectString(text, 'INFO replication'));
  } catch {
    return {};
  }
}

/** EXISTS for every key, pipelined in chunks; true where the server holds it. */
async function existing(port: number, keys: readonly string[]): Promise<boolean[]> {
  const out: boolean[] = [];
  for (let i = 0; i < keys.length; i += CHECK_CHUNK) {
    const chunk = keys.slice(i, i + CHECK_CHUNK).map((k) => ['EXISTS', k]);
    const replies = await rawCommands('127.0.0.1', port, undefined, chunk, 30_000);
    for (const r of replies) out.push(r === 1);
  }
  return out;
}
