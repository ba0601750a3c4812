/**
 * rediss:// against a real TLS-enabled redis-server with a throwaway self-signed certificate
 * (made with the openssl CLI, which .ci/run installs when missing).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createClient } from '../../src/index.js';
import { expectClientCount } from '../helpers/baseline.js';
import { freePort } from '../helpers/free-port.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

let server: RedisServer;
let tlsPort: number;
let certDir: string;
let ca: Buffer;

before(async () => {
  certDir = mkdtempSync(join(tmpdir(), 'respool-tls-'));
  const cert = join(certDir, 'cert.pem');
  const key = join(certDir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  ca = readFileSync(cert);
  tlsPort = await freePort();
  server = await startRedis({
    args: [
      '--tls-port',
      String(tlsPort),
      '--tls-cert-file',
      cert,
      '--tls-key-file',
      key,
      '--tls-ca-cert-file',
      cert,
      '--tls-auth-clients',
      'no',
    ],
  });
});

after(async () => {
  await expectClientCount(server, 0);
  await server.stop();
  rmSync(certDir, { recursive: true, force: true });
});

test('rediss:// connects over TLS and verifies the server certificate', async () => {
  const client = createClient({ url: `rediss://localhost:${tlsPort}`, tls: { ca } });
  await Promise.all(Array.from({ length: 100 }, (_, i) => client.set(`tls:${i}`, String(i))));
  assert.equal(await client.get('tls:42'), '42');
  await client.close();
});

test('an untrusted certificate fails the connect instead of sending commands in the clear', async () => {
  const client = createClient({ url: `rediss://localhost:${tlsPort}`, connectTimeoutMs: 2000 });
  await assert.rejects(client.get('x'), (e: unknown) => {
    assert.equal((e as { code: string }).code, 'ERR_CONNECTION_CLOSED');
    assert.match((e as Error).message, /certificate/i);
    // Nothing was written: the command is safe to retry and the message must not say otherwise.
    assert.equal((e as { written: boolean }).written, false);
    assert.doesNotMatch((e as Error).message, /may have run/);
    return true;
  });
  client.destroy();
});
