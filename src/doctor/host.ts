/**
 * The client-host view: this machine's TCP sockets towards the audited nodes, by state, and the
 * kernel settings that decide when TIME_WAIT sockets exhaust local ports (incident 4). Linux
 * only: it reads `/proc/net/tcp{,6}` and `/proc/sys/net/ipv4/*`; elsewhere the view says it is
 * not available. The /proc root is injectable so tests can feed fixture files.
 *
 * Only client-side sockets are counted: the remote end must be the node's port (and its IP when
 * the node was given as an IP literal). The server's own sockets on this host, if any, have the
 * node's port on the local side and are not counted.
 */
import { readFile } from 'node:fs/promises';
import { networkInterfaces, endianness as osEndianness } from 'node:os';
import { join } from 'node:path';
import {
  canonicalIp,
  type Endianness,
  parseProcNetTcp,
  type TcpSocket,
} from './parse/proc-net-tcp.js';
import type { EndpointSockets, HostReport } from './report-model.js';

/** Where the proc filesystem lives. */
export const DEFAULT_PROC_ROOT = '/proc';

/** One audited TCP endpoint. */
export interface HostTarget {
  /** As shown in the report (`host:port`). */
  readonly address: string;
  readonly host: string;
  readonly port: number;
}

/** Options of {@link readHostView}. */
export interface HostViewOptions {
  /** @default '/proc' */
  readonly procRoot?: string;
  /** Byte order of the addresses in /proc/net/tcp. @default os.endianness() */
  readonly endianness?: Endianness;
  /** This host's IP addresses. @default those of os.networkInterfaces() */
  readonly localAddresses?: readonly string[];
}

/** Read this host's sockets towards `targets`. Never throws: unreadable files become `null`. */
export async function readHostView(
  targets: readonly HostTarget[],
  options: HostViewOptions = {},
): Promise<HostReport> {
  const root = options.procRoot ?? DEFAULT_PROC_ROOT;
  const endianness = options.endianness ?? osEndianness();
  const [tcp4, tcp6, range, twReuse] = await Promise.all([
    readText(join(root, 'net', 'tcp')),
    readText(join(root, 'net', 'tcp6')),
    readText(join(root, 'sys', 'net', 'ipv4', 'ip_local_port_range')),
    readText(join(root, 'sys', 'net', 'ipv4', 'tcp_tw_reuse')),
  ]);
  // tcp6 is absent when IPv6 is off; only both missing means there is no such interface.
  if (tcp4 === undefined && tcp6 === undefined) {
    return {
      status: 'unavailable',
      reason: `${join(root, 'net', 'tcp')} cannot be read: the host view needs Linux`,
    };
  }
  const sockets = [
    ...parseProcNetTcp(tcp4 ?? '', endianness),
    ...parseProcNetTcp(tcp6 ?? '', endianness),
  ];
  return {
    status: 'ok',
    endpoints: targets.map((target) => countSockets(sockets, target)),
    ephemeralPorts: parsePortRange(range),
    tcpTwReuse: parseSmallInteger(twReuse),
    localAddresses: options.localAddresses ?? interfaceAddresses(),
  };
}

/** Every address of every interface, loopback included. */
function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));
}

/** Sockets of `sockets` whose remote end is `target`, by state. */
export function countSockets(sockets: readonly TcpSocket[], target: HostTarget): EndpointSockets {
  const ip = canonicalIp(target.host);
  let established = 0;
  let timeWait = 0;
  let closeWait = 0;
  for (const s of sockets) {
    if (s.remotePort !== target.port) continue;
    if (ip !== undefined && s.remoteAddress !== ip) continue;
    if (s.state === 'established') established++;
    else if (s.state === 'time-wait') timeWait++;
    else if (s.state === 'close-wait') closeWait++;
  }
  return {
    address: target.address,
    port: target.port,
    matchedByPortOnly: ip === undefined,
    established,
    timeWait,
    closeWait,
  };
}

/** `"32768\t60999\n"` → `{ low: 32768, high: 60999 }`; `null` when unreadable or malformed. */
export function parsePortRange(text: string | undefined): { low: number; high: number } | null {
  const parts = text?.trim().split(/\s+/).map(Number);
  const low = parts?.[0];
  const high = parts?.[1];
  if (
    low === undefined ||
    high === undefined ||
    !Number.isInteger(low) ||
    !Number.isInteger(high)
  ) {
    return null;
  }
  return low <= high ? { low, high } : null;
}

function parseSmallInteger(text: string | undefined): number | null {
  const trimmed = text?.trim();
  return trimmed !== undefined && /^\d+$/.test(trimmed) ? Number(trimmed) : null;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}
