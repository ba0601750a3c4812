/**
 * One round of the cache freshness property (docs/caching.md) as the proxy tests run it: a write
 * by `writer` (every 7th round a delete), then every key read concurrently by each reader, each
 * read checked against the last acknowledged write.
 */
import assert from 'node:assert/strict';

export interface KeyValueClient {
  set(key: string, value: string): Promise<unknown>;
  del(key: string): Promise<unknown>;
  get(key: string): Promise<string | null>;
}

export async function freshnessRound(
  round: number,
  keys: readonly string[],
  last: Map<string, string | null>,
  writer: KeyValueClient,
  readers: readonly KeyValueClient[],
): Promise<void> {
  const key = keys[round % keys.length]!;
  if (round % 7 === 0) {
    await writer.del(key);
    last.set(key, null);
  } else {
    const value = `v${round}`;
    await writer.set(key, value);
    last.set(key, value);
  }
  const reads = await Promise.all(
    keys.flatMap((k) => readers.map(async (r) => [k, await r.get(k)] as const)),
  );
  for (const [k, v] of reads) assert.equal(v, last.get(k) ?? null, `${k} at ${round}`);
}
