/**
 * A fake Redis server for what a real one cannot be made to do on cue: answer garbage, cut a frame
 * in half, pause mid-frame, hang, close, reply slowly, or speak RESP2 only.
 *
 * Built on our own `src/protocol`: commands are decoded with RespDecoder, replies encoded with
 * `encodeReply` in the protocol the connection negotiated (RESP3 after a successful `HELLO 3`).
 * Listens on 127.0.0.1, on port 0 unless told a port (to bring a "restarted" server back).
 *
 * A handler sees every command first and returns what to do; returning `undefined` falls back to
 * the built-in behaviour, which answers the handshake the way Redis 7.0 does (HELLO, AUTH, SELECT,
 * CLIENT SETNAME/SETINFO, PING, ECHO, QUIT) and anything else with Redis's unknown-command error.
 * Commands are answered strictly in order, like Redis: a delayed or hanging answer holds back the
 * answers to every later command on that connection.
 *
 * @example
 * ```ts
 * const server = await startFakeServer((cmd) =>
 *   cmd[0] === 'GET' ? { split: encodeReply('hello'), pauseMs: 50 } : undefined,
 * );
 * after(() => server.close());
 * ```
 */
import net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { ReplyError } from '../../src/errors.js';
import { RespDecoder } from '../../src/protocol/decoder.js';
import { encodeReply } from '../../src/protocol/encoder.js';
import type { RespValue } from '../../src/protocol/resp-types.js';

/** Anything other than a reply value. */
export type FakeDirective =
  /** Write these bytes as they are (garbage, several frames, half a frame); then maybe close. */
  | { readonly raw: Buffer | string; readonly thenClose?: boolean }
  /** Close the connection (FIN) without answering. */
  | { readonly close: true }
  /** Never answer this command (nor, therefore, any later one on this connection). */
  | { readonly hang: true }
  /** Wait, then do `then`. */
  | { readonly delayMs: number; readonly then: FakeAction }
  /**
   * Write `split` up to byte `at` (default: half), wait `pauseMs`, then write the rest, or, with
   * `thenClose`, reset the connection instead.
   */
  | {
      readonly split: Buffer | string;
      readonly pauseMs: number;
      readonly at?: number;
      readonly thenClose?: boolean;
    };

/** A reply value (encoded for the connection's protocol) or a directive. */
export type FakeAction = RespValue | FakeDirective;

/** Returns what to do with a command, or `undefined` for the built-in behaviour. */
export type FakeHandler = (
  cmd: string[],
  conn: FakeConnection,
) => FakeAction | undefined | Promise<FakeAction | undefined>;

export interface FakeServerOptions {
  /** Answer HELLO like Redis 5 does (`-ERR unknown command 'HELLO'…`): RESP2 only. */
  readonly resp2Only?: boolean;
  /** Version reported by HELLO. @default '7.0.15' */
  readonly version?: string;
  /**
   * Listen on this port: a server started where a closed one listened is, to a client, the same
   * server coming back. @default 0 (any free port)
   */
  readonly port?: number;
  /**
   * Read each connection's socket at this many bytes per second at most (a server slower than
   * its clients): after each read the socket is paused for as long as the rate allows, so the
   * kernel's buffers fill and the client's writes back up. @default no limit
   */
  readonly readBytesPerSecond?: number;
}

export interface FakeConnection {
  /** 1, 2, 3… in accept order; reported as `id` by HELLO. */
  readonly id: number;
  /** 3 once `HELLO 3` succeeded; replies are encoded in this protocol. */
  readonly protocol: 2 | 3;
  /** Write bytes now, outside the reply order (a stray reply, a push frame). */
  write(bytes: Buffer | string): void;
  /** Reset the connection at once. */
  destroy(): void;
}

export interface FakeServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Connections open now. */
  readonly connections: number;
  /** Connections accepted since the start. */
  readonly accepted: number;
  /** Every command received, in arrival order, handshake included. */
  readonly commands: string[][];
  /** Resets every connection and stops listening. */
  close(): Promise<void>;
}

/** A simple-string reply (`+OK`): reply values are encoded as blob strings, this is not. */
export function status(text: string): FakeDirective {
  return { raw: `+${text}\r\n` };
}

/**
 * `{ delayMs, then }`: a literal written `then: …` trips the linter's thenable check at every call
 * site. Harmless here: `then` is never a function, so awaiting the directive yields it as is.
 */
export function delayed(delayMs: number, then: FakeAction): FakeDirective {
  return { delayMs, then };
}

export async function startFakeServer(
  handler: FakeHandler = () => undefined,
  options: FakeServerOptions = {},
): Promise<FakeServer> {
  const sockets = new Set<net.Socket>();
  const commands: string[][] = [];
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    new Connection(accepted, socket, handler, options, commands);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: options.port ?? 0 }, resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fake server: no port');
  const { port } = address;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get connections() {
      return sockets.size;
    },
    get accepted() {
      return accepted;
    },
    commands,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

class Connection implements FakeConnection {
  readonly id: number;
  protocol: 2 | 3 = 2;
  readonly #socket: net.Socket;
  readonly #handler: FakeHandler;
  readonly #options: FakeServerOptions;
  readonly #log: string[][];
  // Each command's answer starts when the previous one has been written: replies stay in order.
  #chain: Promise<void> = Promise.resolve();

  constructor(
    id: number,
    socket: net.Socket,
    handler: FakeHandler,
    options: FakeServerOptions,
    log: string[][],
  ) {
    this.id = id;
    this.#socket = socket;
    this.#handler = handler;
    this.#options = options;
    this.#log = log;
    const decoder = new RespDecoder({ onReply: (value) => this.#onCommand(value) });
    const rate = options.readBytesPerSecond;
    socket.on('data', (chunk: Buffer) => {
      try {
        decoder.write(chunk);
      } catch {
        // Not RESP (an inline command, a stray client): a real server would refuse it too.
        socket.destroy();
        return;
      }
      if (rate !== undefined) {
        socket.pause();
        setTimeout(() => socket.resume(), (chunk.length / rate) * 1000).unref();
      }
    });
    // Resets are what fault tests provoke; an unhandled 'error' would crash the test process.
    socket.on('error', () => {});
  }

  write(bytes: Buffer | string): void {
    if (!this.#socket.destroyed) this.#socket.write(bytes);
  }

  destroy(): void {
    this.#socket.destroy();
  }

  #onCommand(value: RespValue): void {
    if (!Array.isArray(value) || !value.every((arg) => typeof arg === 'string')) {
      this.#socket.destroy();
      return;
    }
    const cmd = value as string[];
    this.#log.push(cmd);
    this.#chain = this.#chain
      .then(async () => {
        const action = (await this.#handler(cmd, this)) ?? this.#builtIn(cmd);
        await this.#perform(action);
      })
      .catch(() => {
        this.#socket.destroy();
      });
  }

  async #perform(action: FakeAction): Promise<void> {
    const socket = this.#socket;
    if (socket.destroyed) return;
    if (!isDirective(action)) {
      socket.write(encodeReply(action, this.protocol === 3));
    } else if ('raw' in action) {
      socket.write(action.raw);
      if (action.thenClose === true) socket.end();
    } else if ('close' in action) {
      socket.end();
    } else if ('hang' in action) {
      await new Promise<never>(() => {});
    } else if ('delayMs' in action) {
      await delay(action.delayMs);
      await this.#perform(action.then);
    } else {
      const bytes = Buffer.from(action.split);
      const at = action.at ?? Math.floor(bytes.length / 2);
      socket.write(bytes.subarray(0, at));
      await delay(action.pauseMs);
      if (action.thenClose === true) socket.destroy();
      else this.write(bytes.subarray(at));
    }
  }

  /** What Redis 7.0.15 answers, for the commands a client's handshake sends. */
  #builtIn(cmd: string[]): FakeAction {
    const name = (cmd[0] ?? '').toUpperCase();
    switch (name) {
      case 'HELLO': {
        if (this.#options.resp2Only === true) return unknownCommand(cmd);
        const proto = cmd[1] === undefined ? this.protocol : Number(cmd[1]);
        if (proto !== 2 && proto !== 3) {
          return new ReplyError('NOPROTO unsupported protocol version');
        }
        // Redis switches first: the HELLO reply itself is in the new protocol.
        this.protocol = proto;
        return new Map<RespValue, RespValue>([
          ['server', 'redis'],
          ['version', this.#options.version ?? '7.0.15'],
          ['proto', proto],
          ['id', this.id],
          ['mode', 'standalone'],
          ['role', 'master'],
          ['modules', []],
        ]);
      }
      case 'AUTH':
      case 'SELECT':
        return status('OK');
      case 'CLIENT': {
        const sub = (cmd[1] ?? '').toUpperCase();
        if (sub === 'SETNAME') return status('OK');
        if (sub === 'ID') return this.id;
        // 7.0 has no SETINFO (added in 7.2): clients must shrug this off.
        return new ReplyError(`ERR unknown subcommand '${cmd[1] ?? ''}'. Try CLIENT HELP.`);
      }
      case 'PING':
        return cmd[1] === undefined ? status('PONG') : cmd[1];
      case 'ECHO':
        return cmd[1] ?? new ReplyError("ERR wrong number of arguments for 'echo' command");
      case 'QUIT':
        return { raw: '+OK\r\n', thenClose: true };
      default:
        return unknownCommand(cmd);
    }
  }
}

function unknownCommand(cmd: readonly string[]): ReplyError {
  const args = cmd
    .slice(1)
    .map((arg) => `'${arg}' `)
    .join('');
  return new ReplyError(`ERR unknown command '${cmd[0] ?? ''}', with args beginning with: ${args}`);
}

function isDirective(action: FakeAction): action is FakeDirective {
  return (
    typeof action === 'object' &&
    action !== null &&
    !Array.isArray(action) &&
    !Buffer.isBuffer(action) &&
    !(action instanceof Map) &&
    !(action instanceof ReplyError)
  );
}
