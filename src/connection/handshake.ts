/**
 * The handshake run on every new connection before it carries user commands.
 *
 * First attempt, pipelined in one write: `HELLO 3 [AUTH user pass] [SETNAME name]`, `SELECT db`
 * (when db ≠ 0), `CLIENT SETINFO LIB-NAME respool`, `CLIENT SETINFO LIB-VER <version>`.
 * - HELLO accepted: RESP3. SETINFO errors are ignored (Redis 7.0 has no SETINFO).
 * - HELLO unknown (Redis < 6) or NOPROTO: fall back to RESP2 with `AUTH`, `CLIENT SETNAME`,
 *   `SELECT`, `SETINFO`, again in one write. What the first batch did is simply redone.
 * - Any other HELLO error (WRONGPASS, NOAUTH, max clients): the server's error, as it is.
 */
import { MaxClientsError, ReplyError } from '../errors.js';
import type { RespArg, RespValue } from '../protocol/resp-types.js';
import { LIBRARY_NAME, LIBRARY_VERSION } from '../version.js';
import { BasicCommand, type PendingCommand } from './pending-command.js';

export interface HandshakeOptions {
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly db: number;
  /** CLIENT SETNAME value; shows as `name=` in CLIENT LIST. */
  readonly name: string | undefined;
  /** Preferred protocol; 3 falls back to 2 on servers without HELLO. */
  readonly protocol: 2 | 3;
  /** Send READONLY (cluster replicas serve reads); absent = no. */
  readonly readOnly?: boolean;
}

export interface HandshakeResult {
  readonly protocol: 2 | 3;
  /** Server version from HELLO (RESP3 only). */
  readonly serverVersion: string | undefined;
  /** Server-side client id from HELLO (RESP3 only). */
  readonly clientId: number | undefined;
}

/** The part of a connection the handshake needs. */
export interface CommandSink {
  send(cmd: PendingCommand): void;
}

export async function runHandshake(
  sink: CommandSink,
  options: HandshakeOptions,
): Promise<HandshakeResult> {
  if (options.protocol === 3) {
    const hello: RespArg[] = ['HELLO', 3];
    if (options.password !== undefined) {
      hello.push('AUTH', options.username ?? 'default', options.password);
    }
    if (options.name !== undefined) hello.push('SETNAME', options.name);
    // The whole batch is written at once, but HELLO's reply is read first: a server at
    // maxclients answers it with the error and closes, and that error (not the close that
    // fails the rest of the batch) is what the caller must see.
    const helloP = request(sink, hello);
    const tail = commonTail(sink, options);
    let helloReply: RespValue;
    try {
      helloReply = await helloP;
    } finally {
      for (const p of tail) p.catch(() => undefined);
    }
    if (!(helloReply instanceof ReplyError)) {
      throwFirstError(await Promise.all(tail), 0);
      const info = helloReply instanceof Map ? helloReply : new Map<RespValue, RespValue>();
      const version = info.get('version');
      const id = info.get('id');
      return {
        protocol: 3,
        serverVersion: typeof version === 'string' ? version : undefined,
        clientId: typeof id === 'number' ? id : undefined,
      };
    }
    if (!isUnknownHello(helloReply)) throw translate(helloReply);
  }
  const batch: Promise<RespValue>[] = [];
  if (options.password !== undefined) {
    batch.push(
      request(
        sink,
        options.username !== undefined
          ? ['AUTH', options.username, options.password]
          : ['AUTH', options.password],
      ),
    );
  }
  if (options.name !== undefined) batch.push(request(sink, ['CLIENT', 'SETNAME', options.name]));
  const all = [...batch, ...commonTail(sink, options)];
  // As above: the first reply decides (AUTH refused, or maxclients) before the close that follows.
  let first: RespValue;
  try {
    first = await all[0]!;
  } finally {
    for (const p of all) p.catch(() => undefined);
  }
  if (first instanceof ReplyError) throw translate(first);
  throwFirstError(await Promise.all(all), 0);
  return { protocol: 2, serverVersion: undefined, clientId: undefined };
}

/** SELECT and the SETINFO pair, in that order. */
function commonTail(sink: CommandSink, options: HandshakeOptions): Promise<RespValue>[] {
  const tail: Promise<RespValue>[] = [];
  if (options.db !== 0) tail.push(request(sink, ['SELECT', options.db]));
  if (options.readOnly === true) tail.push(request(sink, ['READONLY']));
  // Errors ignored by design (servers before 7.2 do not know SETINFO), except the maxclients
  // refusal, which arrives as the reply to whatever command is first in line.
  const ignore = (reply: RespValue): RespValue =>
    reply instanceof ReplyError && isMaxClients(reply) ? reply : null;
  tail.push(
    request(sink, ['CLIENT', 'SETINFO', 'LIB-NAME', LIBRARY_NAME]).then(ignore),
    request(sink, ['CLIENT', 'SETINFO', 'LIB-VER', LIBRARY_VERSION]).then(ignore),
  );
  return tail;
}

function throwFirstError(replies: readonly RespValue[], from: number): void {
  for (let i = from; i < replies.length; i++) {
    const reply = replies[i];
    if (reply instanceof ReplyError) throw translate(reply);
  }
}

function isUnknownHello(error: ReplyError): boolean {
  return (
    error.prefix === 'NOPROTO' || (error.prefix === 'ERR' && /unknown command/i.test(error.message))
  );
}

/** `max number of clients reached` gets its own code: callers back off instead of retrying. */
function isMaxClients(error: ReplyError): boolean {
  return /max number of clients reached/i.test(error.message);
}

function translate(error: ReplyError): Error {
  if (isMaxClients(error)) {
    return new MaxClientsError(`The server refused the connection: ${error.message}`, {
      cause: error,
    });
  }
  return error;
}

/** Send one command and resolve with its reply, error replies included (never rejects on them). */
function request(sink: CommandSink, args: RespArg[]): Promise<RespValue> {
  return new Promise((resolve, reject) => {
    sink.send(new BasicCommand({ args, reply: resolve, fail: reject }));
  });
}
