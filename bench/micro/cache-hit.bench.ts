/**
 * The cache hit path (src/client/cached-client.ts, `get`). Three tricks to back:
 *
 * 1. One-key spaces: `GET k` is stored under `k` itself in the GET space, so a hit looks up the
 *    caller's own string, against building the general cache key (`s3:GET5:hot:7`) per call.
 * 2. A shared resolved promise per entry, against `Promise.resolve(value)` per hit.
 * 3. Together, the whole hit as `cached.get` runs it, against the general path it replaced
 *    (argument array, cacheable-keys array, cache key, lookup, a promise), awaited as a caller
 *    awaits it.
 *
 * Keys are built per call (`hot:${n}`), as an application builds them: a cached string hash
 * would flatter the lookup.
 */
import { bench, do_not_optimize, group, summary } from 'mitata';
import { CacheCore } from '../../src/cache/cache-core.js';
import { cacheKeyOf } from '../../src/cache/cache-key.js';
import { cacheableKeys } from '../../src/cache/cacheable-commands.js';

const HOT = 100;
const core = new CacheCore({ maxEntries: 10_000, maxBytes: 64 << 20, ttlMs: 60_000 });
const getSpace = core.space('sGET');
for (let k = 0; k < HOT; k++) {
  const key = `hot:${k}`;
  const value = `value-${k}`;
  core.complete(cacheKeyOf(['GET', key], false) as string, core.begin([key]), value, 0);
  core.complete(key, core.begin([key]), value, 0, undefined, getSpace);
}
let n = 0;
const nextKey = (): string => `hot:${n++ % HOT}`;

/** The general path: what `cached.get` did before the fast path. */
function generalHit(): Promise<unknown> | undefined {
  const args = ['GET', nextKey()];
  const keys = cacheableKeys(args);
  const ck = cacheKeyOf(args, false);
  if (keys === undefined || ck === undefined) return undefined;
  const e = core.lookup(ck, 1);
  return e === undefined ? undefined : Promise.resolve(e.value);
}

/** The fast path: the GET space by the caller's key, the entry's shared promise. */
function fastHit(): Promise<unknown> | undefined {
  const e = core.lookup(nextKey(), 1, getSpace);
  if (e === undefined) return undefined;
  if (e.resolved === undefined) e.resolved = Promise.resolve(e.value);
  return e.resolved;
}

function lookupBenches(): void {
  summary(() => {
    bench('hit lookup: general cache key built per call', () => {
      const ck = cacheKeyOf(['GET', nextKey()], false) as string;
      do_not_optimize(core.lookup(ck, 1));
    });
    bench('hit lookup: GET space, caller key', () => {
      do_not_optimize(core.lookup(nextKey(), 1, getSpace));
    });
  });
}

function promiseBenches(): void {
  summary(() => {
    bench('hit value: Promise.resolve per hit', () => {
      const e = core.lookup(nextKey(), 1, getSpace);
      do_not_optimize(Promise.resolve(e?.value));
    });
    bench('hit value: shared resolved promise', () => do_not_optimize(fastHit()));
  });
}

function wholeBenches(): void {
  summary(() => {
    bench('awaited hit: general path', async () => {
      do_not_optimize(await generalHit());
    });
    bench('awaited hit: fast path', async () => {
      do_not_optimize(await fastHit());
    });
  });
}

export function registerCacheHitBenches(): void {
  group('cache hit: finding the entry', lookupBenches);
  group('cache hit: the promise returned', promiseBenches);
  group('cache hit: the whole hit, awaited', wholeBenches);
}
