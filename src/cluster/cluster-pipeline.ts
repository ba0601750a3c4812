/**
 * pipeline() on a cluster: each command is routed on its own (so one pipeline may span nodes)
 * and all are issued in the same turn, so each node still receives its share in one write.
 * Results come back in order; a server error stays in its slot; a transport error rejects the
 * whole exec() (the first one, after every command settled).
 */
import { CommandApi } from '../client/command-api.js';
import type { Transform } from '../client/reply-transforms.js';
import { InvalidArgumentError, ReplyError } from '../errors.js';
import type { RespArg } from '../protocol/resp-types.js';

type Run = (args: RespArg[], transform: Transform | undefined) => Promise<unknown>;

export class ClusterPipeline<S extends string | Buffer = string> extends CommandApi<'chain', S> {
  readonly #run: Run;
  readonly #queued: { args: RespArg[]; transform: Transform | undefined }[] = [];
  #used = false;

  /** @internal */
  constructor(run: Run) {
    super();
    this.#run = run;
  }

  get length(): number {
    return this.#queued.length;
  }

  protected override _cmd(args: RespArg[], transform: Transform | undefined): this {
    this.#queued.push({ args, transform });
    return this;
  }

  protected override _block(args: RespArg[]): this {
    throw new InvalidArgumentError(
      `${String(args[0])} blocks; call it on the cluster client, not in a pipeline`,
    );
  }

  async exec(): Promise<unknown[]> {
    if (this.#used) throw new InvalidArgumentError('exec() was already called on this pipeline');
    this.#used = true;
    const settled = await Promise.allSettled(
      this.#queued.map((q) => this.#run(q.args, q.transform)),
    );
    const results: unknown[] = [];
    for (const s of settled) {
      if (s.status === 'fulfilled') results.push(s.value);
      else if (s.reason instanceof ReplyError) results.push(s.reason);
      else throw s.reason;
    }
    return results;
  }
}
