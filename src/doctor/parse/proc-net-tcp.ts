/**
 * Linux `/proc/net/tcp` and `/proc/net/tcp6`: one socket per line after a header,
 * `sl local_address rem_address st …`, addresses as `HEXIP:HEXPORT`. The IP is the kernel's
 * in-memory bytes printed as 32-bit words in host byte order, so on little-endian machines each
 * 4-byte word reads reversed (127.0.0.1 is `0100007F`); the port is plain big-endian hex. An
 * IPv4 client of a dual-stack socket shows in tcp6 as `::ffff:a.b.c.d`, which is decoded to the
 * IPv4 form so one server is matched whichever file its sockets are in.
 *
 * Pure: text in, records out. Reading the files is `host.ts`'s job.
 */

/** TCP states the doctor counts; everything else is `other`. Codes: include/net/tcp_states.h. */
export type TcpState = 'established' | 'time-wait' | 'close-wait' | 'other';

const STATES: Readonly<Record<string, TcpState>> = {
  '01': 'established',
  '06': 'time-wait',
  '08': 'close-wait',
};

/** One socket line. */
export interface TcpSocket {
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly state: TcpState;
}

/** Byte order of the machine that wrote the file (`os.endianness()`). */
export type Endianness = 'LE' | 'BE';

/** Parse a whole file; malformed lines are skipped. */
export function parseProcNetTcp(text: string, endianness: Endianness): TcpSocket[] {
  const sockets: TcpSocket[] = [];
  const lines = text.split('\n');
  // The first line is the column header.
  for (let i = 1; i < lines.length; i++) {
    const cols = (lines[i] ?? '').trim().split(/\s+/);
    const local = splitEndpoint(cols[1], endianness);
    const remote = splitEndpoint(cols[2], endianness);
    const code = cols[3];
    if (local === undefined || remote === undefined || code === undefined) continue;
    sockets.push({
      localAddress: local.address,
      localPort: local.port,
      remoteAddress: remote.address,
      remotePort: remote.port,
      state: STATES[code.toUpperCase()] ?? 'other',
    });
  }
  return sockets;
}

function splitEndpoint(
  text: string | undefined,
  endianness: Endianness,
): { address: string; port: number } | undefined {
  if (text === undefined) return undefined;
  const [hexIp, hexPort] = text.split(':');
  if (hexIp === undefined || hexPort === undefined || !/^[0-9a-f]{1,4}$/i.test(hexPort)) {
    return undefined;
  }
  const address = decodeHexAddress(hexIp, endianness);
  return address === undefined ? undefined : { address, port: Number.parseInt(hexPort, 16) };
}

/**
 * `0100007F` (LE) → `127.0.0.1`; a 32-digit tcp6 address → its canonical IPv6 text, or the
 * dotted IPv4 address for an IPv4-mapped one. `undefined` when not 8 or 32 hex digits.
 */
export function decodeHexAddress(hex: string, endianness: Endianness): string | undefined {
  if (!/^([0-9a-f]{8}|[0-9a-f]{32})$/i.test(hex)) return undefined;
  const bytes: number[] = [];
  for (let w = 0; w < hex.length; w += 8) {
    const word: number[] = [];
    for (let b = 0; b < 8; b += 2) word.push(Number.parseInt(hex.slice(w + b, w + b + 2), 16));
    if (endianness === 'LE') word.reverse();
    bytes.push(...word);
  }
  if (bytes.length === 4) return bytes.join('.');
  const mapped =
    bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) return bytes.slice(12).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  return formatIpv6(groups);
}

/**
 * An IP literal in the form {@link decodeHexAddress} produces (IPv6 compressed per RFC 5952,
 * IPv4-mapped as dotted IPv4), so the two can be compared as strings. `undefined` when `host`
 * is not an IP literal (a host name).
 */
export function canonicalIp(host: string): string | undefined {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(bare)) {
    const parts = bare.split('.').map(Number);
    return parts.every((p) => p <= 255) ? parts.join('.') : undefined;
  }
  if (!bare.includes(':')) return undefined;
  let url: URL;
  try {
    // The WHATWG URL parser validates and canonicalises IPv6 literals; no need for our own.
    url = new URL(`http://[${bare}]/`);
  } catch {
    return undefined;
  }
  const groups = url.hostname
    .slice(1, -1)
    .split('::')
    .map((half) => (half === '' ? [] : half.split(':').map((g) => Number.parseInt(g, 16))));
  const head = groups[0] ?? [];
  const tail = groups[1] ?? [];
  const full =
    groups.length === 2
      ? [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail]
      : head;
  const isMapped = full.slice(0, 5).every((g) => g === 0) && full[5] === 0xffff;
  if (isMapped) {
    const hi = full[6] ?? 0;
    const lo = full[7] ?? 0;
    return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');
  }
  return formatIpv6(full);
}

/** RFC 5952: lower-case hex, no leading zeros, the longest run (≥ 2) of zero groups as `::`. */
function formatIpv6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLength < 2) return hex.join(':');
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLength).join(':');
  return `${head}::${tail}`;
}
