/**
 * Events of a client. Transport trouble that respool handles by itself (a server-side idle
 * close, a reconnect that succeeds) is reported as `close`/`reconnecting` for visibility, never
 * as `error`. `error` is only for what the user can act on, and is emitted only when someone
 * listens (an unheard `error` event would crash the process).
 */
export interface ClientEvents {
  /** The multiplexed connection was established (after its handshake). */
  connect: [];
  /** The client can send commands (follows `connect`). */
  ready: [];
  /** The multiplexed connection closed; `error` is absent for a routine close. */
  close: [info: { readonly error: Error | undefined }];
  /** A new connection will be attempted after `delayMs`. */
  reconnecting: [
    info: { readonly attempt: number; readonly delayMs: number; readonly error: Error | undefined },
  ];
  /**
   * The subscriber connection (the one every subscription shares) closed while subscriptions
   * were live; it is being replaced. Messages published from `downAt` on are lost until
   * `subscriber-up` (pub/sub is at-most-once).
   */
  'subscriber-down': [
    info: { readonly downAt: number; readonly error: Error | undefined; readonly channels: number },
  ];
  /** Every live channel was subscribed again; `downAt`…`upAt` is the window that was missed. */
  'subscriber-up': [
    info: { readonly downAt: number; readonly upAt: number; readonly channels: number },
  ];
  /** Actionable: the server refused us (authentication, maxclients, protocol violation). */
  error: [error: Error];
  /**
   * After a command could not go straight onto an uncongested connection (the node's `send()`
   * returned false), the connection can take commands again: every waiting one was written.
   */
  drain: [];
}

/** The emitting side, as the multiplexer sees it. */
export interface ClientEventSink {
  emit<K extends keyof ClientEvents>(event: K, ...args: ClientEvents[K]): void;
}
