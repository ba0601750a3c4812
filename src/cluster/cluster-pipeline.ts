/**
 * pipeline() on a cluster: each command is routed on its own (so one pipeline may span nodes)
 * and all are issued in the same turn, so each node still receives its share in one write.
 * Results come back in order; a server error stays in its slot; a transport error rejects the
 * whole exec() (the first one, after every command settled).
 */
import { CommandApi } from '../client/command-api.js';
import { CLUSTER_LEASE, checkSharedBatchCall } from '../client/connection-state-guard.js';
import type { Transform } from '../client/reply-transforms.js';
import type { FunctionLibrary, Script } from '../client/script.js';
import { InvalidArgumentError, ReplyError } from '../errors.js';
import type { RespArg } from '../protocol/resp-types.js';

/** How the cluster client runs each kind of queued entry. */
export interface ClusterPipelineRunners {
  command(args: RespArg[], transform: Transform | undefined): Promise<unknown>;
  script(script: Script, keys: readonly RespArg[], args: readonly RespArg[]): Promise<unknown>;
  fn(
    library: FunctionLibrary,
    name: string,
    keys: readonly RespArg[],
    args: readonly RespArg[],
    readOnly: boolean,
  ): Promise<unknown>;
}

export class ClusterPipeline<S extends string | Buffer = string> extends CommandApi<'chain', S> {
  readonly #runners: ClusterPipelineRunners;
  /** Each entry starts its command (or script) when exec() runs it. */
  readonly #queued: (() => Promise<unknown>)[] = [];
  #used = false;

  /** @internal */
  constructor(runners: ClusterPipelineRunners) {
    super();
    this.#runners = runners;
  }

  get length(): number {
    return this.#queued.length;
  }

  protected override _cmd(args: RespArg[], transform: Transform | undefined): this {
    this.#queued.push(() => this.#runners.command(args, transform));
    return this;
  }

  /**
   * Scripts are not loaded ahead here: the commands of one cluster pipeline go to several nodes
   * and are not one transaction, so each runs as on the client (EVALSHA, then EVAL where
   * NOSCRIPT). Only then does it run after the pipeline's other commands to that node.
   */
  protected override _script(
    script: Script,
    keys: readonly RespArg[],
    args: readonly RespArg[],
  ): this {
    this.#queued.push(() => this.#runners.script(script, keys, args));
    return this;
  }

  protected override _function(
    library: FunctionLibrary,
    name: string,
    keys: readonly RespArg[],
    args: readonly RespArg[],
    readOnly: boolean,
  ): this {
    this.#queued.push(() => this.#runners.fn(library, name, keys, args, readOnly));
    return this;
  }

  /** Any command, by name; refused when it would change the state of a node's shared connection. */
  override call(name: string, ...args: RespArg[]): this {
    const full: RespArg[] = [name, ...args];
    if (checkSharedBatchCall(full, CLUSTER_LEASE) === 'blocking') return this._block(full);
    return this._cmd(full, undefined);
  }

  protected override _block(args: RespArg[]): this {
    throw new InvalidArgumentError(
      `${String(args[0])} blocks; call it on the cluster client, not in a pipeline`,
    );
  }

  async exec(): Promise<unknown[]> {
    if (this.#used) throw new InvalidArgumentError('exec() was already called on this pipeline');
    this.#used = true;
    const settled = await Promise.allSettled(this.#queued.map((run) => run()));
    const results: unknown[] = [];
    for (const s of settled) {
      if (s.status === 'fulfilled') results.push(s.value);
      else if (s.reason instanceof ReplyError) results.push(s.reason);
      else throw s.reason;
    }
    return results;
  }
}
