/**
 * One command on one `Connection`, as a Promise. The demo's own plumbing (the naive pool, the
 * server monitor) talks to the connection layer directly, below the client, so it needs this.
 */
import type { Connection } from '../connection/connection.js';
import { BasicCommand } from '../connection/pending-command.js';
import { ReplyError } from '../errors.js';
import type { RespArg, RespValue } from '../protocol/resp-types.js';

/**
 * Send `args` on `conn` and resolve with the reply. An error reply rejects with its `ReplyError`,
 * as the client does; a transport failure rejects with the connection's error.
 */
export function request(conn: Connection, args: readonly RespArg[]): Promise<RespValue> {
  return new Promise((resolve, reject) => {
    conn.send(
      new BasicCommand({
        args,
        reply: (value) => (value instanceof ReplyError ? reject(value) : resolve(value)),
        fail: reject,
      }),
    );
  });
}

/** `INFO` text → `field → value`; section headers and blank lines are dropped. */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0 || line.startsWith('#')) continue;
    fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/** The reply as text, for commands documented to answer a string (INFO, CLIENT LIST). */
export function replyText(value: RespValue, command: string): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  throw new TypeError(`${command}: expected a text reply, got ${typeof value}`);
}
