/**
 * What a consumer writes against the published types: compiled by test/integration/
 * published-types.test.ts in each project under test/types/ (strict, skipLibCheck false), next
 * to a generated file that imports every export of every subpath. Never run.
 */

import {
  type ClientOptions,
  type ClientStats,
  type ClusterOptions,
  CommandTimeoutError,
  createClient,
  createCluster,
  defineScript,
  type ErrorCode,
  isRespoolError,
  keySlot,
  type RespoolClient,
} from 'respool';

export async function consumer(): Promise<void> {
  const options: ClientOptions = { url: 'redis://127.0.0.1:6380/1', maxConnections: 4 };
  const client: RespoolClient = createClient(options);
  await client.ready();
  const value: string | null = await client.get('key');
  await client.set('key', value ?? 'x', { ex: 10 });
  const raw: unknown = await client.call('OBJECT', 'ENCODING', 'key');
  const buffers = client.withOptions({ returnBuffers: true });
  const bytes: Buffer | null = await buffers.get('key');
  const results = await client.multi().incr('n').get('key').exec();
  const watched: number = await client.withConnection(async (lease) => {
    await lease.watch('n');
    return lease.incr('n');
  });
  const script = defineScript('return 1', { readOnly: true });
  const stats: ClientStats = client.stats();
  client.on('error', (error) => {
    const code: ErrorCode | undefined = isRespoolError(error) ? error.code : undefined;
    void code;
  });
  try {
    await client.withOptions({ timeoutMs: 5 }).get('slow');
  } catch (error) {
    if (error instanceof CommandTimeoutError) void error.code;
  }
  const clusterOptions: ClusterOptions = { nodes: ['redis://127.0.0.1:7000'] };
  const cluster = createCluster(clusterOptions);
  const slot: number = keySlot('key');
  await cluster.set('key', String(slot));
  await cluster.close();
  await client.close();
  void [raw, bytes, results, watched, script, stats];
}
