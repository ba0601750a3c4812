/**
 * What a command looks like once published on a diagnostics channel. Subscribers are tracers,
 * loggers and metrics exporters that ship data off the host, so the rule errs on the side of
 * publishing too little:
 *
 * 1. The command name is kept, upper-cased; so is the subcommand of a container command
 *    (`CONFIG GET`, `CLIENT LIST`) when the command table knows it.
 * 2. Commands that carry credentials keep nothing more, not even `?` placeholders: AUTH, HELLO
 *    (its AUTH clause), MIGRATE with AUTH or AUTH2, ACL SETUSER (passwords and hashes), and
 *    CONFIG SET of requirepass, masterauth or a TLS key passphrase.
 * 3. Every other argument is a key or a value. Keys (found as the server finds them, from the
 *    command table's key specs) are kept as text: they name data without being data. Every
 *    value becomes `?`, so the shape of the call survives and its payload does not.
 *
 * Keys are published. An application whose key names embed secrets (`session:<token>`) should
 * not ship `args` off the host.
 */
import { equalsKeyword, getKeyIndexesForSpec } from '../commands/keys.js';
import { getCommandSpecForArgs } from '../commands/table.js';
import type { RespArg } from '../protocol/resp-types.js';

/** CONFIG SET parameters whose values are secrets (compared lower-case). */
const SECRET_CONFIG = new Set([
  'requirepass',
  'masterauth',
  'tls-key-file-pass',
  'tls-client-key-file-pass',
]);

/** Upper-case command name of an argument vector; `''` when there is none. */
export function commandName(args: readonly RespArg[]): string {
  const name = args[0];
  if (name === undefined) return '';
  return argText(name).toUpperCase();
}

/**
 * The argument vector as published: name first, keys kept, values `?`, and nothing but the
 * name (and subcommand) for commands that carry credentials. See the module comment.
 */
export function sanitiseArgs(args: readonly RespArg[]): string[] {
  const name = commandName(args);
  if (name === '') return [];
  const spec = getCommandSpecForArgs(args);
  // A matched subcommand has a parent; an unknown one is just another value.
  const head = spec?.parent !== undefined ? 2 : 1;
  const out: string[] = head === 2 ? [name, argText(args[1]!).toUpperCase()] : [name];
  if (carriesSecret(name, args)) return out;
  // `out` lines up with `args`: fill with placeholders, then put the keys back in their places.
  for (let i = head; i < args.length; i++) out.push('?');
  if (spec !== undefined) {
    for (const i of getKeyIndexesForSpec(spec, args)) {
      if (i >= head) out[i] = argText(args[i]!);
    }
  }
  return out;
}

/** True for the commands rule 2 redacts completely. */
function carriesSecret(name: string, args: readonly RespArg[]): boolean {
  switch (name) {
    case 'AUTH':
    case 'HELLO':
      return true;
    case 'MIGRATE':
      return args.some((a) => equalsKeyword(a, 'AUTH') || equalsKeyword(a, 'AUTH2'));
    case 'ACL':
      return args.length > 1 && equalsKeyword(args[1], 'SETUSER');
    case 'CONFIG': {
      if (args.length < 2 || !equalsKeyword(args[1], 'SET')) return false;
      // CONFIG SET takes parameter/value pairs (several since Redis 7).
      for (let i = 2; i < args.length; i += 2) {
        if (SECRET_CONFIG.has(argText(args[i]!).toLowerCase())) return true;
      }
      return false;
    }
    default:
      return false;
  }
}

function argText(arg: RespArg): string {
  if (typeof arg === 'string') return arg;
  if (Buffer.isBuffer(arg)) return arg.toString('utf8');
  return String(arg);
}
