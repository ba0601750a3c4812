/**
 * One client of the proxy: the connection state it believes it has (protocol, db, name,
 * transaction, subscriptions) and where each of its requests goes. Its socket, parser, reply
 * order and back-pressure are the transport's (session-transport.ts).
 *
 * Execution order: a request never goes to a different upstream path (the shared connection, a
 * lease, the pub/sub hub) while requests sent earlier on another path are still unanswered;
 * `dispatch` answers false and the transport holds it (and stops reading the client) until
 * they are, which costs nothing in the common case of one path.
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
import { clientCommand, type SessionView } from './client-command.js';
import { CommandNames, nameArgs } from './command-names.js';
import { authCommand, helloCommand } from './hello-auth.js';
import { MonitorFeed, type MonitorWatcher } from './monitor-feed.js';
import type { HubMember } from './pubsub-hub.js';
import { configGet, refusal } from './refusals.js';
import { errorReply, integerReply, OK, pushReply, RESET } from './replies.js';
import { Route, routeOf } from './routes.js';
import { isScriptKill, sendOnOwnLease } from './script-kill.js';
import {
  type GateState,
  gate,
  parseReplyMode,
  parseSelect,
  parseUnblock,
} from './session-gates.js';
import type { SessionHost } from './session-host.js';
import { Slot } from './session-slot.js';
import { SessionSubscriptions } from './session-subscriptions.js';
import { PAUSE_UPSTREAM, SessionTransport, type TransportOwner } from './session-transport.js';
import { type CongestionSink, TurnBatch } from './turn-batch.js';
import type { Lease, SharedPath } from './upstream.js';

/** Request names, interned from their bytes (command-names.ts says why). */
const NAMES = new CommandNames();

/**
 * Every session's shared-path requests, handed over once per turn, or at once to an idle path
 * (turn-batch.ts says why).
 */
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

export class ClientSession
  implements TransportOwner, HubMember, MonitorWatcher, SessionView, CongestionSink, GateState
{
  readonly id: number;
  readonly createdAt = Date.now();
  readonly addr: string;
  readonly laddr: string;
  protocol: 2 | 3 = 2;
  db = 0;
  name = '';
  libName = '';
  libVer = '';
  user = 'default';
  authenticated: boolean;
  lastCommand = 'NULL';
  readonly #host: SessionHost;
  readonly #transport: SessionTransport;
  readonly #subs = new SessionSubscriptions();
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
  #replyMode: 'on' | 'off' | 'skip' = 'on';

  constructor(host: SessionHost, socket: net.Socket, id: number) {
    this.#host = host;
    this.id = id;
    this.authenticated = !host.auth.required;
    this.addr =
      socket.remoteAddress === undefined
        ? `${socket.localAddress ?? ''}:0`
        : `${socket.remoteAddress}:${socket.remotePort}`;
    this.laddr = `${socket.localAddress ?? ''}:${socket.localPort ?? 0}`;
    this.#transport = new SessionTransport(socket, host.options, this);
  }

  get socket(): net.Socket {
    return this.#transport.socket;
  }

  get closed(): boolean {
    return this.#transport.closed;
  }

  get lastActivity(): number {
    return this.#transport.lastActivity;
  }

  /** `kind:name` of every channel, pattern and shard channel subscribed. */
  get subscriptions(): ReadonlySet<string> {
    return this.#subs.keys;
  }

  get queryBufferBytes(): number {
    return this.#transport.queryBufferBytes;
  }

  get outputBytes(): number {
    return this.#transport.outputBytes;
  }

  get pendingReplies(): number {
    return this.#transport.pendingReplies;
  }

  get inMulti(): boolean {
    return this.#inMulti;
  }

  get monitoring(): boolean {
    return this.#monitor !== null;
  }

  get subscribed(): boolean {
    return this.#subs.size > 0;
  }

  get failedMulti(): boolean {
    return this.#failedMulti;
  }

  get blocked(): boolean {
    return this.#lease !== null && this.#inflight > 0 && !this.#inMulti;
  }

  // ── requests (the transport's owner) ─────────────────────────────────────────────────────

  slotFor(frame: Buffer, _argc: number): Slot {
    const parser = this.#transport.parser;
    const slot = new Slot(this, frame, NAMES.argsOf(frame, parser.argStart[0]!, parser.argEnd[0]!));
    this.#host.counters.commands++;
    if (this.#replyMode !== 'on') {
      slot.silent = true;
      if (this.#replyMode === 'skip') this.#replyMode = 'on';
    }
    return slot;
  }

  errorSlot(): Slot {
    this.#host.counters.protocolErrors++;
    return new Slot(this, Buffer.alloc(0), nameArgs('protocol-error'));
  }

  outputOverLimit(): void {
    this.#host.counters.outputLimitKills++;
  }

  /** Route one request; false when it must wait (another path busy, a lease coming). */
  dispatch(slot: Slot, argc: number): boolean {
    if (this.#acquiring) return false;
    const name = slot.args[0] as string;
    this.lastCommand = name;
    const route = routeOf(name);
    // The session is its own GateState: no object per request.
    const refused = gate(route, name, this);
    if (refused !== undefined) return this.#local(slot, refused);
    switch (route) {
      case Route.Plain:
        if (this.#lease === null && this.#host.cache?.wants(name, argc, this.db) === true) {
          slot.args = this.#transport.argvViews(slot);
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
        this.#transport.closeAfterReplies();
        return true;
      case Route.Reset:
        return this.#reset(slot);
      case Route.Ping:
        if (this.protocol === 2 && this.#subs.size > 0) {
          const arg = argc > 1 ? this.#transport.parser.argString(slot.frame, 1) : '';
          return this.#local(slot, pushReply(['pong', arg], 2));
        }
        return this.#lease !== null ? this.#sendOnLease(slot) : this.#sendShared(slot);
      case Route.Auth:
        return this.#local(
          slot,
          authCommand(this, this.#transport.argv(slot, argc), this.#host.auth),
        );
      case Route.Hello:
        return this.#local(slot, helloCommand(this, this.#transport.argv(slot, argc), this.#host));
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
          refusal(name, this.#transport.argv(slot, argc)) ??
            errorReply(`unknown command '${name}'`),
        );
      case Route.Monitor:
        return this.#startMonitor(slot);
      case Route.MaybeRefused: {
        const why = refusal(name, this.#transport.argv(slot, argc));
        if (why !== undefined) return this.#refuse(slot, why);
        return this.#lease !== null ? this.#sendOnLease(slot) : this.#sendShared(slot);
      }
      case Route.Script:
        return this.#script(slot, argc);
      case Route.Publish:
        return this.#publish(slot, argc);
    }
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
    this.#transport.pause(PAUSE_UPSTREAM);
    this.#host.congested(this);
  }

  #sendShared(slot: Slot): boolean {
    const upstream = this.#host.upstream;
    const path = upstream.shared(this.protocol, this.db);
    // A keyed shape routes by the arguments: views of the frame, no copies.
    if (upstream.routesByKey && !(path instanceof Error))
      slot.args = this.#transport.argvViews(slot);
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
      slot.args = this.#transport.argvViews(slot);
    }
    return this.#sendOn(lease, slot, lease);
  }

  /** SCRIPT / FUNCTION: relayed as usual, except a kill, which must not queue behind a script. */
  #script(slot: Slot, argc: number): boolean {
    if (this.#lease !== null) return this.#sendOnLease(slot);
    const sub = argc === 2 ? this.#transport.parser.argString(slot.frame, 1) : '';
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
    const argv = this.#transport.argv(slot, argc);
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
    const key =
      this.#transport.parser.argc > 1 && name !== 'multi' ? this.#firstKey(slot) : undefined;
    this.#host.upstream.lease(this.protocol, this.db, this.#host.options.leaseTimeoutMs, key).then(
      (lease) => {
        this.#acquiring = false;
        if (this.closed) {
          lease.release();
          return;
        }
        this.#lease = lease;
        this.#host.counters.leases++;
        this.#transport.drainHeld();
      },
      (error: Error) => {
        this.#acquiring = false;
        if (this.closed) return;
        this.#host.counters.leaseTimeouts++;
        // The slot waits at the head of #held: answer it and carry on with the rest.
        const head = this.#transport.shiftHeld();
        if (head !== undefined) this.#complete(head, errorReply(`respool proxy: ${error.message}`));
        if (name === 'multi') this.#failedMulti = true;
        this.#transport.drainHeld();
      },
    );
    return false;
  }

  /** The first key of the current request (it picks the node of a keyed upstream). */
  #firstKey(slot: Slot): Buffer | undefined {
    if (!this.#host.upstream.routesByKey) return undefined;
    const views = this.#transport.argvViews(slot);
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
    this.#transport.closeAfterReplies();
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
    const argv = this.#transport.argv(slot, this.#transport.parser.reparse(slot.frame));
    const db = parseSelect(argv, this.#host.options.databases);
    if (typeof db !== 'number') return this.#local(slot, db);
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
    this.#subs.leaveAll(this, this.#host.upstream.hub);
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
    const argv = this.#transport.argv(slot, argc);
    const sub = (argv[1] ?? '').toLowerCase();
    this.lastCommand = `client|${sub}`;
    if (sub === 'reply') {
      const mode = parseReplyMode(argv);
      if (typeof mode !== 'string') return this.#local(slot, mode);
      // The proxy drops the replies itself: the upstream connection never changes mode.
      this.#replyMode = mode;
      if (mode !== 'on') slot.silent = true;
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
    const parsed = parseUnblock(argv);
    if (Buffer.isBuffer(parsed)) return this.#local(slot, parsed);
    let target: ClientSession | undefined;
    for (const s of this.#host.sessions()) {
      if (s.id === parsed.id) {
        target = s;
        break;
      }
    }
    if (target === undefined || !target.blocked) return this.#local(slot, integerReply(0));
    if (this.#inflight > 0 && this.#path !== UNBLOCK_PATH) return false;
    const answer = target.#lease!.unblock(parsed.error).then(integerReply);
    return this.#answerLater(slot, UNBLOCK_PATH, answer);
  }

  #config(slot: Slot, argc: number): boolean {
    const argv = this.#transport.argv(slot, argc);
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
    const argv = this.#transport.argv(slot, argc);
    const command = argv[0]!.toLowerCase();
    const kind = SessionSubscriptions.kindOf(command);
    const hub = this.#host.upstream.hub;
    if (route === Route.Unsubscribe) {
      return this.#local(
        slot,
        this.#subs.leave(this, hub, command, kind, argv.slice(1), this.protocol),
      );
    }
    if (argc < 2)
      return this.#local(slot, errorReply(`wrong number of arguments for '${command}' command`));
    if (this.#inflight > 0 && this.#path !== HUB_PATH) return false;
    const { joins, reply } = this.#subs.join(this, hub, kind, argv.slice(1), this.protocol);
    // Confirmed to the client once the server has really subscribed, so a PUBLISH it sends
    // next is delivered.
    return this.#answerLater(
      slot,
      HUB_PATH,
      Promise.all(joins).then(() => reply),
    );
  }

  /**
   * PUBLISH / SPUBLISH: the server counts the hub's one connection for each channel or pattern
   * it holds; the client is told how many of the proxy's clients (and the server's others) get
   * the message, as a direct connection would be.
   */
  #publish(slot: Slot, argc: number): boolean {
    if (this.#lease !== null) return this.#sendOnLease(slot);
    const upstream = this.#host.upstream;
    if (argc === 3 && upstream.publishSeesHub && upstream.hub.channelCount > 0) {
      const kind = slot.args[0] === 'spublish' ? 'ssubscribe' : 'subscribe';
      slot.transform = upstream.hub.publishReply(
        kind,
        this.#transport.parser.argString(slot.frame, 1),
      );
    }
    return this.#sendShared(slot);
  }

  /**
   * Send `slot` on a path of its own whose answer is `reply` (the hub, CLIENT UNBLOCK): in order
   * with this client's other requests, as an upstream command is.
   */
  #answerLater(slot: Slot, path: object, reply: Promise<Buffer>): boolean {
    this.#path = path;
    this.#inflight++;
    slot.upstream = true;
    reply.then(
      (bytes) => this.onUpstreamReply(slot, bytes),
      (error: Error) => this.onUpstreamFail(slot, error),
    );
    return true;
  }

  /** A message from the hub (or a MONITOR line), in this client's protocol. */
  deliver(frame: Buffer): void {
    this.#transport.push(frame, () => new Slot(this, frame, nameArgs('message')));
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
    if (this.#transport.holding) this.#transport.drainHeld();
  }

  #complete(slot: Slot, bytes: Buffer): void {
    this.#transport.complete(slot, bytes);
  }

  /** Write this turn's replies now (reply-output.ts; also what the turn's check phase does). */
  flushReplies(): void {
    this.#transport.flushReplies();
  }

  /** The upstream drained: read this client again. */
  upstreamDrained(): void {
    this.#transport.resume(PAUSE_UPSTREAM);
  }

  /** Close now (CLIENT KILL, limits, shutdown). */
  kill(): void {
    this.#transport.kill();
  }

  /** Stop reading, answer what was accepted, then close (graceful shutdown). */
  drainAndClose(): void {
    this.#transport.drainAndClose();
  }

  /** The socket closed: give back what this client held upstream. */
  onClosed(): void {
    this.#subs.leaveAll(this, this.#host.upstream.hub);
    if (this.#monitor !== null) this.#endMonitor();
    const lease = this.#lease;
    this.#lease = null;
    if (lease !== null) {
      // A connection still blocked for this client (or owing replies) cannot be lent again.
      if (lease.clean && !this.#leaseSpoiled) lease.release();
      else lease.destroy();
    }
    this.#host.remove(this);
  }
}
