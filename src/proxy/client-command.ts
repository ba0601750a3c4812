/**
 * CLIENT subcommands answered from the proxy's own view of its clients (the upstream sees only
 * the proxy's few connections, so relaying CLIENT LIST would tell a client nothing true about
 * itself). Lines follow the server's CLIENT LIST format, so `respool doctor` and other tools can
 * read them; fields the proxy has no notion of are 0.
 */
import { validClientName } from './hello-auth.js';
import { bulkReply, errorReply, integerReply, nullReply, OK, verbatimReply } from './replies.js';
import type { SessionHost } from './session-host.js';

export interface SessionView {
  readonly id: number;
  readonly addr: string;
  readonly laddr: string;
  name: string;
  libName: string;
  libVer: string;
  readonly db: number;
  readonly protocol: 2 | 3;
  readonly user: string;
  readonly createdAt: number;
  readonly lastActivity: number;
  readonly lastCommand: string;
  readonly subscriptions: ReadonlySet<string>;
  readonly inMulti: boolean;
  readonly blocked: boolean;
  readonly monitoring: boolean;
  readonly queryBufferBytes: number;
  readonly outputBytes: number;
  readonly pendingReplies: number;
  readonly closed: boolean;
  kill(): void;
}

/** The reply, or undefined to relay the command to the server (PAUSE, UNPAUSE, HELP). */
export function clientCommand(
  session: SessionView,
  argv: readonly string[],
  host: SessionHost,
): Buffer | undefined {
  const sub = (argv[1] ?? '').toLowerCase();
  const protocol = session.protocol;
  switch (sub) {
    case 'id':
      return integerReply(session.id);
    case 'getname':
      return session.name === '' ? nullReply(protocol) : bulkReply(session.name);
    case 'setname': {
      if (argv.length !== 3)
        return errorReply("wrong number of arguments for 'client|setname' command");
      if (!validClientName(argv[2]!)) {
        return errorReply('Client names cannot contain spaces, newlines or special characters.');
      }
      session.name = argv[2]!;
      return OK;
    }
    case 'setinfo': {
      if (argv.length !== 4)
        return errorReply("wrong number of arguments for 'client|setinfo' command");
      const attr = argv[2]!.toLowerCase();
      if (attr !== 'lib-name' && attr !== 'lib-ver')
        return errorReply(`Unrecognized option '${argv[2]}'`);
      if (!/^[!-~]*$/.test(argv[3]!)) {
        return errorReply(`${argv[2]} cannot contain spaces, newlines or special characters.`);
      }
      if (attr === 'lib-name') session.libName = argv[3]!;
      else session.libVer = argv[3]!;
      return OK;
    }
    case 'info':
      return verbatimReply(`${clientLine(session)}\n`, protocol);
    case 'list':
      return list(session, argv, host);
    case 'kill':
      return kill(session, argv, host);
    case 'getredir':
      return integerReply(-1);
    case 'no-evict':
      // The proxy's clients are never evicted by the server: they are not its clients.
      return OK;
    case 'tracking':
    case 'caching':
    case 'trackinginfo':
      return errorReply(
        'respool proxy: client-side caching (CLIENT TRACKING) is not supported through the proxy; connect to the server for it',
      );
    case 'no-touch':
      return errorReply(
        `respool proxy: CLIENT ${sub.toUpperCase()} is not supported through the proxy`,
      );
    default:
      return undefined;
  }
}

export function clientLine(s: SessionView): string {
  const now = Date.now();
  let sub = 0;
  let psub = 0;
  let ssub = 0;
  for (const key of s.subscriptions) {
    if (key.startsWith('subscribe:')) sub++;
    else if (key.startsWith('psubscribe:')) psub++;
    else ssub++;
  }
  let flags = '';
  if (sub + psub + ssub > 0) flags += 'P';
  if (s.inMulti) flags += 'x';
  if (s.blocked) flags += 'b';
  if (s.monitoring) flags += 'O';
  if (s.addr.startsWith(':')) flags += 'U';
  if (flags === '') flags = 'N';
  return [
    `id=${s.id}`,
    `addr=${s.addr}`,
    `laddr=${s.laddr}`,
    'fd=-1',
    `name=${s.name}`,
    `age=${Math.floor((now - s.createdAt) / 1000)}`,
    `idle=${Math.floor((now - s.lastActivity) / 1000)}`,
    `flags=${flags}`,
    `db=${s.db}`,
    `sub=${sub}`,
    `psub=${psub}`,
    `ssub=${ssub}`,
    `multi=${s.inMulti ? 0 : -1}`,
    `qbuf=${s.queryBufferBytes}`,
    'qbuf-free=0',
    'argv-mem=0',
    'multi-mem=0',
    'rbs=0',
    'rbp=0',
    'obl=0',
    `oll=${s.pendingReplies}`,
    `omem=${s.outputBytes}`,
    `tot-mem=${s.queryBufferBytes + s.outputBytes}`,
    'events=r',
    `cmd=${s.lastCommand}`,
    `user=${s.user}`,
    'redir=-1',
    `resp=${s.protocol}`,
    `lib-name=${s.libName}`,
    `lib-ver=${s.libVer}`,
  ].join(' ');
}

function list(session: SessionView, argv: readonly string[], host: SessionHost): Buffer {
  let ids: Set<number> | undefined;
  let type: string | undefined;
  for (let i = 2; i < argv.length; i++) {
    const opt = argv[i]!.toLowerCase();
    if (opt === 'type' && i + 1 < argv.length) {
      type = argv[++i]!.toLowerCase();
      if (!['normal', 'master', 'replica', 'slave', 'pubsub'].includes(type)) {
        return errorReply(`Unknown client type '${argv[i]}'`);
      }
    } else if (opt === 'id' && i + 1 < argv.length) {
      ids = new Set();
      for (i++; i < argv.length; i++) {
        const id = Number(argv[i]);
        if (!Number.isInteger(id) || id <= 0) return errorReply('Invalid client ID');
        ids.add(id);
      }
    } else {
      return errorReply('syntax error');
    }
  }
  const lines: string[] = [];
  for (const s of host.sessions()) {
    if (ids !== undefined && !ids.has(s.id)) continue;
    const pubsub = s.subscriptions.size > 0;
    if (type === 'master' || type === 'replica' || type === 'slave') continue;
    if (type === 'pubsub' && !pubsub) continue;
    if (type === 'normal' && pubsub) continue;
    lines.push(`${clientLine(s)}\n`);
  }
  return verbatimReply(lines.join(''), session.protocol);
}

function kill(session: SessionView, argv: readonly string[], host: SessionHost): Buffer {
  if (argv.length === 3) {
    // Old form: CLIENT KILL addr:port
    for (const s of host.sessions()) {
      if (s.addr === argv[2]) {
        s.kill();
        return OK;
      }
    }
    return errorReply('No such client');
  }
  let id: number | undefined;
  let addr: string | undefined;
  let laddr: string | undefined;
  let user: string | undefined;
  let type: string | undefined;
  let skipMe = true;
  for (let i = 2; i < argv.length; i += 2) {
    const opt = argv[i]!.toLowerCase();
    const value = argv[i + 1];
    if (value === undefined) return errorReply('syntax error');
    if (opt === 'id') {
      id = Number(value);
      if (!Number.isInteger(id) || id <= 0) return errorReply('client-id should be greater than 0');
    } else if (opt === 'addr') addr = value;
    else if (opt === 'laddr') laddr = value;
    else if (opt === 'user') user = value;
    else if (opt === 'type') type = value.toLowerCase();
    else if (opt === 'skipme') {
      const v = value.toLowerCase();
      if (v !== 'yes' && v !== 'no') return errorReply('syntax error');
      skipMe = v === 'yes';
    } else return errorReply('syntax error');
  }
  let killed = 0;
  for (const s of [...host.sessions()]) {
    if (id !== undefined && s.id !== id) continue;
    if (addr !== undefined && s.addr !== addr) continue;
    if (laddr !== undefined && s.laddr !== laddr) continue;
    if (user !== undefined && s.user !== user) continue;
    if (type === 'pubsub' && s.subscriptions.size === 0) continue;
    if (type === 'normal' && s.subscriptions.size > 0) continue;
    if (type === 'master' || type === 'replica' || type === 'slave') continue;
    if (skipMe && s === session) continue;
    s.kill();
    killed++;
  }
  return integerReply(killed);
}
