/**
 * Memory of idle clients: opens `count` client connections to a proxy, each sends one PING and
 * reads the PONG (so the proxy has set up its session), then leaves them idle and reads the
 * proxy process's resident set (VmRSS in /proc) before and after.
 */
import { readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

const BATCH = 500;
const SETTLE_MS = 1_000;

export async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
  return kb * 1024;
}

function pingClient(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('error', reject);
    socket.once('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'));
    socket.once('data', (chunk: Buffer) => {
      if (chunk.toString().startsWith('+PONG')) resolve(socket);
      else reject(new Error(`unexpected reply to PING: ${chunk.toString().slice(0, 80)}`));
    });
  });
}

export interface IdleResult {
  readonly clients: number;
  readonly rssBeforeBytes: number;
  readonly rssAfterBytes: number;
}

export async function measureIdleClients(
  port: number,
  pid: number,
  count: number,
): Promise<IdleResult> {
  const rssBeforeBytes = await rssBytes(pid);
  const sockets: Socket[] = [];
  try {
    for (let opened = 0; opened < count; opened += BATCH) {
      const batch = Math.min(BATCH, count - opened);
      sockets.push(...(await Promise.all(Array.from({ length: batch }, () => pingClient(port)))));
    }
    await delay(SETTLE_MS);
    return { clients: sockets.length, rssBeforeBytes, rssAfterBytes: await rssBytes(pid) };
  } finally {
    for (const s of sockets) s.destroy();
    await delay(200);
  }
}
