/**
 * What the connection layer needs of a command: its arguments and two callbacks. The connection
 * knows nothing of promises, transforms or retries; the client builds those on top.
 */
import type { RespArg, RespValue } from '../protocol/resp-types.js';

export interface PendingCommand {
  /** `args[0]` is the command name. Validated before encoding; never mutated by the connection. */
  readonly args: readonly RespArg[];
  /** Decode this command's blob strings as Buffers instead of strings. */
  readonly returnBuffers: boolean;
  /** The server's reply, including `ReplyError` values (an error reply is still a reply). */
  reply(value: RespValue): void;
  /**
   * A transport failure. The error says through `written` whether any byte of this command
   * reached the socket.
   */
  fail(error: Error): void;
}
