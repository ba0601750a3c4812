/**
 * Command names read from request bytes, interned: `GET`, `get` and `Get` all come back as the
 * same frozen `['get']` (a slot's `args`), with no string built per request.
 *
 * Why: the proxy needs every request's name (routing, CLIENT LIST's `cmd=`), and building it
 * the plain way (`toString('latin1')`, `toLowerCase()`, then a Map lookup) allocated two strings
 * per request and crossed into C++ for the first. A direct-mapped table keyed by a hash of the
 * case-folded bytes answers a known name with a short byte loop (bench/micro/command-names.bench.ts).
 * A hash collision or a new name takes the plain path and replaces the entry; names with bytes
 * outside ASCII, or longer than `MAX_CACHED_NAME`, are never cached (their lower-casing is not
 * a byte operation, and junk names must not churn the table).
 */

const TABLE_SIZE = 1024; // a power of two
const MAX_CACHED_NAME = 32;

/** Lower-cases an ASCII byte exactly as String.prototype.toLowerCase does. */
const lower = (b: number): number => (b >= 0x41 && b <= 0x5a ? b | 0x20 : b);

/** Interned one-element argument arrays by name, for names that do not come from bytes. */
const BY_NAME = new Map<string, readonly string[]>();

/** The frozen `[name]` for a lower-case name (bounded, so junk names cannot grow it). */
export function nameArgs(name: string): readonly string[] {
  let args = BY_NAME.get(name);
  if (args === undefined) {
    args = Object.freeze([name]);
    if (BY_NAME.size < 4096) BY_NAME.set(name, args);
  }
  return args;
}

export class CommandNames {
  readonly #keys: (Uint8Array | undefined)[] = new Array(TABLE_SIZE);
  readonly #args: (readonly string[])[] = new Array(TABLE_SIZE);

  /** The interned `[lower-case name]` of the bytes `buf[start, end)`. */
  argsOf(buf: Buffer, start: number, end: number): readonly string[] {
    const len = end - start;
    let h = len;
    for (let i = start; i < end; i++) h = (Math.imul(h, 31) + lower(buf[i]!)) | 0;
    const slot = h & (TABLE_SIZE - 1);
    const key = this.#keys[slot];
    if (key !== undefined && key.length === len) {
      let i = 0;
      while (i < len && lower(buf[start + i]!) === key[i]) i++;
      if (i === len) return this.#args[slot]!;
    }
    const name = buf.toString('latin1', start, end).toLowerCase();
    const args = nameArgs(name);
    if (len > 0 && len <= MAX_CACHED_NAME && isAscii(buf, start, end)) {
      const bytes = new Uint8Array(len);
      for (let i = 0; i < len; i++) bytes[i] = lower(buf[start + i]!);
      this.#keys[slot] = bytes;
      this.#args[slot] = args;
    }
    return args;
  }
}

function isAscii(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i]! >= 0x80) return false;
  return true;
}
