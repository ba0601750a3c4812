/**
 * Building and publishing the messages of the plain channels. Callers check the channel's
 * `hasSubscribers` first, so none of this runs while nobody listens.
 */
import {
  type CloseMessage,
  type CloseReason,
  type ConnectMessage,
  closeChannel,
  connectChannel,
  type LeaseLeakMessage,
  leaseLeakChannel,
  type PoolWaitMessage,
  type PoolWaitOutcome,
  poolWaitChannel,
} from './channels.js';

/** Who owns a connection and where it goes: the fixed part of its connect/close messages. */
export type ConnectionPeer = Pick<ConnectMessage, 'clientId' | 'serverAddress' | 'serverPort'>;

/** The peer of a connection from its dial options. */
export function connectionPeer(options: {
  readonly clientId?: string | undefined;
  readonly host: string;
  readonly port: number;
  readonly path: string | undefined;
}): ConnectionPeer {
  return {
    clientId: options.clientId ?? '',
    serverAddress: options.path ?? options.host,
    serverPort: options.path === undefined ? options.port : undefined,
  };
}

export function publishConnect(
  peer: ConnectionPeer,
  connectionId: number,
  durationMs: number,
  error: Error | undefined,
): void {
  const message: ConnectMessage = { ...peer, connectionId, durationMs, error };
  connectChannel.publish(message);
}

export function publishClose(
  peer: ConnectionPeer,
  connectionId: number,
  reason: CloseReason,
  error: Error | undefined,
): void {
  const message: CloseMessage = { ...peer, connectionId, reason, error };
  closeChannel.publish(message);
}

export function publishPoolWait(
  clientId: string,
  phase: PoolWaitMessage['phase'],
  waitedMs: number,
  outcome: PoolWaitOutcome | undefined,
  waiting: number,
): void {
  const message: PoolWaitMessage = { clientId, phase, waitedMs, outcome, waiting };
  poolWaitChannel.publish(message);
}

export function publishLeaseLeak(clientId: string, heldMs: number, stack: string): void {
  const message: LeaseLeakMessage = { clientId, heldMs, stack };
  leaseLeakChannel.publish(message);
}
