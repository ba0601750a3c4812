/**
 * Option validators. Each names the option and the value it got, so a typo fails at the call
 * site with a message that says what to fix. Secrets are never echoed: pass `secret: true`.
 */
import { InvalidArgumentError } from './errors.js';

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || value === undefined || typeof value !== 'object') {
    return `${String(value)} (${value === null ? 'null' : typeof value})`;
  }
  return Array.isArray(value) ? 'an array' : 'an object';
}

export function validateInteger(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(
      `Invalid option "${name}": expected an integer from ${min} to ${max}, got ${show(value)}`,
    );
  }
  return value;
}

/** A duration in ms: a non-negative integer (0 usually means "off"; each option says). */
export function validateDurationMs(value: unknown, name: string, max = 2 ** 31 - 1): number {
  return validateInteger(value, name, 0, max);
}

export function validateString(
  value: unknown,
  name: string,
  options: { secret?: boolean; allowEmpty?: boolean } = {},
): string {
  if (typeof value !== 'string' || (value === '' && options.allowEmpty !== true)) {
    const got = options.secret === true ? `a ${typeof value} (value hidden)` : show(value);
    throw new InvalidArgumentError(
      `Invalid option "${name}": expected a non-empty string, got ${got}`,
    );
  }
  return value;
}

export function validateBoolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') {
    throw new InvalidArgumentError(
      `Invalid option "${name}": expected true or false, got ${show(value)}`,
    );
  }
  return value;
}

export function validateOneOf<T extends string | number>(
  value: unknown,
  name: string,
  allowed: readonly T[],
): T {
  if (!allowed.includes(value as T)) {
    throw new InvalidArgumentError(
      `Invalid option "${name}": expected one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${show(value)}`,
    );
  }
  return value as T;
}

export function validateFunction<T>(value: unknown, name: string): T {
  if (typeof value !== 'function') {
    throw new InvalidArgumentError(
      `Invalid option "${name}": expected a function, got ${show(value)}`,
    );
  }
  return value as T;
}

/** Reject keys that are not options, naming the closest known one when it looks like a typo. */
export function rejectUnknownKeys(
  options: object,
  known: ReadonlySet<string>,
  where: string,
): void {
  for (const key of Object.keys(options)) {
    if (known.has(key)) continue;
    const hint = closestName(key, known);
    throw new InvalidArgumentError(
      `Unknown option "${key}" in ${where}${hint !== undefined ? `; did you mean "${hint}"?` : ''}`,
    );
  }
}

/**
 * The known name `key` most likely misspells: the same but for case, else the closest within
 * an edit distance of 2 (and of a third of the name, so a short name does not match everything).
 */
function closestName(key: string, known: ReadonlySet<string>): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.min(2, Math.ceil(key.length / 3));
  for (const name of known) {
    const candidate = name.toLowerCase();
    if (candidate === lower) return name;
    const distance = editDistance(lower, candidate, bestDistance);
    if (distance <= bestDistance && (best === undefined || distance < bestDistance)) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance, giving up (returning `max + 1`) once it must exceed `max`. */
function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > max) return max + 1;
    previous = current;
  }
  return previous[b.length]!;
}
