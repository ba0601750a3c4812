/**
 * One client's reply bytes of the current turn, and the output limits on them.
 *
 * Reply bytes are queued and reach the socket once per turn, together. Why once per turn and not
 * per tick: libuv reads the upstream socket up to 64 KiB per callback and several times per poll
 * phase, and a client's pipeline of replies is often cut between two reads; flushing per tick
 * wrote it in two syscalls. Why not cork: a corked socket hands its chunks to writev one by one,
 * and at `-P 16` the JS and native cost per chunk (write request, chunk array, iovec) was a fifth
 * of the proxy's CPU. Copying small replies into one Buffer and making one write costs less.
 *
 * Except when the last flush wrote to one client only: then the next replies are written at the
 * end of the callback that produced them (`process.nextTick`), not in the check phase. A lone
 * client's reply comes in one small upstream read, so there is nothing to join, and the check
 * phase cost it a second trip into JS (libuv's check phase, `processImmediate`) before its bytes
 * left: a few µs of its ~90 µs round trip through the proxy (`npm run bench -- --proxy`, GET
 * -c 1). A flush that writes to several clients switches back to once per turn, so loads with
 * many clients (the -c 50 and -P 16 figures) keep the batching above.
 */
import type net from 'node:net';

/** Replies of one turn up to this size are copied into one Buffer and written with one call. */
const COALESCE_MAX_BYTES = 64 * 1024;

/** Outputs with replies queued this turn, written in the check phase (or the tick, see above). */
const DIRTY: ReplyOutput[] = [];
let repliesScheduled = false;
/** The last flush wrote to one client at most: write the next at the end of its callback. */
let lone = true;

function flushLater(output: ReplyOutput): void {
  DIRTY.push(output);
  if (repliesScheduled) return;
  repliesScheduled = true;
  if (lone) process.nextTick(flushDirty);
  else setImmediate(flushDirty);
}

function flushDirty(): void {
  // A flush cannot queue more replies for this turn (it only writes), so one pass suffices.
  for (let i = 0; i < DIRTY.length; i++) DIRTY[i]!.flush();
  lone = DIRTY.length <= 1;
  DIRTY.length = 0;
  repliesScheduled = false;
}

/** What the output tells its session. */
export interface OutputOwner {
  readonly closed: boolean;
  /** Pending output passed `maxClientOutputBytes`: the client is cut off. */
  overLimit(): void;
  /** Pending output passed `clientOutputPauseBytes`: stop reading the client. */
  pause(): void;
  /** The socket took this turn's replies. */
  flushed(): void;
}

export interface OutputLimits {
  readonly maxClientOutputBytes: number;
  readonly clientOutputPauseBytes: number;
}

export class ReplyOutput {
  readonly #socket: net.Socket;
  readonly #owner: OutputOwner;
  readonly #limits: OutputLimits;
  /** Replies of this turn not yet handed to the socket. */
  #out: Buffer[] = [];
  #outBytes = 0;

  constructor(socket: net.Socket, owner: OutputOwner, limits: OutputLimits) {
    this.#socket = socket;
    this.#owner = owner;
    this.#limits = limits;
  }

  /** Bytes queued here or in the socket, not yet written to the client. */
  get pendingBytes(): number {
    return this.#socket.writableLength + this.#outBytes;
  }

  /** Replies of this turn wait here. */
  get queued(): boolean {
    return this.#out.length > 0;
  }

  /** Queue reply bytes for this turn's write. */
  write(bytes: Buffer): void {
    const out = this.#out;
    if (out.length === 0) flushLater(this);
    out.push(bytes);
    this.#outBytes += bytes.length;
    const pending = this.#socket.writableLength + this.#outBytes;
    const limits = this.#limits;
    if (pending > limits.maxClientOutputBytes) this.#owner.overLimit();
    else if (pending > limits.clientOutputPauseBytes) this.#owner.pause();
  }

  /** Write what `write` queued (once per turn, from the check phase). */
  flush(): void {
    const out = this.#out;
    const n = out.length;
    if (n === 0) return;
    const bytes = this.#outBytes;
    this.#outBytes = 0;
    const socket = this.#socket;
    if (this.#owner.closed || socket.destroyed) {
      out.length = 0;
      return;
    }
    if (n === 1) socket.write(out[0]!);
    else if (bytes <= COALESCE_MAX_BYTES) socket.write(Buffer.concat(out, bytes));
    else {
      // Large replies go by reference: copying megabytes to save a few iovecs is no saving.
      socket.cork();
      for (let i = 0; i < n; i++) socket.write(out[i]!);
      socket.uncork();
    }
    // Reused from turn to turn; the socket keeps the Buffers, not the array.
    out.length = 0;
    this.#owner.flushed();
  }
}
