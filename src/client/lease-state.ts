/**
 * What a lease did to its connection's server-side state, so release can undo exactly that
 * (redigo's activeConn.Close sends DISCARD/UNWATCH/UNSUBSCRIBE blindly; we send only what is
 * needed, usually nothing, so a clean release costs no round trip).
 *
 * What a command changes, and how it is undone, is `connectionStateChange`'s answer
 * (commands/connection-state.ts). Restorable: an open MULTI (DISCARD), WATCHed keys (UNWATCH), a
 * SELECTed database, a changed CLIENT SETNAME or SETINFO. Anything else that changes how the
 * connection behaves (MONITOR, subscriber mode, CLIENT REPLY/TRACKING/NO-EVICT/NO-TOUCH, HELLO,
 * AUTH, RESET, READONLY, ASKING, QUIT…) cannot be undone reliably: the connection is destroyed
 * instead of being lent again.
 */
import { connectionStateChange, selectedDb } from '../commands/connection-state.js';
import type { RespArg } from '../protocol/resp-types.js';
import { LIBRARY_NAME, LIBRARY_VERSION } from '../version.js';

export class LeaseState {
  #inMulti = false;
  #watching = false;
  #db: number;
  #nameChanged = false;
  #infoChanged = false;
  #unrestorable = false;
  readonly #defaultDb: number;
  readonly #defaultName: string | undefined;

  constructor(defaultDb: number, defaultName: string | undefined) {
    this.#defaultDb = defaultDb;
    this.#db = defaultDb;
    this.#defaultName = defaultName;
  }

  /** Note a command about to be sent on the lease (`connectionStateChange` says what it does). */
  observe(args: readonly RespArg[]): void {
    const change = connectionStateChange(args);
    switch (change.undo) {
      case 'nothing':
        // EXEC and DISCARD end the transaction and unwatch every key; UNWATCH only unwatches.
        if (change.kind === 'transaction') this.#inMulti = false;
        if (change.kind === 'transaction' || change.kind === 'watch') this.#watching = false;
        return;
      case 'discard':
        this.#inMulti = true;
        return;
      case 'unwatch':
        this.#watching = true;
        return;
      case 'select':
        this.#db = selectedDb(args) ?? this.#db;
        return;
      case 'setname':
        this.#nameChanged = true;
        return;
      case 'setinfo':
        this.#infoChanged = true;
        return;
      case 'unsubscribe':
      case 'destroy':
        this.#unrestorable = true;
        return;
    }
  }

  /**
   * Commands that bring the connection back to its handshake state, in order; `[]` when it is
   * already clean; `undefined` when it cannot be restored and must be destroyed.
   */
  resetCommands(): RespArg[][] | undefined {
    if (this.#unrestorable) return undefined;
    const out: RespArg[][] = [];
    if (this.#inMulti) out.push(['DISCARD']);
    // DISCARD also unwatches; UNWATCH alone covers WATCH without MULTI.
    else if (this.#watching) out.push(['UNWATCH']);
    if (this.#db !== this.#defaultDb) out.push(['SELECT', this.#defaultDb]);
    if (this.#nameChanged) out.push(['CLIENT', 'SETNAME', this.#defaultName ?? '']);
    if (this.#infoChanged) {
      out.push(['CLIENT', 'SETINFO', 'LIB-NAME', LIBRARY_NAME]);
      out.push(['CLIENT', 'SETINFO', 'LIB-VER', LIBRARY_VERSION]);
    }
    return out;
  }
}
