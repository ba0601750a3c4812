/**
 * The client-host view: /proc/net/tcp{,6} decoding (little- and big-endian words, IPv4-mapped
 * IPv6), socket counting per audited endpoint, kernel settings, and the "not Linux" case, all
 * from fixture files in a temp dir standing in for /proc.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parsePortRange, readHostView } from '../../src/doctor/host.js';
import {
  canonicalIp,
  decodeHexAddress,
  parseProcNetTcp,
} from '../../src/doctor/parse/proc-net-tcp.js';

const HEADER =
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
const HEADER6 =
  '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';

/** A /proc/net/tcp line (little-endian words, as on x86 and arm64). */
function line(local: string, remote: string, state: string): string {
  return `   0: ${local} ${remote} ${state} 00000000:00000000 00:00000000 00000000  1000        0 1 1 0 20 4 30 10 -1`;
}

// 127.0.0.1 = 0100007F (LE); port 6379 = 18EB; 10.1.2.3 = 0302010A.
const TCP4 = [
  HEADER,
  line('0100007F:18EB', '00000000:0000', '0A'), // the server's listening socket: not counted
  line('0100007F:9C40', '0100007F:18EB', '01'), // established towards 127.0.0.1:6379
  line('0100007F:9C41', '0100007F:18EB', '06'), // TIME_WAIT
  line('0100007F:9C42', '0100007F:18EB', '06'),
  line('0100007F:9C43', '0100007F:18EB', '08'), // CLOSE_WAIT
  line('0100007F:18EB', '0100007F:9C40', '01'), // the server's end of the first: not counted
  line('0A000001:9C44', '0302010A:18EB', '06'), // towards 10.1.2.3:6379
  '',
].join('\n');

// ::ffff:127.0.0.1 in tcp6 (LE words): 0000 0000 0000 0000 0000FFFF 0100007F.
const MAPPED = '0000000000000000FFFF00000100007F';
// ::1 in tcp6 (LE words).
const LOOPBACK6 = '00000000000000000000000001000000';
const TCP6 = [
  HEADER6,
  line(`${MAPPED}:9C50`, `${MAPPED}:18EB`, '06'), // IPv4-mapped TIME_WAIT towards 127.0.0.1
  line(`${LOOPBACK6}:9C51`, `${LOOPBACK6}:18EB`, '01'), // ::1 towards ::1:6379
  '',
].join('\n');

const roots: string[] = [];
after(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

async function fakeProc(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'respool-doctor-proc-'));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

test('decodeHexAddress: IPv4 in both byte orders, IPv6, IPv4-mapped IPv6, malformed', () => {
  assert.equal(decodeHexAddress('0100007F', 'LE'), '127.0.0.1');
  assert.equal(decodeHexAddress('7F000001', 'BE'), '127.0.0.1');
  assert.equal(decodeHexAddress(LOOPBACK6, 'LE'), '::1');
  assert.equal(decodeHexAddress(MAPPED, 'LE'), '127.0.0.1');
  // 2001:db8::1 → words 20010DB8 00000000 00000000 00000001, each byte-reversed on LE.
  assert.equal(decodeHexAddress('B80D0120000000000000000001000000', 'LE'), '2001:db8::1');
  assert.equal(decodeHexAddress('20010DB8000000000000000000000001', 'BE'), '2001:db8::1');
  assert.equal(decodeHexAddress('XYZ', 'LE'), undefined);
  assert.equal(decodeHexAddress('0100007F00', 'LE'), undefined);
});

test('canonicalIp: IPv4, IPv6 spellings, mapped, host names', () => {
  assert.equal(canonicalIp('127.0.0.1'), '127.0.0.1');
  assert.equal(canonicalIp('0:0:0:0:0:0:0:1'), '::1');
  assert.equal(canonicalIp('[::1]'), '::1');
  assert.equal(canonicalIp('2001:DB8:0:0:0:0:0:1'), '2001:db8::1');
  assert.equal(canonicalIp('::ffff:127.0.0.1'), '127.0.0.1');
  assert.equal(canonicalIp('localhost'), undefined);
  assert.equal(canonicalIp('300.1.1.1'), undefined);
});

test('parseProcNetTcp: states, ports, skips the header and malformed lines', () => {
  const sockets = parseProcNetTcp(`${TCP4}garbage\n`, 'LE');
  assert.equal(sockets.length, 7);
  assert.deepEqual(sockets[1], {
    localAddress: '127.0.0.1',
    localPort: 0x9c40,
    remoteAddress: '127.0.0.1',
    remotePort: 6379,
    state: 'established',
  });
  assert.equal(sockets[0]?.state, 'other', 'LISTEN is neither counted state');
});

test('readHostView counts client-side sockets per endpoint, IPv4-mapped included', async () => {
  const root = await fakeProc({
    'net/tcp': TCP4,
    'net/tcp6': TCP6,
    'sys/net/ipv4/ip_local_port_range': '32768\t60999\n',
    'sys/net/ipv4/tcp_tw_reuse': '2\n',
  });
  const host = await readHostView(
    [
      { address: '127.0.0.1:6379', host: '127.0.0.1', port: 6379 },
      { address: '[::1]:6379', host: '::1', port: 6379 },
      { address: 'localhost:6379', host: 'localhost', port: 6379 },
    ],
    { procRoot: root, endianness: 'LE' },
  );
  assert.equal(host.status, 'ok');
  assert.ok(host.status === 'ok');
  assert.deepEqual(host.ephemeralPorts, { low: 32768, high: 60999 });
  assert.equal(host.tcpTwReuse, 2);
  const [v4, v6, byName] = host.endpoints;
  assert.deepEqual(v4, {
    address: '127.0.0.1:6379',
    port: 6379,
    matchedByPortOnly: false,
    established: 1,
    timeWait: 3,
    closeWait: 1,
  });
  assert.equal(v6?.established, 1);
  assert.equal(v6?.timeWait, 0);
  // A host name cannot be matched to an address: every socket to port 6379 counts.
  assert.equal(byName?.matchedByPortOnly, true);
  assert.equal(byName?.timeWait, 4);
  assert.equal(byName?.established, 2);
});

test('readHostView without tcp6 or sysctls still reports what it could read', async () => {
  const root = await fakeProc({ 'net/tcp': TCP4 });
  const host = await readHostView([{ address: '10.1.2.3:6379', host: '10.1.2.3', port: 6379 }], {
    procRoot: root,
    endianness: 'LE',
  });
  assert.ok(host.status === 'ok');
  assert.equal(host.ephemeralPorts, null);
  assert.equal(host.tcpTwReuse, null);
  assert.equal(host.endpoints[0]?.timeWait, 1);
});

test('readHostView without /proc/net/tcp says the view is not available', async () => {
  const root = await fakeProc({});
  const host = await readHostView([], { procRoot: root });
  assert.equal(host.status, 'unavailable');
  assert.ok(host.status === 'unavailable');
  assert.match(host.reason, /needs Linux/);
});

test('parsePortRange: tabs or spaces, malformed, inverted', () => {
  assert.deepEqual(parsePortRange('1024 65535'), { low: 1024, high: 65535 });
  assert.equal(parsePortRange('nonsense'), null);
  assert.equal(parsePortRange('600 500'), null);
  assert.equal(parsePortRange(undefined), null);
});
