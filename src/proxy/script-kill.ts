/**
 * SCRIPT KILL and FUNCTION KILL go to the server on a lease of their own, never on the shared
 * connection. A script (any client's EVAL, EVALSHA or FCALL) runs on the shared connection like
 * any ordinary command and holds it until the script returns; a kill queued behind it would wait
 * for the very script it is meant to stop. An endless script would then hold the shared
 * connection, and with it every client of the proxy, for ever (Redis's unit/multi "MULTI and
 * script timeout" did exactly that).
 *
 * The lease is a RESP3 connection in db 0: while a script runs past its time limit the server
 * answers only a few commands, HELLO among them but not CLIENT SETNAME or SELECT, so the
 * handshake of a new RESP2 connection would be refused with BUSY. The kill's reply (+OK or an
 * error) reads the same in both protocols, and the kill does not depend on the db.
 */
import { BasicCommand, type PendingCommand } from '../connection/pending-command.js';
import type { Upstream } from './upstream.js';

/** True for `SCRIPT KILL` and `FUNCTION KILL` (name lower-cased, `sub` as sent). */
export function isScriptKill(name: string, argc: number, sub: string): boolean {
  return (name === 'script' || name === 'function') && argc === 2 && sub.toLowerCase() === 'kill';
}

/** Send `cmd` (a raw request) on a lease of its own, released as soon as it is answered. */
export function sendOnOwnLease(upstream: Upstream, cmd: PendingCommand, timeoutMs: number): void {
  upstream.lease(3, 0, timeoutMs).then(
    (lease) => {
      lease.send(
        new BasicCommand({
          args: cmd.args,
          ...(cmd.frame === undefined ? {} : { frame: cmd.frame }),
          raw: true,
          reply: (value) => {
            lease.release();
            cmd.reply(value);
          },
          fail: (error) => {
            lease.destroy();
            cmd.fail(error);
          },
        }),
      );
    },
    (error: Error) => cmd.fail(error),
  );
}
