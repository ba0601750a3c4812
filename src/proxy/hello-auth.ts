/**
 * AUTH and HELLO, answered by the proxy against its own users (`ProxyAuth`): the upstream's
 * credentials are the proxy's, used by its own connections, never checked against or shown to
 * a client. HELLO switches the client's protocol; its replies then come from the RESP3 shared
 * connection (see StandaloneUpstream).
 */
import type { ProxyAuth } from './proxy-auth.js';
import { errorReply, mapReply, OK } from './replies.js';
import type { SessionHost } from './session-host.js';

/** What AUTH and HELLO change on a session. */
export interface AuthTarget {
  readonly id: number;
  protocol: 2 | 3;
  db: number;
  name: string;
  user: string;
  authenticated: boolean;
}

const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';

export function authCommand(session: AuthTarget, argv: readonly string[], auth: ProxyAuth): Buffer {
  if (argv.length !== 2 && argv.length !== 3) {
    return errorReply("wrong number of arguments for 'auth' command");
  }
  const user = argv.length === 3 ? argv[1]! : 'default';
  const password = argv[argv.length - 1]!;
  if (!auth.required) {
    if (argv.length === 2) {
      return errorReply(
        'AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
      );
    }
    return user === 'default' ? OK : errorReply(WRONGPASS);
  }
  if (!auth.check(user, password)) return errorReply(WRONGPASS);
  session.authenticated = true;
  session.user = user;
  return OK;
}

/** Client names: the server's rule (no spaces, newlines or special characters). */
export function validClientName(name: string): boolean {
  return /^[!-~]*$/.test(name);
}

export function helloCommand(
  session: AuthTarget,
  argv: readonly string[],
  host: SessionHost,
): Buffer {
  let protocol = session.protocol;
  if (argv.length >= 2) {
    const v = argv[1]!;
    if (!/^-?\d+$/.test(v)) return errorReply('Protocol version is not an integer or out of range');
    const n = Number(v);
    if (n !== 2 && n !== 3) return errorReply('NOPROTO unsupported protocol version');
    protocol = n;
  }
  let user: string | undefined;
  let password: string | undefined;
  let name: string | undefined;
  for (let i = 2; i < argv.length; i++) {
    const opt = argv[i]!.toLowerCase();
    if (opt === 'auth' && i + 2 < argv.length) {
      user = argv[i + 1]!;
      password = argv[i + 2]!;
      i += 2;
    } else if (opt === 'setname' && i + 1 < argv.length) {
      name = argv[i + 1]!;
      i += 1;
    } else {
      return errorReply(`Syntax error in HELLO option '${argv[i]}'`);
    }
  }
  if (user !== undefined && password !== undefined) {
    if (host.auth.required ? !host.auth.check(user, password) : user !== 'default') {
      return errorReply(WRONGPASS);
    }
    session.authenticated = true;
    session.user = user;
  } else if (!session.authenticated) {
    return errorReply(
      'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
    );
  }
  if (name !== undefined && !validClientName(name)) {
    return errorReply('Client names cannot contain spaces, newlines or special characters.');
  }
  const path = host.upstream.shared(protocol, session.db);
  if (path instanceof Error) return errorReply(`respool proxy: ${path.message}`);
  session.protocol = protocol;
  if (name !== undefined) session.name = name;
  return mapReply(
    [
      ['server', 'redis'],
      ['version', host.upstream.serverVersion],
      ['proto', protocol],
      ['id', session.id],
      ['mode', 'standalone'],
      ['role', 'master'],
      ['modules', []],
    ],
    protocol,
  );
}
