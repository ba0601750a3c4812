/**
 * The one shape every client under test is driven through, so the workload code is identical for
 * all of them and only the adapter differs.
 */

/** A connected client, reduced to what the SET/GET workload needs. */
export interface BenchClient {
  set(key: string, value: string): Promise<unknown>;
  get(key: string): Promise<unknown>;
  /** Graceful close: wait for in-flight replies, then release every server connection. */
  close(): Promise<void>;
  /** Client-reported figures worth keeping in the JSON (respool's `stats()`), if any. */
  details?(): Record<string, unknown>;
}

/**
 * A named way to obtain a connected {@link BenchClient}. `Target` is what it connects to: a
 * server URL in the standalone mode, the seed URLs of a cluster in the cluster mode.
 */
export interface ClientAdapter<Target = string> {
  readonly name: string;
  /** One line for the report header: library, version-relevant options, protocol. */
  readonly description: string;
  /** Resolves once the client can take commands (connected and handshaken). */
  connect(target: Target): Promise<BenchClient>;
}

/** Adapters for a list of names, in the order given. */
export function pickByName<Target>(
  known: readonly ClientAdapter<Target>[],
  names: readonly string[],
): ClientAdapter<Target>[] {
  return names.map((name) => {
    const adapter = known.find((a) => a.name === name);
    if (adapter === undefined) {
      const list = known.map((a) => a.name).join(', ');
      throw new Error(`unknown client "${name}"; known: ${list}`);
    }
    return adapter;
  });
}
