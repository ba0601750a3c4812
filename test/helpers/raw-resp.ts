/**
 * A minimal RESP2 client for the harness's own queries: the readiness probe, `info()` and
 * `clientList()`.
 *
 * It does not use src/protocol on purpose: the harness must stay trustworthy while the code under
 * test is broken, so a bug in the real parser cannot make a leak check or a readiness probe lie.
 * Keep it that way: this file imports nothing from `src/`.
 */

import { connect } from 'node:net';

export class ReplyError extends Error {
  override name = 'ReplyError';
}

export type Reply = string | number | null | ReplyError;

function encodeCommands(commands: readonly (readonly string[])[]): string {
  let out = '';
  for (const command of commands) {
    out += `*${command.length}\r\n`;
    for (const arg of command) {
      out += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
    }
  }
  return out;
}

/** Parses one reply at `start`; undefined when the buffer does not hold all of it yet. */
function parseReply(buf: Buffer, start: number): { value: Reply; next: number } | undefined {
  const lineEnd = buf.indexOf('\r\n', start);
  if (lineEnd === -1) {
    return undefined;
  }
  const line = buf.toString('utf8', start + 1, lineEnd);
  const next = lineEnd + 2;
  switch (buf[start]) {
    case 0x2b: // '+'
      return { value: line, next };
    case 0x2d: // '-'
      return { value: new ReplyError(line), next };
    case 0x3a: // ':'
      return { value: Number(line), next };
    case 0x24: {
      // '$'
      const length = Number(line);
      if (length < 0) {
        return { value: null, next };
      }
      if (buf.length < next + length + 2) {
        return undefined;
      }
      return { value: buf.toString('utf8', next, next + length), next: next + length + 2 };
    }
    default:
      throw new Error(`harness RESP reader: unexpected reply type byte ${String(buf[start])}`);
  }
}

/**
 * Sends `commands` pipelined on a fresh connection (after AUTH when a password is given) and
 * resolves with one reply per command. Rejects on a socket error, an early close, a failed AUTH or
 * the timeout.
 */
export function rawCommands(
  host: string,
  port: number,
  password: string | undefined,
  commands: readonly (readonly string[])[],
  timeoutMs: number,
): Promise<Reply[]> {
  const all = password === undefined ? commands : [['AUTH', password], ...commands];
  return new Promise((resolve, reject) => {
    const replies: Reply[] = [];
    let buffered: Buffer = Buffer.alloc(0);
    let offset = 0;
    let settled = false;
    const socket = connect({ host, port });
    const finish = (error?: Error): void => {
      if (settled) {
        return;
      }
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error !== undefined) {
        reject(error);
        return;
      }
      const auth = password === undefined ? undefined : replies[0];
      if (auth instanceof ReplyError) {
        reject(auth);
        return;
      }
      resolve(password === undefined ? replies : replies.slice(1));
    };
    const timer = setTimeout(
      () => finish(new Error(`redis on port ${port}: no reply within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.once('connect', () => socket.write(encodeCommands(all)));
    socket.on('data', (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      try {
        while (replies.length < all.length) {
          const parsed = parseReply(buffered, offset);
          if (parsed === undefined) {
            return;
          }
          replies.push(parsed.value);
          offset = parsed.next;
        }
      } catch (error) {
        finish(error as Error);
        return;
      }
      finish();
    });
    socket.once('error', (error) => finish(error));
    socket.once('close', () =>
      finish(new Error(`redis on port ${port}: connection closed before all replies`)),
    );
  });
}

export function expectString(reply: Reply | undefined, command: string): string {
  if (typeof reply !== 'string') {
    throw new Error(`${command}: expected a string reply, got ${String(reply)}`);
  }
  return reply;
}
