/**
 * Parsing of `CLIENT LIST` and `INFO` replies, and rendering client lists for failure messages.
 * Pure text in, plain objects out: no sockets, and nothing from `src/`, for the same reason as
 * `raw-resp.ts`.
 */

/**
 * One line of `CLIENT LIST`. Fields a server version does not report are `0` or `''` (`ssub`
 * appeared in 7.0.3, `lib-name`/`lib-ver` in 7.2); `fields` keeps every raw `key=value` pair.
 */
export interface ClientInfo {
  readonly id: number;
  readonly addr: string;
  readonly laddr: string;
  readonly fd: number;
  readonly name: string;
  readonly age: number;
  readonly idle: number;
  readonly flags: string;
  readonly db: number;
  readonly sub: number;
  readonly psub: number;
  readonly ssub: number;
  /** Commands queued in MULTI, `-1` outside a transaction. */
  readonly multi: number;
  readonly qbuf: number;
  readonly omem: number;
  /** Last command run, in `cmd|subcommand` form. */
  readonly cmd: string;
  readonly 'lib-name': string;
  readonly 'lib-ver': string;
  readonly fields: Readonly<Record<string, string>>;
}

/**
 * Renders clients one per line (addr, name, lib-name, cmd, age, idle) for failure messages.
 */
export function formatClientList(clients: readonly ClientInfo[]): string {
  if (clients.length === 0) {
    return '  (none)';
  }
  return clients
    .map(
      (c) =>
        `  addr=${c.addr} name=${c.name} lib-name=${c['lib-name']} cmd=${c.cmd} ` +
        `age=${c.age} idle=${c.idle}`,
    )
    .join('\n');
}

/** `CLIENT LIST` text parsed one client per non-blank line. */
export function parseClientList(text: string): ClientInfo[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(parseClientLine);
}

/** `INFO` text parsed into `field -> value`; section headers and blank lines are dropped. */
export function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (line === '' || line.startsWith('#') || colon === -1) {
      continue;
    }
    fields[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return fields;
}

function parseClientLine(line: string): ClientInfo {
  const fields: Record<string, string> = {};
  // Values never contain spaces: CLIENT SETNAME and SETINFO reject them.
  for (const pair of line.trim().split(' ')) {
    const eq = pair.indexOf('=');
    if (eq > 0) {
      fields[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  const num = (key: string): number => Number(fields[key] ?? '0');
  const str = (key: string): string => fields[key] ?? '';
  return {
    id: num('id'),
    addr: str('addr'),
    laddr: str('laddr'),
    fd: num('fd'),
    name: str('name'),
    age: num('age'),
    idle: num('idle'),
    flags: str('flags'),
    db: num('db'),
    sub: num('sub'),
    psub: num('psub'),
    ssub: num('ssub'),
    multi: num('multi'),
    qbuf: num('qbuf'),
    omem: num('omem'),
    cmd: str('cmd'),
    'lib-name': str('lib-name'),
    'lib-ver': str('lib-ver'),
    fields,
  };
}
