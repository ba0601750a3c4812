/**
 * twemproxy's ketama continuum (its default distribution), point for point: each live shard gets
 * `floor(weight / totalWeight × 40 × liveShards) × 4` points, placed at the four little-endian
 * words of MD5("<name>-<i>"); a key's hash goes to the first point at or after it, wrapping round.
 * The point count is computed in single-precision floats as nutcracker does (`Math.fround`), so
 * uneven weights give the same counts. Removing a shard moves only its own keys. Pure.
 */
import { digestWord, md5Digest } from './hash-functions.js';

const POINTS_PER_SERVER = 160;
const POINTS_PER_HASH = 4;

/** Sorted points: `values[i]` is a position on the circle, `shards[i]` the shard that owns it. */
export interface Continuum {
  readonly values: Uint32Array;
  readonly shards: Uint32Array;
}

/** One shard as ketama sees it. */
export interface KetamaShard {
  /** Hashed to place the points: `host:port` (just `host` for port 11211), or the shard's name. */
  readonly name: string;
  readonly weight: number;
  readonly live: boolean;
}

/** Points per live shard, in nutcracker's float arithmetic. */
function pointCount(weight: number, totalWeight: number, liveCount: number): number {
  const f = Math.fround;
  const pct = f(f(weight) / f(totalWeight));
  const scaled = f(f(f(pct * POINTS_PER_SERVER) / POINTS_PER_HASH) * f(liveCount));
  // The epsilon is a double literal in C; the sum goes back to float for floorf.
  return Math.floor(f(scaled + 0.0000000001)) * POINTS_PER_HASH;
}

export function buildKetama(shards: readonly KetamaShard[]): Continuum {
  let liveCount = 0;
  let totalWeight = 0;
  for (const s of shards) {
    if (!s.live) continue;
    liveCount++;
    totalWeight += s.weight;
  }
  const points: { value: number; shard: number }[] = [];
  shards.forEach((s, index) => {
    if (!s.live) return;
    const count = pointCount(s.weight, totalWeight, liveCount);
    for (let i = 0; i < count / POINTS_PER_HASH; i++) {
      const digest = md5Digest(`${s.name}-${i}`);
      for (let word = 0; word < POINTS_PER_HASH; word++) {
        points.push({ value: digestWord(digest, word * 4), shard: index });
      }
    }
  });
  // Array.prototype.sort is stable; nutcracker's qsort is not, but two equal MD5 words are
  // vanishingly rare.
  points.sort((a, b) => a.value - b.value);
  return {
    values: Uint32Array.from(points, (p) => p.value),
    shards: Uint32Array.from(points, (p) => p.shard),
  };
}

/** The shard owning `hash`: the first point ≥ hash, or the first point when none is. */
export function ketamaDispatch(continuum: Continuum, hash: number): number {
  const { values } = continuum;
  let left = 0;
  let right = values.length;
  while (left < right) {
    const middle = (left + right) >>> 1;
    if (values[middle]! < hash) left = middle + 1;
    else right = middle;
  }
  return continuum.shards[right === values.length ? 0 : right]!;
}
