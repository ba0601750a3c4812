/**
 * The client side of one proxy session: its socket, its request parser, the reply queue that
 * keeps replies in request order, the requests held back until their path is free, and why
 * reading is paused. What a request means, and where it goes, is the session's (session.ts);
 * this part keeps order, bytes and back-pressure.
 *
 * Order. Every request gets a `Slot` in the reply queue the moment it is parsed; a reply is
 * written when every slot before it is answered, so a client's replies come back in the order it
 * sent its commands, wherever they ran. A request the session cannot send yet (another path
 * still owes replies, a lease is coming) waits in the held queue, and the client is not read,
 * until `drainHeld` dispatches it.
 */
import type net from 'node:net';
import { RequestParser, type RequestSink } from '../protocol/request-parser.js';
import { RingQueue } from '../util/ring-queue.js';
import type { ResolvedProxyOptions } from './proxy-options.js';
import { errorReply } from './replies.js';
import { ReplyOutput } from './reply-output.js';
import type { Slot } from './session-slot.js';

// Why reading is paused (bits).
export const PAUSE_UPSTREAM = 1;
const PAUSE_OUTPUT = 2;
const PAUSE_HELD = 4;

/** What the transport asks of its session. */
export interface TransportOwner {
  /** The slot of a parsed request (`argc` > 0), its arguments still readable in the parser. */
  slotFor(frame: Buffer, argc: number): Slot;
  /** The slot a protocol error is answered in. */
  errorSlot(): Slot;
  /** Route `slot`; false when it must wait (it is then held, and reading paused). */
  dispatch(slot: Slot, argc: number): boolean;
  /** Unread replies passed `maxClientOutputBytes`: the client is being cut off. */
  outputOverLimit(): void;
  /** The socket closed (whoever closed it). */
  onClosed(): void;
}

export class SessionTransport implements RequestSink {
  readonly socket: net.Socket;
  readonly parser: RequestParser;
  lastActivity = Date.now();
  closed = false;
  readonly #owner: TransportOwner;
  readonly #queue = new RingQueue<Slot>(16);
  readonly #held = new RingQueue<Slot>(4);
  /** Replies of this turn not yet handed to the socket (reply-output.ts). */
  readonly #output: ReplyOutput;
  /** #drainHeld is running (see there). */
  #draining = false;
  #paused = 0;
  #readingStopped = false;
  #closing = false;

  constructor(socket: net.Socket, options: ResolvedProxyOptions, owner: TransportOwner) {
    const transport = this;
    this.socket = socket;
    this.#owner = owner;
    this.parser = new RequestParser(this, options.requestLimits);
    this.#output = new ReplyOutput(
      socket,
      {
        get closed() {
          return transport.closed;
        },
        overLimit: () => {
          if (!socket.destroyed) owner.outputOverLimit();
          this.kill();
        },
        pause: () => this.pause(PAUSE_OUTPUT),
        flushed: () => {
          // Paused for bytes that were still queued here: when the socket took them without
          // asking for a drain, no 'drain' will come to resume reading.
          if ((this.#paused & PAUSE_OUTPUT) !== 0 && !socket.writableNeedDrain) {
            this.resume(PAUSE_OUTPUT);
          }
          if (this.#closing && this.#queue.length === 0) this.#end();
        },
      },
      options,
    );
    socket.on('data', (chunk: Buffer) => {
      this.lastActivity = Date.now();
      this.parser.feed(chunk);
    });
    socket.on('drain', () => {
      if ((this.#paused & PAUSE_OUTPUT) !== 0) this.resume(PAUSE_OUTPUT);
    });
    socket.on('close', () => {
      if (this.closed) return;
      this.closed = true;
      this.parser.stopped = true;
      owner.onClosed();
    });
    socket.on('error', () => {
      // 'close' follows: cleanup happens there.
    });
  }

  get queryBufferBytes(): number {
    return this.parser.bufferedBytes;
  }

  get outputBytes(): number {
    return this.#output.pendingBytes;
  }

  get pendingReplies(): number {
    return this.#queue.length;
  }

  // ── requests ─────────────────────────────────────────────────────────────────────────────

  onRequest(frame: Buffer, argc: number): void {
    if (argc === 0 || this.#closing) return;
    const slot = this.#owner.slotFor(frame, argc);
    this.#queue.push(slot);
    if (this.#held.length > 0 || !this.#owner.dispatch(slot, argc)) this.#hold(slot);
  }

  onProtocolError(message: string): void {
    const slot = this.#owner.errorSlot();
    this.#queue.push(slot);
    this.complete(slot, errorReply(message));
    this.closeAfterReplies();
  }

  /** The arguments of the request being dispatched, as strings. */
  argv(slot: Slot, argc: number): string[] {
    const out: string[] = new Array(argc);
    for (let i = 0; i < argc; i++) out[i] = this.parser.argString(slot.frame, i);
    return out;
  }

  /** The arguments of the request being dispatched, as views of its frame (no copies). */
  argvViews(slot: Slot): Buffer[] {
    const parser = this.parser;
    const argc = parser.argc;
    const out: Buffer[] = new Array(argc);
    for (let i = 0; i < argc; i++)
      out[i] = slot.frame.subarray(parser.argStart[i], parser.argEnd[i]);
    return out;
  }

  #hold(slot: Slot): void {
    this.#held.push(slot);
    this.pause(PAUSE_HELD);
  }

  /** Take the held request at the head (a lease that could not be had answers it). */
  shiftHeld(): Slot | undefined {
    return this.#held.shift();
  }

  get holding(): boolean {
    return this.#held.length > 0;
  }

  /**
   * Dispatch held requests in order until one must wait again. Not re-entered: a lease or path
   * that answers inside `send` settles the session from within dispatch, and a nested drain
   * would dispatch the slot still at the head of the held queue a second time (MULTI sent
   * twice, the lease never given back). The loop below goes on with the next slot itself.
   */
  drainHeld(): void {
    if (this.#draining) return;
    this.#draining = true;
    try {
      const held = this.#held;
      while (held.length > 0 && !this.closed) {
        const slot = held.peek()!;
        const argc = this.parser.reparse(slot.frame);
        if (!this.#owner.dispatch(slot, argc)) return;
        held.shift();
      }
      if (held.length === 0) this.resume(PAUSE_HELD);
    } finally {
      this.#draining = false;
    }
  }

  // ── replies ──────────────────────────────────────────────────────────────────────────────

  /** `slot` is answered: write it, and every answered slot behind it, in order. */
  complete(slot: Slot, bytes: Buffer): void {
    slot.value = bytes;
    if (this.closed || this.socket.destroyed) return;
    const queue = this.#queue;
    if (queue.peek() !== slot) return;
    for (let s = queue.peek(); s !== undefined && s.value !== undefined; s = queue.peek()) {
      queue.shift();
      if (!s.silent) this.#output.write(s.value);
    }
    if (this.#closing && queue.length === 0 && !this.#output.queued) this.#end();
  }

  /** A frame that answers no request (a pub/sub message, a MONITOR line), in its place. */
  push(frame: Buffer, slot: () => Slot): void {
    if (this.closed) return;
    if (this.#queue.length === 0) this.#output.write(frame);
    else {
      const s = slot();
      this.#queue.push(s);
      this.complete(s, frame);
    }
  }

  /** Write this turn's replies now (reply-output.ts; also what the turn's check phase does). */
  flushReplies(): void {
    this.#output.flush();
  }

  /** Read no more; close once the replies owed are written (QUIT, a protocol error). */
  closeAfterReplies(): void {
    this.#closing = true;
    this.parser.stopped = true;
    // With replies still to flush, the output's `flushed` ends the socket after writing them.
    if (this.#queue.length === 0 && !this.#output.queued) this.#end();
  }

  /**
   * Flush the replies, then close both ways, as the server does after QUIT or a protocol error:
   * a half-close alone would leave a client that keeps writing (unit/protocol's desync tests)
   * writing into a socket the proxy reads and drops, for ever.
   */
  #end(): void {
    const socket = this.socket;
    if (!socket.writableEnded) socket.end(() => socket.destroy());
  }

  // ── flow control ─────────────────────────────────────────────────────────────────────────

  pause(reason: number): void {
    this.#paused |= reason;
    if (!this.#readingStopped) {
      this.#readingStopped = true;
      this.socket.pause();
    }
  }

  resume(reason: number): void {
    this.#paused &= ~reason;
    if (this.#paused === 0 && this.#readingStopped && !this.closed) {
      this.#readingStopped = false;
      this.socket.resume();
    }
  }

  /** Close now (CLIENT KILL, limits, shutdown). */
  kill(): void {
    if (!this.closed && !this.socket.destroyed) this.socket.destroy();
  }

  /** Stop reading, answer what was accepted, then close (graceful shutdown). */
  drainAndClose(): void {
    this.closeAfterReplies();
    this.pause(PAUSE_HELD);
  }
}
