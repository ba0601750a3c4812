/**
 * A demo failure with a known cause and a fix the user can act on (install redis-server, check
 * REDIS_URL). The CLI prints its message as one line, without a stack.
 */
export class DemoError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}
