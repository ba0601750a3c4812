/**
 * The `keyPrefix` option: the prefix goes in front of every argument the command table says is
 * a key (the same key positions the cluster routes by), and nowhere else.
 *
 * What that means, as in ioredis: KEYS and SCAN patterns are not keys, so they are sent as
 * written (include the prefix in the pattern yourself), and their replies are the server's keys,
 * prefix included. EVAL/EVALSHA/FCALL keys are prefixed (they are declared by numkeys), but keys
 * a script builds from ARGV or from constants are not. Channels are not keys (SPUBLISH's
 * channel is flagged "not a key"). SORT's BY/GET patterns are not keys. A command the table does
 * not know (a module's) is sent unprefixed.
 */
import type { RespArg } from '../protocol/resp-types.js';
import { getKeyIndexesForSpec } from './keys.js';
import { getCommandSpecForArgs } from './table.js';

/** `args` with `prefix` in front of each key; the same array when the command has no keys. */
export function prefixKeys(args: RespArg[], prefix: string): RespArg[] {
  const spec = getCommandSpecForArgs(args);
  if (spec === undefined) return args;
  const indexes = getKeyIndexesForSpec(spec, args);
  if (indexes.length === 0) return args;
  const out = args.slice();
  for (const i of indexes) out[i] = prefixOne(args[i]!, prefix);
  return out;
}

/** One key with the prefix: a Buffer key stays a Buffer (binary keys keep their bytes). */
export function prefixOne(key: RespArg, prefix: string): RespArg {
  if (Buffer.isBuffer(key)) return Buffer.concat([Buffer.from(prefix), key]);
  return prefix + String(key);
}
