/**
 * Raw connections that stand in for another client library's pool in doctor tests: a socket
 * that set a CLIENT SETNAME and was answered, nothing else of respool involved.
 */
import { connect, type Socket } from 'node:net';

/** `args` as one RESP command (an array of bulk strings). */
export function encodeCommand(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/**
 * A raw connection to `host:port` named `name`, resolved once the server answered PING; from
 * `localAddress` when given (any 127.x.y.z on Linux loopback: another "client host").
 */
export function namedConnection(
  port: number,
  host: string,
  name: string,
  localAddress?: string,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host, ...(localAddress === undefined ? {} : { localAddress }) });
    let received = '';
    const onData = (chunk: Buffer): void => {
      received += chunk.toString('latin1');
      if (received.startsWith('-')) reject(new Error(`SETNAME ${name}: ${received.trim()}`));
      if (!received.includes('+PONG\r\n')) return;
      socket.off('data', onData);
      resolve(socket);
    };
    socket.once('error', reject);
    socket.on('data', onData);
    socket.write(encodeCommand('CLIENT', 'SETNAME', name) + encodeCommand('PING'));
  });
}
