/**
 * The checks a proxy session makes before it routes a request, and the argument parsing of the
 * commands it answers itself, as pure functions: each returns the error reply to give, in the
 * server's words where the server has words for it, or the parsed value.
 */
import { errorReply } from './replies.js';
import { Route } from './routes.js';

/** What the gate needs to know of the session. */
export interface GateState {
  readonly authenticated: boolean;
  readonly protocol: 2 | 3;
  readonly subscribed: boolean;
  /** MULTI could not get a connection: refused until EXEC/DISCARD (EXECABORT). */
  readonly failedMulti: boolean;
  readonly monitoring: boolean;
}

const SUBSCRIBED_ALLOWED = new Set<Route>([
  Route.Subscribe,
  Route.Unsubscribe,
  Route.Ping,
  Route.Quit,
  Route.Reset,
]);

/** The refusal for a request the session's state does not allow now; undefined: go on. */
export function gate(route: Route, name: string, s: GateState): Buffer | undefined {
  const leaving = route === Route.Quit || route === Route.Reset;
  if (!s.authenticated && route !== Route.Auth && route !== Route.Hello && !leaving) {
    return errorReply('NOAUTH Authentication required.');
  }
  if (s.protocol === 2 && s.subscribed && !SUBSCRIBED_ALLOWED.has(route)) {
    return errorReply(
      `Can't execute '${name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
    );
  }
  if (s.failedMulti && route !== Route.Exec && route !== Route.Discard && !leaving) {
    return errorReply(
      'respool proxy: not queued, the transaction could not start (see the error MULTI got)',
    );
  }
  if (s.monitoring && !leaving) {
    return errorReply('respool proxy: only RESET and QUIT are accepted while MONITOR runs');
  }
  return undefined;
}

/** SELECT's database, or the server's error for it. */
export function parseSelect(argv: readonly string[], databases: number): number | Buffer {
  if (argv.length !== 2) return errorReply("wrong number of arguments for 'select' command");
  const db = /^-?\d+$/.test(argv[1]!) ? Number(argv[1]) : Number.NaN;
  if (!Number.isSafeInteger(db)) return errorReply('value is not an integer or out of range');
  if (db < 0 || db >= databases) return errorReply('DB index is out of range');
  return db;
}

/** CLIENT REPLY's mode, or the server's error for it. */
export function parseReplyMode(argv: readonly string[]): 'on' | 'off' | 'skip' | Buffer {
  const mode = (argv[2] ?? '').toLowerCase();
  if (argv.length !== 3 || (mode !== 'on' && mode !== 'off' && mode !== 'skip')) {
    return errorReply('syntax error');
  }
  return mode;
}

/** CLIENT UNBLOCK <id> [TIMEOUT|ERROR], or the server's error for it. */
export function parseUnblock(
  argv: readonly string[],
): { readonly id: number; readonly error: boolean } | Buffer {
  if (argv.length < 3) return errorReply("wrong number of arguments for 'client|unblock' command");
  if (argv.length > 4) {
    return errorReply(
      "unknown subcommand or wrong number of arguments for 'unblock'. Try CLIENT HELP.",
    );
  }
  const mode = (argv[3] ?? 'timeout').toLowerCase();
  if (mode !== 'timeout' && mode !== 'error')
    return errorReply('CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
  const id = /^-?\d+$/.test(argv[2]!) ? Number(argv[2]) : Number.NaN;
  if (!Number.isSafeInteger(id)) return errorReply('value is not an integer or out of range');
  return { id, error: mode === 'error' };
}
