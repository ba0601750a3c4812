/**
 * Turns the rounds of a run into one figure per client and caller count, and into ratios.
 *
 * The machine is noisy (±30% between identical runs), so each figure is the **median across
 * rounds**: ops/s, p50 and p99 are each the median of the per-round values, so one disturbed
 * round moves none of them. The latency percentiles of all rounds merged into one histogram are
 * kept too (`mergedP50Ns`, `mergedP99Ns`), for the JSON. The connection figure is the maximum of
 * the per-round peaks: a client that ever opened more than one connection must show it.
 */
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

/** One client, one caller count, one round. */
export interface RoundResult {
  readonly client: string;
  readonly callers: number;
  readonly round: number;
  /** Position of this client in its round (0 = ran first), for spotting order effects. */
  readonly slot: number;
  readonly opsPerSec: number;
  readonly ops: number;
  readonly elapsedMs: number;
  readonly p50Ns: number;
  readonly p99Ns: number;
  readonly meanNs: number;
  readonly maxNs: number;
  /** Most server connections seen at once while the client connected, warmed up and ran. */
  readonly peakConnections: number;
  /** Cluster mode: the per-node counts of the sample that set the peak, in the header's order. */
  readonly peakConnectionsByNode?: readonly number[] | undefined;
  readonly monitorSamples: number;
  readonly wrongReplies: number;
  readonly rejections: number;
  readonly firstProblem: string | undefined;
  /** True when every reply was correct and none rejected. */
  readonly valid: boolean;
  readonly details: Record<string, unknown> | undefined;
}

/** The figures the report prints for one client at one caller count. */
export interface ClientSummary {
  readonly client: string;
  readonly callers: number;
  readonly rounds: number;
  /** False when any round had a wrong reply or a rejection; its figures must not be trusted. */
  readonly valid: boolean;
  readonly medianOpsPerSec: number;
  readonly minOpsPerSec: number;
  readonly maxOpsPerSec: number;
  readonly medianP50Ns: number;
  readonly medianP99Ns: number;
  readonly mergedP50Ns: number;
  readonly mergedP99Ns: number;
  readonly peakConnections: number;
  /** Cluster mode: the per-node split of the highest peak of any round. */
  readonly peakConnectionsByNode?: readonly number[] | undefined;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Accumulates rounds and their histograms; `summaries()` reduces them. Histograms are merged as
 * rounds arrive so the run does not keep one per round alive.
 */
export class ResultSet {
  readonly rounds: RoundResult[] = [];
  readonly #merged = new Map<string, RecordableHistogram>();

  add(result: RoundResult, histogram: RecordableHistogram): void {
    this.rounds.push(result);
    const key = `${result.client}\0${result.callers}`;
    let merged = this.#merged.get(key);
    if (merged === undefined) {
      merged = createHistogram({ lowest: 1, highest: 60e9, figures: 3 });
      this.#merged.set(key, merged);
    }
    merged.add(histogram);
  }

  summaries(): ClientSummary[] {
    const groups = new Map<string, RoundResult[]>();
    for (const r of this.rounds) {
      const key = `${r.client}\0${r.callers}`;
      const group = groups.get(key);
      if (group === undefined) groups.set(key, [r]);
      else group.push(r);
    }
    const out: ClientSummary[] = [];
    for (const [key, group] of groups) {
      const first = group[0]!;
      const merged = this.#merged.get(key);
      const ops = group.map((r) => r.opsPerSec);
      const peakRound = group.reduce((a, b) => (b.peakConnections > a.peakConnections ? b : a));
      out.push({
        client: first.client,
        callers: first.callers,
        rounds: group.length,
        valid: group.every((r) => r.valid),
        medianOpsPerSec: median(ops),
        minOpsPerSec: Math.min(...ops),
        maxOpsPerSec: Math.max(...ops),
        medianP50Ns: median(group.map((r) => r.p50Ns)),
        medianP99Ns: median(group.map((r) => r.p99Ns)),
        mergedP50Ns: merged?.percentile(50) ?? Number.NaN,
        mergedP99Ns: merged?.percentile(99) ?? Number.NaN,
        peakConnections: peakRound.peakConnections,
        peakConnectionsByNode: peakRound.peakConnectionsByNode,
      });
    }
    return out;
  }
}

/** ours ÷ peer for one figure; NaN when either side is missing or invalid. */
export interface Ratio {
  readonly callers: number;
  readonly peer: string;
  /** Our median ops/s ÷ the peer's: above 1 means we are faster. */
  readonly opsPerSec: number;
  /**
   * Median over rounds of (our ops/s ÷ the peer's ops/s in the same round). The two ran minutes
   * apart at most, so slow drift of the machine cancels out of each round's ratio.
   */
  readonly pairedOpsPerSec: number;
  /** Our p50 ÷ the peer's: below 1 means we answer sooner. */
  readonly p50: number;
}

export function ratios(
  summaries: readonly ClientSummary[],
  rounds: readonly RoundResult[],
  ours: string,
): Ratio[] {
  const out: Ratio[] = [];
  const byRound = (client: string, callers: number): Map<number, RoundResult> =>
    new Map(
      rounds.filter((r) => r.client === client && r.callers === callers).map((r) => [r.round, r]),
    );
  for (const mine of summaries) {
    if (mine.client !== ours) continue;
    for (const peer of summaries) {
      if (peer.client === ours || peer.callers !== mine.callers) continue;
      const usable = mine.valid && peer.valid;
      const peerRounds = byRound(peer.client, peer.callers);
      const paired: number[] = [];
      for (const r of byRound(ours, mine.callers).values()) {
        const p = peerRounds.get(r.round);
        if (p !== undefined) paired.push(r.opsPerSec / p.opsPerSec);
      }
      out.push({
        callers: mine.callers,
        peer: peer.client,
        opsPerSec: usable ? mine.medianOpsPerSec / peer.medianOpsPerSec : Number.NaN,
        pairedOpsPerSec: usable ? median(paired) : Number.NaN,
        p50: usable ? mine.medianP50Ns / peer.medianP50Ns : Number.NaN,
      });
    }
  }
  return out;
}
