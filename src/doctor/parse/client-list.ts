/**
 * `CLIENT LIST` replies: one client per line, space-separated `key=value` fields. Values never
 * hold spaces (the server rejects names with them), so a split on spaces is exact. Fields differ
 * by version: `ssub` appeared in 7.0.3, `lib-name`/`lib-ver` in 7.2; an absent field is told
 * apart from an empty one where it matters (`lib-name`).
 */

/** The fields of one client the doctor uses. */
export interface ClientEntry {
  readonly id: number;
  /** `ip:port`, `[ipv6]:port` or `/path/to/socket:0`. */
  readonly addr: string;
  /** The IP part of `addr` without brackets, or the socket path. */
  readonly host: string;
  /** CLIENT SETNAME value; `''` when none. */
  readonly name: string;
  /** `null` when the server does not report the field (before 7.2); `''` when not set. */
  readonly libName: string | null;
  /** Seconds since the connection was opened. */
  readonly age: number;
  /** Seconds since its last command. */
  readonly idle: number;
  /**
   * Flag letters, e.g. `N`, `b` (blocked), `P` (pub/sub), `S` (replica), `M` (master), `t`
   * (CLIENT TRACKING on), `B` (tracking in broadcast mode), `R` (its redirect client is gone).
   */
  readonly flags: string;
  /** `redir`: the client id its tracking invalidations go to; -1 when none (or not reported). */
  readonly redir: number;
  readonly sub: number;
  readonly psub: number;
  readonly ssub: number;
  /** Last command, lower case, `container|subcommand` form on 7.0+. */
  readonly cmd: string;
}

/** Parse every non-blank line. Lines without an `addr` field are skipped. */
export function parseClientList(text: string): ClientEntry[] {
  const entries: ClientEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const entry = parseClientLine(line);
    if (entry !== undefined) entries.push(entry);
  }
  return entries;
}

/** One CLIENT LIST line, or `undefined` when it has no `addr`. */
export function parseClientLine(line: string): ClientEntry | undefined {
  const fields = new Map<string, string>();
  for (const pair of line.trim().split(' ')) {
    const eq = pair.indexOf('=');
    if (eq > 0) fields.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  const addr = fields.get('addr');
  if (addr === undefined) return undefined;
  return {
    id: int(fields.get('id')),
    addr,
    host: hostOfAddr(addr),
    name: fields.get('name') ?? '',
    libName: fields.get('lib-name') ?? null,
    age: int(fields.get('age')),
    idle: int(fields.get('idle')),
    flags: fields.get('flags') ?? '',
    redir: fields.has('redir') ? int(fields.get('redir')) : -1,
    sub: int(fields.get('sub')),
    psub: int(fields.get('psub')),
    ssub: int(fields.get('ssub')),
    cmd: (fields.get('cmd') ?? '').toLowerCase(),
  };
}

/** `10.0.0.5:51234` → `10.0.0.5`; `[::1]:6000` → `::1`; `/tmp/r.sock:0` → `/tmp/r.sock`. */
export function hostOfAddr(addr: string): string {
  const colon = addr.lastIndexOf(':');
  const host = colon === -1 ? addr : addr.slice(0, colon);
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function int(value: string | undefined): number {
  const n = Number(value);
  return Number.isInteger(n) ? n : 0;
}
