/**
 * Who left TIME_WAIT sockets on this host. A TCP connection ends in TIME_WAIT (about 60 s on
 * Linux) on the side that closed first; incident 4 ran out of local ports because the client
 * closed thousands of connections itself. To attribute TIME_WAIT to one side of a replay, that
 * side dials through {@link PortRecorder}, which remembers the local port of every socket it
 * opened, and {@link countTimeWait} counts only sockets on those ports towards the server.
 *
 * Source: `/proc/net/tcp` and `/proc/net/tcp6` (Linux). Elsewhere the count is not available.
 */
import { readFileSync } from 'node:fs';
import { dialSocket, type SocketFactory } from '../connection/connect.js';

const PROC_FILES = ['/proc/net/tcp', '/proc/net/tcp6'] as const;
// The kernel's state code for TIME_WAIT in /proc/net/tcp (include/net/tcp_states.h).
const TIME_WAIT_STATE = '06';

/** A socket factory that records the local port of every socket it dials. */
export class PortRecorder {
  readonly #ports = new Set<number>();
  #dialled = 0;

  /** Pass as `socketFactory` (respool) or as `Connection.open`'s dial function. */
  readonly factory: SocketFactory = (options) => {
    const socket = dialSocket(options);
    this.#dialled++;
    // The local port is known once the TCP handshake is done, before any TLS on top of it.
    socket.once('connect', () => {
      if (socket.localPort !== undefined) this.#ports.add(socket.localPort);
    });
    return socket;
  };

  /** Local ports of every socket that connected. */
  get ports(): ReadonlySet<number> {
    return this.#ports;
  }

  /** Sockets dialled, connected or not. */
  get dialled(): number {
    return this.#dialled;
  }
}

/**
 * TIME_WAIT sockets on this host whose local port is in `localPorts` and whose remote port is
 * `remotePort`; `undefined` when /proc/net/tcp cannot be read (not Linux).
 */
export function countTimeWait(
  localPorts: ReadonlySet<number>,
  remotePort: number,
): number | undefined {
  let count = 0;
  let readAny = false;
  for (const file of PROC_FILES) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      // tcp6 is absent when IPv6 is off; only both missing means "not available".
      continue;
    }
    readAny = true;
    for (const line of text.split('\n').slice(1)) {
      // Columns: sl, local "IP:PORT", remote "IP:PORT", state; addresses and ports in hex.
      const cols = line.trim().split(/\s+/);
      if (cols[3] !== TIME_WAIT_STATE) continue;
      const local = hexPort(cols[1]);
      if (local !== undefined && localPorts.has(local) && hexPort(cols[2]) === remotePort) count++;
    }
  }
  return readAny ? count : undefined;
}

function hexPort(address: string | undefined): number | undefined {
  const port = Number.parseInt(address?.split(':').pop() ?? '', 16);
  return Number.isInteger(port) ? port : undefined;
}
