/**
 * What a lease did to its connection's server-side state, so release can undo exactly that
 * (redigo's activeConn.Close sends DISCARD/UNWATCH/UNSUBSCRIBE blindly; we send only what is
 * needed, usually nothing, so a clean release costs no round trip).
 *
 * Restorable: an open MULTI (DISCARD), WATCHed keys (UNWATCH), a SELECTed database, a changed
 * CLIENT SETNAME. Anything else that changes how the connection behaves (MONITOR, subscriber
 * mode, CLIENT REPLY/TRACKING/NO-EVICT/NO-TOUCH, HELLO, AUTH, RESET, READONLY, QUIT) cannot be
 * undone reliably: the connection is destroyed instead of being lent again.
 */
import type { RespArg } from '../protocol/resp-types.js';

const UNRESTORABLE = new Set([
  'monitor',
  'subscribe',
  'psubscribe',
  'ssubscribe',
  'hello',
  'auth',
  'reset',
  'readonly',
  'readwrite',
  'quit',
]);
const UNRESTORABLE_CLIENT = new Set(['reply', 'tracking', 'no-evict', 'no-touch', 'caching']);

export class LeaseState {
  #inMulti = false;
  #watching = false;
  #db: number;
  #nameChanged = false;
  #unrestorable = false;
  readonly #defaultDb: number;
  readonly #defaultName: string | undefined;

  constructor(defaultDb: number, defaultName: string | undefined) {
    this.#defaultDb = defaultDb;
    this.#db = defaultDb;
    this.#defaultName = defaultName;
  }

  /** Note a command about to be sent on the lease. */
  observe(args: readonly RespArg[]): void {
    const name = String(args[0]).toLowerCase();
    switch (name) {
      case 'multi':
        this.#inMulti = true;
        return;
      case 'exec':
      case 'discard':
        // Both end the transaction and unwatch every key.
        this.#inMulti = false;
        this.#watching = false;
        return;
      case 'watch':
        this.#watching = true;
        return;
      case 'unwatch':
        this.#watching = false;
        return;
      case 'select': {
        const db = Number(String(args[1]));
        if (Number.isInteger(db)) this.#db = db;
        else this.#unrestorable = true;
        return;
      }
      case 'client': {
        const sub = String(args[1]).toLowerCase();
        if (sub === 'setname') this.#nameChanged = true;
        else if (UNRESTORABLE_CLIENT.has(sub)) this.#unrestorable = true;
        return;
      }
      default:
        if (UNRESTORABLE.has(name)) this.#unrestorable = true;
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
    return out;
  }
}
