/**
 * The ways a byte stream can arrive: whole, byte by byte, and cut at seeded random points. The
 * protocol tests feed every fixture through all of them, because how the bytes arrive must never
 * change what a reader makes of them. Seeds derive from the fixture's name, so a failure names
 * the seed and cuts that reproduce it.
 */

const RANDOM_SPLITS = 50;
const MAX_CUTS = 8;

/** mulberry32: tiny, seedable, good enough to pick split points. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stable seed per fixture name (FNV-1a), so reruns cut at the same places. */
export function seedOf(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** `bytes` cut at the given (sorted) offsets. */
export function cutAt(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const chunks: Buffer[] = [];
  let from = 0;
  for (const cut of cuts) {
    chunks.push(bytes.subarray(from, cut));
    from = cut;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

/** Whole, byte by byte, then RANDOM_SPLITS random cuttings: [label, chunks]. */
export function* feedings(name: string, bytes: Buffer): Generator<[string, Buffer[]]> {
  yield ['whole', [bytes]];
  const single: Buffer[] = [];
  for (let i = 0; i < bytes.length; i++) single.push(bytes.subarray(i, i + 1));
  yield ['byte by byte', single];
  const seed = seedOf(name);
  const random = prng(seed);
  for (let trial = 0; trial < RANDOM_SPLITS; trial++) {
    const count = 1 + Math.floor(random() * Math.min(MAX_CUTS, bytes.length - 1));
    const cuts = new Set<number>();
    while (cuts.size < count) cuts.add(1 + Math.floor(random() * (bytes.length - 1)));
    const sorted = [...cuts].sort((a, b) => a - b);
    yield [`seed ${seed} trial ${trial}, cuts at [${sorted.join(', ')}]`, cutAt(bytes, sorted)];
  }
}
