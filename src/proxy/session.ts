/**
 * One client of the proxy: its socket, its request parser, its reply queue, and the connection
 * state it believes it has (protocol, db, name, transaction, subscriptions).
 *
 * Order. Every request gets a `Slot` in the reply queue the moment it is parsed; a reply is
 * written when every slot before it is answered, so a client's replies come back in the order it
 * sent its commands, wherever they ran. Execution order is kept too: a request never goes to a
 * different upstream path (the shared connection, a lease, the pub/sub hub) while requests sent
 * earlier on another path are still unanswered. It waits in `#held` (and the client is not read)
 * until they are, which costs nothing in the common case of one path.
 *
 * Hot path (an ordinary command, no state): the parser hands a view of the socket read; the slot
 * carries it as the raw frame to the shared path; the reply is the server's bytes, queued with
 * the other replies of the turn and written once (reply-output.ts). No decoding, no re-encoding.
 */
import type net from 'node:net';
import { blockingTimeoutMs, isBlocking } from '../commands/classify.js';
import { getKeyIndexes } from '../commands/keys.js';
import { CommandFlag, getCommandSpec } from '../commands/table.js';
import { CommandTimeoutError } from '../errors.js';
import { RequestParser, type RequestSink } from '../protocol/request-parser.js';
import { RingQueue } from '../util/ring-queue.js';
import { clientCommand, type SessionView } from './client-command.js';
import { CommandNames, nameArgs } from './command-names.js';
import { authCommand, helloCommand } from './hello-auth.js';
import { MonitorFeed, type MonitorWatcher } from './monitor-feed.js';
import type { HubKind, HubMember } from './pubsub-hub.js';
import { configGet, refusal } from './refusals.js';
import { errorReply, integerReply, OK, pushReply, RESET } from './replies.js';
import { ReplyOutput } from './reply-output.js';
import { Route, routeOf } from './routes.js';
import { isScriptKill, sendOnOwnLease } from './script-kill.js';
import type { SessionHost } from './session-host.js';
import { Slot } from './session-slot.js';
import { type CongestionSink, TurnBatch } from './turn-batch.js';
import type { Lease, SharedPath } from './upstream.js';

/** Request names, interned from their bytes (command-names.ts says why). */
const NAMES = new CommandNames();

// Why reading is paused (bits).
const PAUSE_UPSTREAM = 1;
const PAUSE_OUTPUT = 2;
const PAUSE_HELD = 4;

/** Every session's shared-path requests, handed over once per turn (turn-batch.ts says why). */
const TURN_BATCH = new TurnBatch();

/** The hub path: compared by identity like the others. */
const HUB_PATH = {};
/** SCRIPT KILL / FUNCTION KILL, each on a lease of its own (script-kill.ts). */
const KILL_PATH = {};
/** CLIENT UNBLOCK, answered once the blocked client's server has answered. */
const UNBLOCK_PATH = {};

const DISCARD_FRAME = Buffer.from('*1\r\n$7\r\nDISCARD\r\n');
const EXECABORT = errorReply('EXECABORT Transaction discarded because of previous errors.');
const NOT_IN_MULTI = errorReply('Command not allowed inside a transaction');

const SUBSCRIBED_ALLOWED = new Set<Route>([
  Route.Subscribe,
  Route.Unsubscribe,
  Route.Ping,
  Route.Quit,
  Route.Reset,
]);

export class ClientSession
  implements RequestSink, HubMember, MonitorWatcher, SessionView, CongestionSink
{
  readonly id: number;
  readonly socket: net.Socket;
  readonly createdAt = Date.now();
  readonly addr: string;
  readonly laddr: string;
  lastActivity = Date.now();
  protocol: 2 | 3 = 2;
  db = 0;
  name = '';
  libName = '';
  libVer = '';
  user = 'default';
  authenticated: boolean;
  lastCommand = 'NULL';
  /** `kind:name` of every channel, pattern and shard channel subscribed. */
  readonly subscriptions = new Set<string>();
  readonly #host: SessionHost;
  readonly #parser: RequestParser;
  readonly #queue = new RingQueue<Slot>(16);
  readonly #held = new RingQueue<Slot>(4);
  #inflight = 0;
  #path: object | null = null;
  #lease: Lease | null = null;
  /** MONITOR running on #lease, held until RESET, QUIT or the client leaves. */
  #monitor: MonitorFeed | null = null;
  #inMulti = false;
  #watching = false;
  /** MULTI could not get a connection: refuse until EXEC/DISCARD (EXECABORT). */
  #failedMulti = false;
  /** The proxy refused a command inside MULTI: EXEC discards upstream and answers EXECABORT. */
  #multiRefused = false;
  #acquiring = false;
  /** A command on #lease timed out (upstreamTimeoutMs): destroy it once nothing is in flight. */
  #leaseSpoiled = false;
  /** #drainHeld is running (see there). */
  #draining = false;
  #replyMode: 'on' | 'off' | 'skip' = 'on';
  #paused = 0;
  #readingStopped = false;
  /** Replies of this turn not yet handed to the socket (reply-output.ts). */
  readonly #output: ReplyOutput;
  #closing = false;
  closed = false;

  constructor(host: SessionHost, socket: net.Socket, id: number) {
    const session = this;
    this.#host = host;
    this.socket = socket;
    this.id = id;
    this.authenticated = !host.auth.required;
    this.addr =
      socket.remoteAddress === undefined
        ? `${socket.localAddress ?? ''}:0`
        : `${socket.remoteAddress}:${socket.remotePort}`;
    this.laddr = `${socket.localAddress ?? ''}:${socket.localPort ?? 0}`;
    this.#parser = new RequestParser(this, host.options.requestLimits);
    this.#output = new ReplyOutput(
      socket,
      {
        get closed() {
          return session.closed;
        },
        overLimit: () => {
          if (!this.socket.destroyed) this.#host.counters.outputLimitKills++;
          this.kill();
        },
        pause: () => this.#pause(PAUSE_OUTPUT),
        flushed: () => {
          // Paused for bytes that were still queued here: when the socket took them without
          // asking for a drain, no 'drain' will come to resume reading.
          if ((this.#paused & PAUSE_OUTPUT) !== 0 && !socket.writableNeedDrain) {
            this.#resume(PAUSE_OUTPUT);
          }
          if (this.#closing && this.#queue.length === 0) this.#end();
        },
      },
      host.options,
    );
    socket.on('data', (chunk: Buffer) => {
      this.lastActivity = Date.now();
      this.#parser.feed(chunk);
    });
    socket.on('drain', () => {
      if ((this.#paused & PAUSE_OUTPUT) !== 0) this.#resume(PAUSE_OUTPUT);
    });
    socket.on('close', () => this.#onClose());
    socket.on('error', () => {
      // 'close' follows: cleanup happens there.
    });
  }

  get queryBufferBytes(): number {
    return this.#parser.bufferedBytes;
  }

  get outputBytes(): number {
    return this.#output.pendingBytes;
  }

  get pendingReplies(): number {
    return this.#queue.length;
  }

  get inMulti(): boolean {
    return this.#inMulti;
  }

  get monitoring(): boolean {
    return this.#monitor !== null;
  }

  get blocked(): boolean {
    return this.#lease !== null && this.#inflight > 0 && !this.#inMulti;
  }

  // ── parsing ──────────────────────────────────────────────────────────────────────────────

  onRequest(frame: Buffer, argc: number): void {
    if (argc === 0 || this.#closing) return;
    const parser = this.#parser;
    const slot = new Slot(this, frame, NAMES.argsOf(frame, parser.argStart[0]!, parser.argEnd[0]!));
    this.#host.counters.commands++;
    if (this.#replyMode !== 'on') {
      slot.silent = true;
      if (this.#replyMode === 'skip') this.#replyMode = 'on';
    }
    this.#queue.push(slot);
    if (this.#held.length > 0 || !this.#dispatch(slot, argc)) this.#hold(slot);
  }

  onProtocolError(message: string): void {
    this.#host.counters.protocolErrors++;
    const slot = new Slot(this, Buffer.alloc(0), nameArgs('protocol-error'));
    this.#queue.push(slot);
    this.#complete(slot, errorReply(message));
    this.#closeAfterReplies();
  }

  #hold(slot: Slot): void {
    this.#held.push(slot);
    this.#pause(PAUSE_HELD);
  }

  /**
   * Dispatch held requests in order until one must wait again. Not re-entered: a lease or path
   * that answers inside `send` settles the session from within #dispatch, and a nested drain
   * would dispatch the slot still at the head of #held a second time (MULTI sent twice, the
   * lease never given back). The loop below goes on with the next slot itself.
   */
  #drainHeld(): void {
    if (this.#draining) return;
    this.#draining = true;
    try {
      const held = this.#held;
      while (held.length > 0 && !this.closed) {
        const slot = held.peek()!;
        const argc = this.#parser.reparse(slot.frame);
        if (!this.#dispatch(slot, argc)) return;
        held.shift();
      }
      if (held.length === 0) this.#resume(PAUSE_HELD);
    } finally {
      this.#draining = false;
    }
  }

  // ── routing ──────────────────────────────────────────────────────────────────────────────

  /** Route one request; false when it must wait (another path busy, a lease coming). */
  #dispatch(slot: Slot, argc: number): boolean {
    if (this.#acquiring) return false;
    const name = slot.args[0] as string;
    this.lastCommand = name;
    const route = routeOf(name);
    if (
      !this.authenticated &&
      route !== Route.Auth &&
      route !== Route.Hello &&
      route !== Route.Quit &&
      route !== Route.Reset
    ) {
      return this.#local(slot, errorReply('NOAUTH Authentication required.'));
    }
    if (this.protocol === 2 && this.subscriptions.size > 0 && !SUBSCRIBED_ALLOWED.has(route)) {
      return this.#local(
        slot,
        errorReply(
          `Can't execute '${name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
        ),
      );
    }
    if (
      this.#failedMulti &&
      route !== Route.Exec &&
      route !== Route.Discard &&
      route !== Route.Quit &&
      route !== Route.Reset
    ) {
      return this.#local(
        slot,
        errorReply(
          'respool proxy: not queued, the transaction could not start (see the error MULTI got)',
        ),
      );
    }
    if (this.#monitor !== null && route !== Route.Reset && route !== Route.Quit) {
      return this.#local(
        slot,
        errorReply('respool proxy: only RESET and QUIT are accepted while MONITOR runs'),
      );
    }
    switch (route) {
      case Route.Plain:
        if (this.#lease === null && this.#host.cache?.wants(name, argc, this.db) === true) {
          slot.args = this.#argvViews(slot);
          return this.#sendOn(this.#host.cache, slot, null);
        }
        return this.#lease !== null ? this.#sendOnLease(slot) : this.#sendShared(slot);
      case Route.MayBlock:
        return this.#mayBlock(slot, argc);
      case Route.Multi:
      case Route.Watch:
        if (this.#lease === null) return this.#startLease(slot);
        if (route === Route.Multi) this.#inMulti = true;
        else this.#watching = true;
        return this.#sendOnLease(slot);
      case Route.Exec:
      case Route.Discard:
        if (this.#failedMulti) {
          this.#failedMulti = false;
          return this.#local(
            slot,
            route === Route.Exec
              ? errorReply('EXECABORT Transaction discarded because of previous errors.')
              : OK,
          );
        }
        if (this.#lease === null) return this.#sendShared(slot);
        if (this.#multiRefused && this.#inMulti && route === Route.Exec) {
          // As the server does with a command it rejected while queueing: nothing runs.
          slot.frame = DISCARD_FRAME;
          slot.args = nameArgs('discard');
          slot.transform = () => EXECABORT;
        }
        this.#multiRefused = false;
        this.#inMulti = false;
        this.#watching = false;
        return this.#sendOnLease(slot, true);
      case Route.Unwatch:
        if (this.#lease === null) return this.#local(slot, OK);
        if (!this.#inMulti) this.#watching = false;
        return this.#sendOnLease(slot, true);
      case Route.Select:
        return this.#select(slot);
      case Route.Quit:
        this.#local(slot, OK);
        this.#closeAfterReplies();
        return true;
      case Route.Reset:
        return this.#reset(slot);
      case Route.Ping:
        if (this.protocol === 2 && this.subscriptions.size > 0) {
          const arg = argc > 1 ? this.#parser.argString(slot.frame, 1) : '';
          return this.#local(slot, pushReply(['pong', arg], 2));
        }
        return this.#lease !== null ? this.#sendOnLease(slot) : this.#sendShared(slot);
      case Route.Auth:
        return this.#local(slot, authCommand(this, this.#argv(slot, argc), this.#host.auth));
      case Route.Hello:
        return this.#local(slot, helloCommand(this, this.#argv(slot, argc), this.#host));
      case Route.Client:
        return this.#client(slot, argc);
      case Route.Subscribe:
      case Route.Unsubscribe:
        return this.#pubsub(slot, argc, route);
      case Route.ConfigGet:
        return this.#config(slot, argc);
      case Route.Refused:
        return this.#refuse(
          slot,
          refusal(name, this.#argv(slot, argc)) ?? errorReply(`unknown command '${name}'`),
        );
      case Route.Monitor:
        return this.#startMonitor(slot);
      case Route.MaybeRefused: {
        const why = refusal(name, this.#argv(slot, argc));
        if (why !== undefined) return this.#refuse(slot, why);
        return this.#lease !== null ? this.#sendOnLease(slot) : this.#sendShared(slot);
      }
      case Route.Script:
        return this.#script(slot, argc);
    }
  }

  #argvViews(slot: Slot): Buffer[] {
    const parser = this.#parser;
    const argc = parser.argc;
    const out: Buffer[] = new Array(argc);
    for (let i = 0; i < argc; i++)
      out[i] = slot.frame.subarray(parser.argStart[i], parser.argEnd[i]);
    return out;
  }

  #argv(slot: Slot, argc: number): string[] {
    const out: string[] = new Array(argc);
    for (let i = 0; i < argc; i++) out[i] = this.#parser.argString(slot.frame, i);
    return out;
  }

  /**
   * A command the proxy will not relay. Inside MULTI it aborts the transaction, as a command the
   * server rejects while queueing does, with the server's words for a command that is never
   * allowed there (SHUTDOWN, MONITOR, SYNC …).
   */
  #refuse(slot: Slot, reply: Buffer): true {
    if (this.#inMulti) {
      this.#multiRefused = true;
      const spec = getCommandSpec(slot.args[0] as string);
      if (spec !== undefined && (spec.flags & CommandFlag.no_multi) !== 0) {
        return this.#local(slot, NOT_IN_MULTI);
      }
    }
    return this.#local(slot, reply);
  }

  /** Answer from the proxy itself. */
  #local(slot: Slot, reply: Buffer): true {
    this.#complete(slot, reply);
    return true;
  }

  #sendOn(path: SharedPath | Lease, slot: Slot, lease: Lease | null): boolean {
    if (this.#inflight > 0 && this.#path !== path) return false;
    this.#path = path;
    this.#inflight++;
    slot.upstream = true;
    const waitMs = this.#host.options.upstreamTimeoutMs;
    // A command that blocks for ever is exempt: no reply is the answer it asked for.
    if (waitMs > 0 && slot.blockMs !== 0) {
      slot.timeoutMs = slot.blockMs > 0 ? slot.blockMs + waitMs : waitMs;
      slot.deadline = performance.now() + slot.timeoutMs;
    }
    if (lease !== null) {
      lease.observe(slot.args);
      lease.send(slot);
      return true;
    }
    TURN_BATCH.add(path as SharedPath, slot, this);
    return true;
  }

  /** A request of this session met a congested shared path: stop reading until it drains. */
  sharedCongested(): void {
    if (this.closed) return;
    this.#pause(PAUSE_UPSTREAM);
    this.#host.congested(this);
  }

  #sendShared(slot: Slot): boolean {
    const upstream = this.#host.upstream;
    const path = upstream.shared(this.protocol, this.db);
    // A keyed shape routes by the arguments: views of the frame, no copies.
    if (upstream.routesByKey && !(path instanceof Error)) slot.args = this.#argvViews(slot);
    if (path instanceof Error)
      return this.#local(slot, errorReply(`respool proxy: ${path.message}`));
    return this.#sendOn(path, slot, null);
  }

  /** `ending`: EXEC, DISCARD or UNWATCH, which end the transaction state the lease holds. */
  #sendOnLease(slot: Slot, ending = false): boolean {
    const lease = this.#lease!;
    if (this.#host.upstream.routesByKey) {
      // On a keyed shape a lease held for a blocking command alone sits on that command's node:
      // what is pipelined behind it waits for the lease to go back, then goes where its own
      // keys say (sent on the lease, a SET behind a BLPOP landed on the BLPOP's shard).
      const blockingOnly = !this.#inMulti && !this.#watching && this.#monitor === null;
      if (blockingOnly && !ending && this.#inflight > 0) {
        return false;
      }
      // A keyed shape checks the keys on its lease (one slot per transaction): views, no copies.
      slot.args = this.#argvViews(slot);
    }
    return this.#sendOn(lease, slot, lease);
  }

  /** SCRIPT / FUNCTION: relayed as usual, except a kill, which must not queue behind a script. */
  #script(slot: Slot, argc: number): boolean {
    if (this.#lease !== null) return this.#sendOnLease(slot);
    const sub = argc === 2 ? this.#parser.argString(slot.frame, 1) : '';
    // A keyed shape refuses the kill itself (no single server to send it to).
    if (this.#host.upstream.routesByKey || !isScriptKill(slot.args[0] as string, argc, sub)) {
      return this.#sendShared(slot);
    }
    // After this client's earlier commands, as the server would run it.
    if (this.#inflight > 0 && this.#path !== KILL_PATH) return false;
    this.#path = KILL_PATH;
    this.#inflight++;
    slot.upstream = true;
    sendOnOwnLease(this.#host.upstream, slot, this.#host.options.leaseTimeoutMs);
    return true;
  }

  #mayBlock(slot: Slot, argc: number): boolean {
    const argv = this.#argv(slot, argc);
    const blocking = isBlocking(argv);
    // Inside MULTI a blocking command answers at once, as its non-blocking form.
    if (blocking && !this.#inMulti) slot.blockMs = blockingTimeoutMs(argv) ?? 0;
    if (this.#lease !== null) return this.#sendOnLease(slot);
    if (!blocking) return this.#sendShared(slot);
    slot.args = argv;
    return this.#startLease(slot);
  }

  /** Borrow a connection, then dispatch `slot` (and what waits behind it) on it. */
  #startLease(slot: Slot): boolean {
    if (this.#inflight > 0) return false;
    this.#acquiring = true;
    const name = slot.args[0] as string;
    const parser = this.#parser;
    const key = parser.argc > 1 && name !== 'multi' ? this.#firstKey(slot) : undefined;
    this.#host.upstream.lease(this.protocol, this.db, this.#host.options.leaseTimeoutMs, key).then(
      (lease) => {
        this.#acquiring = false;
        if (this.closed) {
          lease.release();
          return;
        }
        this.#lease = lease;
        this.#host.counters.leases++;
        this.#drainHeld();
      },
      (error: Error) => {
        this.#acquiring = false;
        if (this.closed) return;
        this.#host.counters.leaseTimeouts++;
        // The slot waits at the head of #held: answer it and carry on with the rest.
        const head = this.#held.shift();
        if (head !== undefined) this.#complete(head, errorReply(`respool proxy: ${error.message}`));
        if (name === 'multi') this.#failedMulti = true;
        this.#drainHeld();
      },
    );
    return false;
  }

  /** The first key of the current request (it picks the node of a keyed upstream). */
  #firstKey(slot: Slot): Buffer | undefined {
    if (!this.#host.upstream.routesByKey) return undefined;
    const views = this.#argvViews(slot);
    const at = getKeyIndexes(views)[0];
    return at === undefined ? undefined : views[at];
  }

  /** MONITOR: a lease for the session, its connection turned into the feed of lines. */
  #startMonitor(slot: Slot): boolean {
    if (this.#lease === null) {
      if (this.#host.upstream.routesByKey) {
        return this.#local(
          slot,
          errorReply(
            'respool proxy: MONITOR watches one server; with shards, run it on each shard',
          ),
        );
      }
      return this.#startLease(slot);
    }
    if (this.#inMulti || this.#watching)
      return this.#local(
        slot,
        errorReply('respool proxy: MONITOR inside MULTI or WATCH is not supported'),
      );
    const lease = this.#lease;
    if (!this.#sendOnLease(slot)) return false;
    const feed = new MonitorFeed(lease, this);
    this.#monitor = feed;
    feed.start();
    slot.transform = (value) => {
      // Refused upstream (ACL): nothing will follow; the connection is not lent again.
      if ((value as Buffer)[0] !== 0x2b) this.#endMonitor();
      return value as Buffer;
    };
    return true;
  }

  /** Close the MONITOR connection (RESET, the client gone, MONITOR refused). */
  #endMonitor(): void {
    this.#monitor?.stop();
    this.#monitor = null;
    this.#lease = null;
    this.#path = null;
  }

  feedLost(error: Error): void {
    this.#monitor = null;
    this.#lease = null;
    this.#path = null;
    if (this.closed) return;
    this.deliver(errorReply(`respool proxy: the MONITOR connection failed: ${error.message}`));
    this.#closeAfterReplies();
  }

  /** Give the lease back once it holds no state and owes no reply. */
  #maybeReleaseLease(): void {
    const lease = this.#lease;
    if (lease === null || this.#inflight > 0 || this.#inMulti || this.#watching) return;
    if (this.#monitor !== null) return;
    this.#lease = null;
    this.#path = null;
    lease.release();
  }

  #select(slot: Slot): boolean {
    const argv = this.#argv(slot, this.#parser.reparse(slot.frame));
    if (argv.length !== 2)
      return this.#local(slot, errorReply("wrong number of arguments for 'select' command"));
    const db = /^-?\d+$/.test(argv[1]!) ? Number(argv[1]) : Number.NaN;
    if (!Number.isSafeInteger(db))
      return this.#local(slot, errorReply('value is not an integer or out of range'));
    if (db < 0 || db >= this.#host.options.databases)
      return this.#local(slot, errorReply('DB index is out of range'));
    if (this.#lease !== null) {
      slot.args = argv;
      slot.selectDb = db;
      return this.#sendOnLease(slot);
    }
    const path = this.#host.upstream.shared(this.protocol, db);
    if (path instanceof Error)
      return this.#local(slot, errorReply(`respool proxy: ${path.message}`));
    this.db = db;
    return this.#local(slot, OK);
  }

  #reset(slot: Slot): boolean {
    if (this.#inflight > 0) return false;
    this.#unsubscribeAll();
    if (this.#monitor !== null) this.#endMonitor();
    if (this.#lease !== null) {
      // The pool's reset undoes MULTI/WATCH/SELECT before lending it again.
      this.#lease.release();
      this.#lease = null;
      this.#path = null;
    }
    this.#inMulti = false;
    this.#watching = false;
    this.#failedMulti = false;
    this.#multiRefused = false;
    this.protocol = 2;
    this.db = 0;
    this.name = '';
    this.#replyMode = 'on';
    this.authenticated = !this.#host.auth.required;
    this.user = 'default';
    return this.#local(slot, RESET);
  }

  #client(slot: Slot, argc: number): boolean {
    const argv = this.#argv(slot, argc);
    const sub = (argv[1] ?? '').toLowerCase();
    this.lastCommand = `client|${sub}`;
    if (sub === 'reply') {
      const mode = (argv[2] ?? '').toLowerCase();
      if (argc !== 3 || (mode !== 'on' && mode !== 'off' && mode !== 'skip')) {
        return this.#local(slot, errorReply('syntax error'));
      }
      // The proxy drops the replies itself: the upstream connection never changes mode.
      this.#replyMode = mode;
      if (mode === 'on') return this.#local(slot, OK);
      slot.silent = true;
      return this.#local(slot, OK);
    }
    if (sub === 'unblock') return this.#unblock(slot, argv);
    const reply = clientCommand(this, argv, this.#host);
    if (reply !== undefined) return this.#local(slot, reply);
    return this.#lease !== null ? this.#sendOnLease(slot) : this.#sendShared(slot);
  }

  /**
   * CLIENT UNBLOCK <id> [TIMEOUT|ERROR], `id` being a proxy client's id (what CLIENT ID and
   * CLIENT LIST show): the command it has blocked on its lease is unblocked on that server, whose
   * answer (a timeout's empty reply, or `-UNBLOCKED`) reaches the client as usual.
   */
  #unblock(slot: Slot, argv: readonly string[]): boolean {
    if (argv.length < 3)
      return this.#local(
        slot,
        errorReply("wrong number of arguments for 'client|unblock' command"),
      );
    if (argv.length > 4) {
      return this.#local(
        slot,
        errorReply(
          "unknown subcommand or wrong number of arguments for 'unblock'. Try CLIENT HELP.",
        ),
      );
    }
    const mode = (argv[3] ?? 'timeout').toLowerCase();
    if (mode !== 'timeout' && mode !== 'error')
      return this.#local(slot, errorReply('CLIENT UNBLOCK reason should be TIMEOUT or ERROR'));
    const id = /^-?\d+$/.test(argv[2]!) ? Number(argv[2]) : Number.NaN;
    if (!Number.isSafeInteger(id))
      return this.#local(slot, errorReply('value is not an integer or out of range'));
    let target: ClientSession | undefined;
    for (const s of this.#host.sessions()) {
      if (s.id === id) {
        target = s;
        break;
      }
    }
    if (target === undefined || !target.blocked) return this.#local(slot, integerReply(0));
    if (this.#inflight > 0 && this.#path !== UNBLOCK_PATH) return false;
    this.#path = UNBLOCK_PATH;
    this.#inflight++;
    slot.upstream = true;
    target.#lease!.unblock(mode === 'error').then(
      (n) => this.onUpstreamReply(slot, integerReply(n)),
      (error: Error) => this.onUpstreamFail(slot, error),
    );
    return true;
  }

  #config(slot: Slot, argc: number): boolean {
    const argv = this.#argv(slot, argc);
    const sub = (argv[1] ?? '').toLowerCase();
    if (sub === 'get') {
      // Decoded (rare) so the upstream's credentials can be taken out of the reply.
      slot.raw = false;
      const protocol = this.protocol;
      slot.transform = (value) => configGet(value, protocol);
    } else {
      const why = refusal('config', argv);
      if (why !== undefined) return this.#refuse(slot, why);
    }
    return this.#lease !== null ? this.#sendOnLease(slot) : this.#sendShared(slot);
  }

  // ── pub/sub ──────────────────────────────────────────────────────────────────────────────

  #pubsub(slot: Slot, argc: number, route: Route): boolean {
    if (this.#lease !== null) {
      return this.#local(
        slot,
        errorReply('respool proxy: pub/sub commands inside MULTI or WATCH are not supported'),
      );
    }
    // Pub/sub confirmations are pushed even under CLIENT REPLY OFF/SKIP, as the server does.
    slot.silent = false;
    const argv = this.#argv(slot, argc);
    const command = argv[0]!.toLowerCase();
    const kind = (
      command.startsWith('p')
        ? 'psubscribe'
        : command.startsWith('ss') || command.startsWith('sun')
          ? 'ssubscribe'
          : 'subscribe'
    ) as HubKind;
    const hub = this.#host.upstream.hub;
    const protocol = this.protocol;
    if (route === Route.Unsubscribe) {
      let names = argv.slice(1);
      if (names.length === 0)
        names = [...this.subscriptions]
          .filter((k) => k.startsWith(`${kind}:`))
          .map((k) => k.slice(kind.length + 1));
      const verb = command;
      if (names.length === 0)
        return this.#local(slot, pushReply([verb, null, this.#count(kind)], protocol));
      const frames: Buffer[] = [];
      for (const name of names) {
        if (this.subscriptions.delete(`${kind}:${name}`)) hub.leave(this, kind, name);
        frames.push(pushReply([verb, name, this.#count(kind)], protocol));
      }
      return this.#local(slot, Buffer.concat(frames));
    }
    if (argc < 2)
      return this.#local(slot, errorReply(`wrong number of arguments for '${command}' command`));
    if (this.#inflight > 0 && this.#path !== HUB_PATH) return false;
    const joins: Promise<void>[] = [];
    const frames: Buffer[] = [];
    for (const name of argv.slice(1)) {
      const key = `${kind}:${name}`;
      if (!this.subscriptions.has(key)) {
        this.subscriptions.add(key);
        joins.push(hub.join(this, kind, name));
      }
      frames.push(pushReply([kind, name, this.#count(kind)], protocol));
    }
    this.#path = HUB_PATH;
    this.#inflight++;
    slot.upstream = true;
    // Confirmed to the client once the server has really subscribed, so a PUBLISH it sends
    // next is delivered.
    Promise.all(joins).then(
      () => this.onUpstreamReply(slot, Buffer.concat(frames)),
      (error: Error) => this.onUpstreamFail(slot, error),
    );
    return true;
  }

  #count(kind: HubKind): number {
    let n = 0;
    for (const key of this.subscriptions) {
      const shard = key.startsWith('ssubscribe:');
      if (kind === 'ssubscribe' ? shard : !shard) n++;
    }
    return n;
  }

  #unsubscribeAll(): void {
    const hub = this.#host.upstream.hub;
    for (const key of this.subscriptions) {
      const at = key.indexOf(':');
      hub.leave(this, key.slice(0, at) as HubKind, key.slice(at + 1));
    }
    this.subscriptions.clear();
  }

  /** A message from the hub, in this client's protocol. */
  deliver(frame: Buffer): void {
    if (this.closed) return;
    if (this.#queue.length === 0) this.#output.write(frame);
    else {
      const slot = new Slot(this, frame, nameArgs('message'));
      this.#queue.push(slot);
      this.#complete(slot, frame);
    }
  }

  // ── replies ──────────────────────────────────────────────────────────────────────────────

  onUpstreamReply(slot: Slot, value: unknown): void {
    if (slot.upstream) {
      slot.upstream = false;
      this.#inflight--;
    }
    let bytes: Buffer;
    if (slot.transform !== undefined) bytes = slot.transform(value);
    else bytes = value as Buffer;
    if (slot.selectDb >= 0 && bytes[0] === 0x2b) this.db = slot.selectDb;
    this.#complete(slot, bytes);
    if (this.#inflight === 0) this.#settled();
  }

  onUpstreamFail(slot: Slot, error: Error): void {
    if (slot.upstream) {
      slot.upstream = false;
      this.#inflight--;
    }
    this.#host.counters.upstreamErrors++;
    const written = (error as { written?: boolean }).written;
    // A timeout says itself whether the command may have run.
    const mayHaveRun =
      error instanceof CommandTimeoutError
        ? ''
        : written === false
          ? ' (the command was not sent)'
          : written === true
            ? ' (the command may have run)'
            : '';
    this.#complete(slot, errorReply(`respool proxy: ${error.message}${mayHaveRun}`));
    // A command on a lease went unanswered in time: what the connection holds is unknown (a
    // blocked pop could still take an element nobody would receive), so it is not lent again.
    if (error instanceof CommandTimeoutError && this.#lease !== null && this.#path === this.#lease)
      this.#leaseSpoiled = true;
    if (this.#inflight === 0) {
      // A lease whose connection failed is gone with its state.
      if (this.#lease !== null && (!this.#lease.ready || this.#leaseSpoiled)) {
        this.#leaseSpoiled = false;
        this.#lease.destroy();
        this.#lease = null;
        this.#inMulti = false;
        this.#watching = false;
        this.#multiRefused = false;
      }
      this.#settled();
    }
  }

  /** Nothing is in flight any more: the lease may go back, held requests may go. */
  #settled(): void {
    if (this.closed) return;
    this.#maybeReleaseLease();
    if (this.#held.length > 0) this.#drainHeld();
  }

  #complete(slot: Slot, bytes: Buffer): void {
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

  /** Write this turn's replies now (reply-output.ts; also what the turn's check phase does). */
  flushReplies(): void {
    this.#output.flush();
  }

  #closeAfterReplies(): void {
    this.#closing = true;
    this.#parser.stopped = true;
    // With replies still to flush, #flushReplies ends the socket after writing them.
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

  #pause(reason: number): void {
    this.#paused |= reason;
    if (!this.#readingStopped) {
      this.#readingStopped = true;
      this.socket.pause();
    }
  }

  #resume(reason: number): void {
    this.#paused &= ~reason;
    if (this.#paused === 0 && this.#readingStopped && !this.closed) {
      this.#readingStopped = false;
      this.socket.resume();
    }
  }

  /** The upstream drained: read this client again. */
  upstreamDrained(): void {
    this.#resume(PAUSE_UPSTREAM);
  }

  /** Close now (CLIENT KILL, limits, shutdown). */
  kill(): void {
    if (!this.closed && !this.socket.destroyed) this.socket.destroy();
  }

  /** Stop reading, answer what was accepted, then close (graceful shutdown). */
  drainAndClose(): void {
    this.#closeAfterReplies();
    this.#pause(PAUSE_HELD);
  }

  #onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.#parser.stopped = true;
    this.#unsubscribeAll();
    if (this.#monitor !== null) this.#endMonitor();
    const lease = this.#lease;
    this.#lease = null;
    if (lease !== null) {
      // A connection still blocked for this client (or owing replies) cannot be lent again.
      if (lease.clean) lease.release();
      else lease.destroy();
    }
    this.#host.remove(this);
  }
}
