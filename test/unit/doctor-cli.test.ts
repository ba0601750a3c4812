/**
 * `respool doctor` argument handling through runCli, with no server: usage errors exit 2 and
 * never echo a password; help documents the exit codes; the watch loop numbers its reports
 * and stops at --watch-count (against a closed port, so every audit is quick and exits 3).
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import type { CliIo } from '../../src/cli/command.js';
import { runCli } from '../../src/cli/run-cli.js';
import { watchDoctor } from '../../src/doctor/watch.js';

function capture(env: Record<string, string | undefined> = {}): CliIo & {
  readonly stdout: string[];
  readonly stderr: string[];
} {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (text) => stdout.push(text),
    err: (text) => stderr.push(text),
    env,
  };
}

/** A port nothing listens on: bind, read, close. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address !== null && typeof address === 'object');
  return address.port;
}

test('help doctor documents the exit codes, watch and JSON', async () => {
  const io = capture();
  assert.equal(await runCli(['help', 'doctor'], io), 0);
  const text = io.stdout.join('\n');
  assert.match(text, /Usage: respool doctor \[url\]/);
  for (const line of [
    / 1 {3}at least one error-level finding/,
    / 2 {3}usage error/,
    / 3 {3}a node could not be reached/,
  ]) {
    assert.match(text, line);
  }
  assert.match(text, /--watch-count <n>/);
  assert.match(text, /NO_COLOR/);
});

test('usage errors exit 2', async () => {
  for (const args of [
    ['doctor', '--watch', '0'],
    ['doctor', '--watch', 'soon'],
    ['doctor', '--watch-count', '2'],
    ['doctor', '--watch', '1', '--watch-count', '0'],
    ['doctor', 'redis://a', 'redis://b'],
    ['doctor', 'ftp://example.com'],
    ['doctor', '--colour'],
  ]) {
    const io = capture();
    assert.equal(await runCli(args, io), 2, args.join(' '));
    assert.match(io.stderr[0] ?? '', /^respool: /);
  }
});

test('a bad URL is reported without its password', async () => {
  const io = capture();
  assert.equal(await runCli(['doctor', 'redis://user:hunter2@host/notadb'], io), 2);
  const text = io.stderr.join('\n');
  assert.match(text, /user:\*\*\*@host/);
  assert.doesNotMatch(text, /hunter2/);
});

test('an unreachable server exits 3 with a clear message, from REDIS_URL too', async () => {
  const port = await closedPort();
  const io = capture({ REDIS_URL: `redis://:hunter2@127.0.0.1:${port}` });
  assert.equal(await runCli(['doctor', '--no-color'], io), 3);
  assert.match(
    io.stderr.join('\n'),
    new RegExp(`could not audit 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`),
  );
  const text = io.stdout.join('\n');
  assert.match(text, /not audited/);
  assert.doesNotMatch(`${text}${io.stderr.join('')}`, /hunter2/);
});

test('watch loop: numbered reports, stops at maxIterations or when aborted', async () => {
  const port = await closedPort();
  const iterations: (number | null)[] = [];
  const last = await watchDoctor({
    url: `redis://127.0.0.1:${port}`,
    intervalSeconds: 0.01,
    maxIterations: 3,
    onReport: (r) => iterations.push(r.iteration),
  });
  assert.deepEqual(iterations, [1, 2, 3]);
  assert.equal(last?.summary.exitCode, 3);

  const controller = new AbortController();
  let seen = 0;
  await watchDoctor({
    url: `redis://127.0.0.1:${port}`,
    intervalSeconds: 60,
    signal: controller.signal,
    onReport: () => {
      seen++;
      controller.abort();
    },
  });
  assert.equal(seen, 1, 'the abort ends the wait at once');
});

test('watch in a pipe: reports separated by a line; --json gives one JSON document per line', async () => {
  const port = await closedPort();
  const text = capture();
  await runCli(
    ['doctor', `redis://127.0.0.1:${port}`, '--watch', '0.01', '--watch-count', '2'],
    text,
  );
  assert.equal(text.stdout.length, 2);
  assert.match(text.stdout[1] ?? '', /^={100}\nrespool doctor · .* · report 2/);
  const json = capture();
  assert.equal(
    await runCli(
      ['doctor', `redis://127.0.0.1:${port}`, '--json', '--watch', '0.01', '--watch-count', '2'],
      json,
    ),
    3,
  );
  const docs = json.stdout.map((line) => JSON.parse(line) as { iteration: number });
  assert.deepEqual(
    docs.map((d) => d.iteration),
    [1, 2],
  );
});
