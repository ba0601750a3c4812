/**
 * `INFO commandstats`: one line per command the server has run since it started (or since
 * CONFIG RESETSTAT), `cmdstat_<name>:calls=N,usec=…`. Subcommands are spelt `client|list`, as in
 * CLIENT LIST's `cmd` field, so the two can be matched.
 */

/** Calls per command name (lower case). Lines that are not commandstats are ignored. */
export function parseCommandStats(text: string): Map<string, number> {
  const calls = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^cmdstat_([^:]+):(?:.*,)?calls=(\d+)/.exec(line.trim());
    if (match?.[1] !== undefined) calls.set(match[1].toLowerCase(), Number(match[2]));
  }
  return calls;
}
