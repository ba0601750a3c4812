/**
 * One line for an error the doctor met while reading a server, for the report, said the way an
 * operator can act on it: a server that wants a password is told to get one in the URL, a port
 * that answers something other than RESP is asked whether it is Redis, a refused connection is
 * called refused. Server refusals keep their prefix (`NOPERM`, `WRONGPASS`), which is what a
 * reader searches for. Messages built by respool never contain a password; nothing here adds one.
 */
import { isRespoolError, ReplyError } from '../errors.js';

/** What kind of failure an error is, for the advice that goes with it. */
export type FailureKind = 'refused' | 'password' | 'not-resp' | 'unreachable' | 'other';

/** `NOPERM this user has no permissions…`, `connection refused: …`, … */
export function describeError(error: unknown): string {
  const kind = failureKind(error);
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ReplyError) {
    if (
      error.prefix === 'NOAUTH' ||
      (error.prefix === 'ERR' && /AUTH.*without any password/i.test(message))
    ) {
      return `the server needs a password (${message}): put it in the URL, redis://:PASSWORD@host:port, or redis://USER:PASSWORD@host:port for an ACL user`;
    }
    if (error.prefix === 'WRONGPASS') {
      return `authentication failed: ${message}; check the user and password in the URL`;
    }
    return message;
  }
  if (kind === 'refused') {
    return `connection refused: nothing listens there (is the server running, and is this its port?) (${systemCode(error) ?? 'ECONNREFUSED'})`;
  }
  if (kind === 'not-resp') {
    return `the server does not speak RESP: is this Redis? (${message})`;
  }
  if (isRespoolError(error)) return `${message} (${error.code})`;
  return message;
}

/** The kind of `error`: refused, a password wanted, not RESP, unreachable, or other. */
export function failureKind(error: unknown): FailureKind {
  if (error instanceof ReplyError) {
    return error.prefix === 'NOAUTH' || error.prefix === 'WRONGPASS' ? 'password' : 'other';
  }
  const code = systemCode(error);
  if (code === 'ECONNREFUSED') return 'refused';
  if (
    code === 'EHOSTUNREACH' ||
    code === 'ENETUNREACH' ||
    code === 'ENOTFOUND' ||
    code === 'EAI_AGAIN'
  ) {
    return 'unreachable';
  }
  if (isRespoolError(error) && error.code === 'ERR_PROTOCOL') return 'not-resp';
  return 'other';
}

/** True for a reply the server sent (the connection works; the command was refused). */
export function isServerRefusal(error: unknown): boolean {
  return error instanceof ReplyError && error.prefix !== 'WRONGPASS' && error.prefix !== 'NOAUTH';
}

/** The `code` of the system error somewhere in `error`'s cause chain (`ECONNREFUSED`, …). */
function systemCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code) && !code.startsWith('ERR')) return code;
    e = e.cause;
  }
  return undefined;
}
