/**
 * One line for an error the doctor met while reading a server, for the report. Server refusals
 * keep their prefix (`NOPERM`, `WRONGPASS`), which is what a reader searches for. Messages built
 * by respool never contain a password; nothing here adds one.
 */
import { isRespoolError, ReplyError } from '../errors.js';

/** `NOPERM this user has no permissions…`, `authentication failed: WRONGPASS …`, … */
export function describeError(error: unknown): string {
  if (error instanceof ReplyError) {
    if (error.prefix === 'WRONGPASS' || error.prefix === 'NOAUTH') {
      return `authentication failed: ${error.message}`;
    }
    return error.message;
  }
  if (isRespoolError(error)) return `${error.message} (${error.code})`;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** True for a reply the server sent (the connection works; the command was refused). */
export function isServerRefusal(error: unknown): boolean {
  return error instanceof ReplyError && error.prefix !== 'WRONGPASS' && error.prefix !== 'NOAUTH';
}
