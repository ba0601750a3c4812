/**
 * Opening the socket: TCP, Unix socket or TLS, with TCP_NODELAY and keepalive. The only place
 * respool touches `node:net`/`node:tls` to dial; tests inject their own `SocketFactory`.
 */
import net from 'node:net';
import tls from 'node:tls';

/** Where and how to dial. */
export interface DialOptions {
  readonly host: string;
  readonly port: number;
  /** Unix socket path; when set, host and port are ignored. */
  readonly path: string | undefined;
  /** TLS options; when set the connection is TLS (`rediss://`). */
  readonly tls: tls.ConnectionOptions | undefined;
  /** TCP keepalive initial delay in ms; 0 turns keepalive off. */
  readonly keepAliveMs: number;
}

/** Returns a socket that is connecting; it emits `connect` (or `secureConnect`) when ready. */
export type SocketFactory = (options: DialOptions) => net.Socket;

/** The event a socket from `dialSocket` emits once it can carry commands. */
export function readyEventOf(options: DialOptions): 'connect' | 'secureConnect' {
  return options.tls !== undefined ? 'secureConnect' : 'connect';
}

export const dialSocket: SocketFactory = (options) => {
  let socket: net.Socket;
  if (options.path !== undefined) {
    socket = net.connect({ path: options.path });
  } else if (options.tls !== undefined) {
    socket = tls.connect({
      // SNI must be a host name, never an IP literal (RFC 6066).
      ...(net.isIP(options.host) === 0 ? { servername: options.host } : {}),
      ...options.tls,
      host: options.host,
      port: options.port,
    });
  } else {
    socket = net.connect({ host: options.host, port: options.port });
  }
  if (options.path === undefined) {
    // Each command is one small write after the batch is formed; Nagle would only add latency.
    socket.setNoDelay(true);
    if (options.keepAliveMs > 0) socket.setKeepAlive(true, options.keepAliveMs);
  }
  return socket;
};
