/**
 * Checks on what callers hand the typed methods, for the inputs TypeScript cannot stop (plain
 * JavaScript, `any`, JSON): each failure is an `InvalidArgumentError` (ERR_INVALID_ARGUMENT)
 * naming the method, the parameter and what it got, instead of a `TypeError` from deep inside
 * (spreading `null`) or a value the server would read differently (`ex: "10"` sent as text is
 * accepted, `ex: 1.5` is not).
 */

import { InvalidArgumentError } from '../errors.js';
import type { RespArg } from '../protocol/resp-types.js';

/** What a bad value looks like in a message: its type, and short primitives themselves. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return `a ${typeof value}`;
}

/** `value` when it is an array (of keys, fields, members…); else the typed error. */
export function arrayArgument<T extends RespArg>(
  value: readonly T[],
  method: string,
  parameter: string,
): readonly T[] {
  if (!Array.isArray(value)) {
    throw new InvalidArgumentError(
      `${method}(${parameter}): expected an array, got ${describeValue(value)}`,
    );
  }
  return value;
}

/** `[keys.length, ...keys]`, the numkeys form (ZDIFF, SINTERCARD, LMPOP…), with the check. */
export function countedKeys(keys: readonly RespArg[], method: string): RespArg[] {
  const checked = arrayArgument(keys, method, 'keys');
  return [checked.length, ...checked];
}

/** A function argument (`withConnection(fn)`), or the typed error. */
export function functionArgument<F>(value: F, method: string, parameter: string): F {
  if (typeof value !== 'function') {
    throw new InvalidArgumentError(
      `${method}(${parameter}): expected a function, got ${describeValue(value)}`,
    );
  }
  return value;
}

/** An integer option of a command (`set(k, v, { ex })`), absent or a safe integer. */
export function integerOption(
  value: number | undefined,
  method: string,
  option: string,
): number | undefined {
  if (value !== undefined && (typeof value !== 'number' || !Number.isSafeInteger(value))) {
    throw new InvalidArgumentError(
      `${method}() option "${option}": expected an integer, got ${describeValue(value)}`,
    );
  }
  return value;
}
