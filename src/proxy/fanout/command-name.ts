/**
 * A command's name as a fan-out table key: upper-case, and for a container command (SCRIPT,
 * FUNCTION, CONFIG, …) with its subcommand, `"SCRIPT FLUSH"`. Names are ASCII, so latin1 is exact
 * and cheap. Pure.
 */

const CONTAINERS: ReadonlySet<string> = new Set([
  'SCRIPT',
  'FUNCTION',
  'CONFIG',
  'CLUSTER',
  'CLIENT',
  'DEBUG',
  'MEMORY',
  'LATENCY',
  'SLOWLOG',
  'ACL',
  'MODULE',
]);

/** The longest command name worth upper-casing; anything longer is no known command. */
const MAX_NAME_BYTES = 32;

export function commandName(args: readonly Buffer[]): string {
  const first = args[0];
  if (first === undefined || first.length > MAX_NAME_BYTES) return '';
  const name = first.toString('latin1').toUpperCase();
  if (!CONTAINERS.has(name)) return name;
  const sub = args[1];
  if (sub === undefined || sub.length > MAX_NAME_BYTES) return name;
  return `${name} ${sub.toString('latin1').toUpperCase()}`;
}
