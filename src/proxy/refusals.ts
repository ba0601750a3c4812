/**
 * What the proxy will not relay, and why, in words a client's log can show: commands that would
 * change the shared upstream connection for every client (SYNC, CLIENT TRACKING), take
 * the server away from everyone (SHUTDOWN, REPLICAOF), or reveal or change the upstream's
 * credentials (CONFIG GET requirepass is answered with the secret taken out).
 */
import { ReplyError } from '../errors.js';
import { encodeReply } from '../protocol/encoder.js';
import type { RespValue } from '../protocol/resp-types.js';
import { errorReply } from './replies.js';

const SECRETS = new Set(['requirepass', 'masterauth', 'masteruser']);

const WHY: Record<string, string> = {
  sync: 'replication cannot run through the proxy',
  psync: 'replication cannot run through the proxy',
  replicaof:
    'REPLICAOF would change the server behind every client of the proxy; run it against the server',
  slaveof:
    'SLAVEOF would change the server behind every client of the proxy; run it against the server',
  shutdown:
    'SHUTDOWN would stop the server behind every client of the proxy; run it against the server',
  failover:
    'FAILOVER would change the server behind every client of the proxy; run it against the server',
  readonly: 'READONLY is for cluster replicas; the proxy routes reads itself',
  readwrite: 'READWRITE is for cluster replicas; the proxy routes reads itself',
};

/** The error to answer instead of relaying, or undefined to relay. */
export function refusal(name: string, argv: readonly string[]): Buffer | undefined {
  const why = WHY[name];
  if (why !== undefined) return errorReply(`respool proxy: ${why}`);
  const sub = (argv[1] ?? '').toLowerCase();
  if (name === 'acl') {
    // Users and their password hashes live on the server; the proxy has its own users.
    if (sub === 'whoami' || sub === 'cat' || sub === 'help' || sub === 'genpass') return undefined;
    return errorReply(
      `respool proxy: ACL ${sub.toUpperCase()} is not available through the proxy (it has its own users: --requirepass or --users)`,
    );
  }
  if (name === 'config' && sub === 'set') {
    for (let i = 2; i < argv.length; i += 2) {
      if (SECRETS.has(argv[i]!.toLowerCase())) {
        return errorReply(
          `respool proxy: CONFIG SET ${argv[i]} would change the credentials the proxy uses; set it on the server`,
        );
      }
    }
  }
  return undefined;
}

/** CONFIG GET's reply with the upstream's secrets left out, re-encoded for the client. */
export function configGet(value: unknown, protocol: 2 | 3): Buffer {
  if (value instanceof ReplyError) return errorReply(value.message);
  let out: RespValue = value as RespValue;
  if (value instanceof Map) {
    const map = new Map<RespValue, RespValue>();
    for (const [k, v] of value)
      if (!SECRETS.has(String(k))) map.set(k as RespValue, v as RespValue);
    out = map;
  } else if (Array.isArray(value)) {
    const flat: RespValue[] = [];
    for (let i = 0; i + 1 < value.length; i += 2) {
      if (!SECRETS.has(String(value[i])))
        flat.push(value[i] as RespValue, value[i + 1] as RespValue);
    }
    out = flat;
  }
  return encodeReply(out, protocol === 3);
}
