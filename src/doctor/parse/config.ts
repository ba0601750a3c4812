/**
 * The reply to `CONFIG GET p1 p2 …`: a flat array of name/value pairs in RESP2, a map in RESP3,
 * in no guaranteed order either way. Pure: values in, a name → value map out.
 */

/**
 * Name → value from a CONFIG GET reply (names lower-cased). Anything that is not a pair list or
 * a map gives an empty map: the caller reports the missing parameters.
 */
export function parseConfigReply(reply: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (reply instanceof Map) {
    for (const [name, value] of reply) add(out, name, value);
  } else if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) add(out, reply[i], reply[i + 1]);
  }
  return out;
}

function add(out: Map<string, string>, name: unknown, value: unknown): void {
  const n = text(name);
  const v = text(value);
  if (n !== undefined && v !== undefined) out.set(n.toLowerCase(), v);
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'number') return String(value);
  return undefined;
}

/** A whole-number parameter, or `null` when absent or not an integer. */
export function configInteger(config: ReadonlyMap<string, string>, name: string): number | null {
  const value = config.get(name);
  if (value === undefined || !/^-?\d+$/.test(value.trim())) return null;
  return Number(value);
}
