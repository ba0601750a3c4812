/**
 * The reads `respool proxy --cache` serves, and how each reply is written back to a proxy
 * client. The cache holds what the tracking connection (RESP3, Buffer replies) decoded; a proxy
 * client must get the bytes the server would have sent it in its own protocol, so each command
 * names the reply shape the server uses for it (as in its command docs), and the value is
 * re-encoded in that shape: an HGETALL is a map (`%`) in RESP3 and a flat array in RESP2, an
 * SMEMBERS a set (`~`) in RESP3, a missing value `_` in RESP3 and the nil bulk `$-1` in RESP2.
 *
 * Only commands whose reply shape is fixed are here, each with its exact arity (another arity is
 * the server's error to give, so it goes to the server uncached). Replies with doubles (ZSCORE,
 * WITHSCORES…) are left out: RESP3 sends them as `,` doubles whose text the proxy would have to
 * reproduce digit for digit.
 */

type Encoder = (value: unknown, protocol: 2 | 3) => Buffer;

interface CachedRead {
  /** Exact argument count (with the name), or the least one when `orMore`. */
  readonly argc: number;
  readonly orMore: boolean;
  readonly encode: Encoder;
}

const CRLF = '\r\n';

function bulkOrNull(value: unknown, protocol: 2 | 3): string | Buffer[] {
  if (value === null || value === undefined) return protocol === 3 ? `_${CRLF}` : `$-1${CRLF}`;
  const bytes = Buffer.isBuffer(value) ? value : Buffer.from(String(value));
  return [Buffer.from(`$${bytes.length}${CRLF}`), bytes, Buffer.from(CRLF)];
}

function pushBulk(parts: Buffer[], value: unknown, protocol: 2 | 3): void {
  const encoded = bulkOrNull(value, protocol);
  if (typeof encoded === 'string') parts.push(Buffer.from(encoded));
  else parts.push(...encoded);
}

const bulk: Encoder = (value, protocol) => {
  const parts: Buffer[] = [];
  pushBulk(parts, value, protocol);
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
};

const integer: Encoder = (value) => Buffer.from(`:${String(value)}${CRLF}`);

const status: Encoder = (value) =>
  Buffer.from(
    `+${Buffer.isBuffer(value) ? value.toString('latin1') : String(value)}${CRLF}`,
    'latin1',
  );

/** An aggregate of bulk strings: `head` is `*` (array) or, in RESP3 only, `~` (set). */
function aggregate(head: '*' | '~'): Encoder {
  return (value, protocol) => {
    const items = value as readonly unknown[];
    const parts = [Buffer.from(`${protocol === 3 ? head : '*'}${items.length}${CRLF}`)];
    for (const item of items) pushBulk(parts, item, protocol);
    return Buffer.concat(parts);
  };
}

/** A field → value map: `%n` in RESP3, a flat array of 2n in RESP2. */
const map: Encoder = (value, protocol) => {
  const entries: [unknown, unknown][] =
    value instanceof Map ? [...value] : pairs(value as readonly unknown[]);
  const parts = [
    Buffer.from(protocol === 3 ? `%${entries.length}${CRLF}` : `*${entries.length * 2}${CRLF}`),
  ];
  for (const [field, v] of entries) {
    pushBulk(parts, field, protocol);
    pushBulk(parts, v, protocol);
  }
  return Buffer.concat(parts);
};

function pairs(flat: readonly unknown[]): [unknown, unknown][] {
  const out: [unknown, unknown][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
  return out;
}

function read(argc: number, encode: Encoder, orMore = false): CachedRead {
  return { argc, orMore, encode };
}

const array = aggregate('*');

/** By lower-case command name, as the session sees it. */
const READS = new Map<string, CachedRead>([
  ['get', read(2, bulk)],
  ['getrange', read(4, bulk)],
  ['strlen', read(2, integer)],
  ['hget', read(3, bulk)],
  ['hmget', read(3, array, true)],
  ['hgetall', read(2, map)],
  ['hexists', read(3, integer)],
  ['hlen', read(2, integer)],
  ['hstrlen', read(3, integer)],
  ['hkeys', read(2, array)],
  ['hvals', read(2, array)],
  ['smembers', read(2, aggregate('~'))],
  ['sismember', read(3, integer)],
  ['scard', read(2, integer)],
  ['lrange', read(4, array)],
  ['lindex', read(3, bulk)],
  ['llen', read(2, integer)],
  ['zcard', read(2, integer)],
  ['type', read(2, status)],
  ['exists', read(2, integer)],
  ['xlen', read(2, integer)],
]);

/**
 * An MGET answered from GET entries: an array of bulk strings, a missing key's nil `$-1` in
 * RESP2 and `_` in RESP3, as the server sends it.
 */
export const encodeMget: Encoder = array;

/** Names of the reads the proxy caches, lower case (docs/caching.md lists them). */
export const PROXY_CACHED_READS: readonly string[] = [...READS.keys()];

/** The reply encoder of a read the proxy caches with this many arguments; else undefined. */
export function proxyCachedRead(name: string, argc: number): Encoder | undefined {
  const r = READS.get(name);
  if (r === undefined) return undefined;
  return argc === r.argc || (r.orMore && argc > r.argc) ? r.encode : undefined;
}
