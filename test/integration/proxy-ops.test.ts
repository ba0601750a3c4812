/**
 * `respool proxy` as an operator runs it: the CLI process, its Prometheus endpoint, a JSON config
 * file, and SIGTERM's graceful drain (what clients sent is answered, upstream connections close).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { RawClient } from '../helpers/raw-client.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

let server: RedisServer;
let child: ChildProcess | undefined;

before(async () => {
  server = await startRedis();
});

after(async () => {
  child?.kill('SIGKILL');
  await server.stop();
});

function startCli(args: string[]): Promise<{ port: number; metricsPort: number }> {
  child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'proxy', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let err = '';
    child!.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      const m = /listening on 127\.0\.0\.1:(\d+), metrics on :(\d+)/.exec(err);
      if (m !== null) resolve({ port: Number(m[1]), metricsPort: Number(m[2]) });
    });
    child!.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
}

test('metrics endpoint, config file, and a graceful SIGTERM', async () => {
  const config = join(server.dir, 'proxy.json');
  writeFileSync(
    config,
    JSON.stringify({ upstream: server.url, maxConnections: 3, metricsPort: 0 }),
  );
  const { port, metricsPort } = await startCli(['--config', config, '--listen', '127.0.0.1:0']);
  const client = await RawClient.connect(port);
  assert.equal(await client.call('SET', 'm', '1'), '+OK\r\n');
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  assert.match(text, /^respool_proxy_clients 1$/m);
  assert.match(text, /^respool_proxy_upstream_connections 1$/m);
  assert.match(text, /^respool_proxy_upstream_connections_max 3$/m);
  assert.match(text, /^respool_proxy_commands_total 1$/m);
  // A pipeline in flight when SIGTERM arrives is answered in full before the connection closes.
  client.write(Buffer.from('*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n'.repeat(1_000)));
  // The first reply shows the pipeline (one read) was taken in; the rest is still in flight.
  assert.equal((await client.frame()).toString(), ':1\r\n');
  const exited = new Promise<number | null>((resolve) =>
    child!.once('exit', (code) => resolve(code)),
  );
  child!.kill('SIGTERM');
  const frames = await client.frames(999);
  assert.equal(frames.at(-1)!.toString(), ':1000\r\n');
  await client.closed;
  assert.equal(await exited, 0);
  child = undefined;
  await server.waitForClientCount(0);
});
