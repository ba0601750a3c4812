/**
 * Reply parsers of the server and connection commands: INFO, CLIENT INFO/LIST, TIME, ROLE,
 * SLOWLOG GET. INFO and CLIENT replies are text (a verbatim string under RESP3, whose format
 * prefix the decoder already dropped); the parsers read both protocols' text alike.
 */
import type { RespValue } from '../protocol/resp-types.js';

/** INFO: section name (lower-case, `server`, `clients`, …) → field → value, as the server wrote it. */
export type InfoReply = Record<string, Record<string, string>>;

/** One connection of CLIENT LIST / CLIENT INFO: field → value (`id`, `addr`, `name`, `db`, …). */
export type ClientInfo = Record<string, string>;

export type RoleReply =
  | {
      readonly role: 'master';
      readonly replicationOffset: number;
      readonly replicas: {
        readonly host: string;
        readonly port: number;
        readonly offset: number;
      }[];
    }
  | {
      readonly role: 'slave';
      readonly masterHost: string;
      readonly masterPort: number;
      /** `connect`, `connecting`, `sync`, `connected` or `handshake`. */
      readonly state: string;
      readonly offset: number;
    }
  | { readonly role: 'sentinel'; readonly masterNames: string[] };

export interface SlowlogEntry {
  readonly id: number;
  /** Unix time in seconds. */
  readonly timestamp: number;
  readonly durationMicros: number;
  readonly args: string[];
  readonly clientAddress: string;
  readonly clientName: string;
}

function text(reply: RespValue): string {
  return Buffer.isBuffer(reply) ? reply.toString('utf8') : String(reply ?? '');
}

/** INFO text → sections; fields before any `# Section` header land in `default`. */
export function toInfo(reply: RespValue): InfoReply {
  const out: InfoReply = Object.create(null) as InfoReply;
  let section: Record<string, string> | undefined;
  for (const raw of text(reply).split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') continue;
    if (line.startsWith('# ')) {
      section = Object.create(null) as Record<string, string>;
      out[line.slice(2).trim().toLowerCase()] = section;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    if (section === undefined) {
      section = Object.create(null) as Record<string, string>;
      out['default'] = section;
    }
    section[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return out;
}

/** One `id=1 addr=… name= …` line. The server never puts spaces inside a value. */
function parseClientLine(line: string): ClientInfo {
  const out: ClientInfo = Object.create(null) as ClientInfo;
  for (const pair of line.trim().split(' ')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq === -1) continue;
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

export function toClientInfo(reply: RespValue): ClientInfo {
  return parseClientLine(text(reply));
}

export function toClientList(reply: RespValue): ClientInfo[] {
  return text(reply)
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(parseClientLine);
}

/** TIME: [seconds, microseconds] as strings → numbers, plus the Unix time in ms. */
export function toTime(reply: RespValue): {
  seconds: number;
  microseconds: number;
  unixMs: number;
} {
  const r = Array.isArray(reply) ? reply : [];
  const seconds = Number(r[0]);
  const microseconds = Number(r[1]);
  return { seconds, microseconds, unixMs: seconds * 1000 + Math.floor(microseconds / 1000) };
}

export function toRole(reply: RespValue): RoleReply {
  const r = Array.isArray(reply) ? reply : [];
  const role = text(r[0] ?? '');
  if (role === 'master') {
    const replicas = Array.isArray(r[2]) ? r[2] : [];
    return {
      role,
      replicationOffset: Number(r[1]),
      replicas: replicas.map((x) => {
        const p = Array.isArray(x) ? x : [];
        return {
          host: text(p[0] ?? ''),
          port: Number(text(p[1] ?? '')),
          offset: Number(text(p[2] ?? '')),
        };
      }),
    };
  }
  if (role === 'slave') {
    return {
      role,
      masterHost: text(r[1] ?? ''),
      masterPort: Number(r[2]),
      state: text(r[3] ?? ''),
      offset: Number(r[4]),
    };
  }
  return { role: 'sentinel', masterNames: (Array.isArray(r[1]) ? r[1] : []).map(text) };
}

export function toSlowlog(reply: RespValue): SlowlogEntry[] {
  if (!Array.isArray(reply)) return [];
  return reply.map((e) => {
    const r = Array.isArray(e) ? e : [];
    return {
      id: Number(r[0]),
      timestamp: Number(r[1]),
      durationMicros: Number(r[2]),
      args: (Array.isArray(r[3]) ? r[3] : []).map(text),
      clientAddress: text(r[4] ?? ''),
      clientName: text(r[5] ?? ''),
    };
  });
}
