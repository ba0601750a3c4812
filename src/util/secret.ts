/**
 * How the library keeps a secret (a password) on an options object: non-enumerable, so it is
 * absent from spreads, `JSON.stringify`, `Object.keys` and `util.inspect`, yet readable by name
 * by the code that needs it (the handshake). Every options object that carries a secret gets it
 * through here, so there is one rule to audit.
 *
 * A consequence to keep in mind: `{ ...options }` drops the secret. Copies are made with
 * `withSecret` (or by passing the secret on explicitly).
 */

/** Set `key` on `target` to `value`, non-enumerable and read-only. Returns `target`. */
export function hideSecret<T extends object>(target: T, key: string, value: unknown): T {
  Object.defineProperty(target, key, { value, enumerable: false });
  return target;
}

/** A shallow copy of `source` with `changes`, keeping its hidden `key` hidden. */
export function withSecret<T extends object>(
  source: T,
  key: keyof T & string,
  changes: Partial<T>,
): T {
  return hideSecret({ ...source, ...changes }, key, source[key]);
}
