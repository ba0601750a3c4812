/**
 * Generates `src/commands/table.generated.ts` from a real server's `COMMAND INFO` and
 * `COMMAND DOCS`. Run with `npm run gen:commands`.
 *
 * With `REDIS_URL` set it reads that server; otherwise it starts a private `redis-server` on a free
 * port with persistence off and a throwaway directory, and always stops it again. It never touches
 * port 6379, so a developer's own server is never read by accident: the table must describe a known,
 * stock server, not whatever modules happen to be loaded locally.
 *
 * The output is deterministic (rows sorted by name, fixed field order) so that regenerating against
 * the same server version gives a byte-identical file and a clean diff.
 */

import type { ChildProcess } from 'node:child_process';
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// COMMAND_TABLE_OUT lets a test regenerate into a temp file and diff against the checked-in one.
const { COMMAND_TABLE_OUT, REDIS_URL } = process.env;
const OUTPUT =
  COMMAND_TABLE_OUT ??
  resolve(dirname(fileURLToPath(import.meta.url)), '../src/commands/table.generated.ts');

// A developer's own server conventionally listens here; the private server must never take it.
const RESERVED_PORT = 6379;

// Only these categories drive routing, retry and lease decisions; the data-type categories
// (@string, @list, …) would only bloat the checked-in file.
const KEPT_ACL = new Set([
  '@read',
  '@write',
  '@blocking',
  '@pubsub',
  '@transaction',
  '@slow',
  '@fast',
  '@dangerous',
  '@admin',
  '@connection',
  '@scripting',
]);

// Tips that matter to a cluster router: where to send a keyless command and how to merge replies.
const KEPT_TIP = /^(request_policy:|response_policy:|nondeterministic_output)/;

interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly user: string | undefined;
  readonly password: string | undefined;
}

/** JSON as redis-cli --json prints it: RESP3 maps become objects, arrays stay arrays. */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function run(file: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      file,
      args,
      { env: env ?? process.env, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const detail = stderr.trim() === '' ? error.message : stderr.trim();
          reject(new Error(`${file} ${args.join(' ')} failed: ${detail}`));
          return;
        }
        resolvePromise(stdout);
      },
    );
  });
}

function cli(endpoint: Endpoint, args: readonly string[]): Promise<string> {
  const base = ['-h', endpoint.host, '-p', String(endpoint.port)];
  if (endpoint.user !== undefined) base.push('--user', endpoint.user);
  // REDISCLI_AUTH keeps the password out of the process list.
  const env =
    endpoint.password === undefined
      ? process.env
      : { ...process.env, REDISCLI_AUTH: endpoint.password };
  return run('redis-cli', [...base, ...args], env);
}

async function freePort(): Promise<number> {
  for (;;) {
    const port = await probePort();
    if (port !== RESERVED_PORT) return port;
  }
}

function probePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePromise(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitForPong(endpoint: Endpoint, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
    try {
      if ((await cli(endpoint, ['ping'])).trim() === 'PONG') return;
    } catch (error) {
      lastError = error;
    }
    await sleep(50);
  }
  throw new Error('redis-server did not answer PING within 10s', { cause: lastError });
}

interface PrivateServer {
  readonly endpoint: Endpoint;
  stop(): Promise<void>;
}

async function startPrivateServer(): Promise<PrivateServer> {
  const dir = await mkdtemp(join(tmpdir(), 'respool-gen-'));
  const port = await freePort();
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
    // cwd too, so that nothing the server writes before reading its config can land in the repo.
    { cwd: dir, stdio: 'ignore' },
  );
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5_000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  };
  const endpoint: Endpoint = { host: '127.0.0.1', port, user: undefined, password: undefined };
  try {
    await new Promise<void>((resolvePromise, reject) => {
      child.once('spawn', () => resolvePromise());
      child.once('error', reject);
    });
    await waitForPong(endpoint, child);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, stop };
}

function endpointFromUrl(raw: string): Endpoint {
  const url = new URL(raw);
  return {
    host: url.hostname === '' ? '127.0.0.1' : url.hostname,
    port: url.port === '' ? 6379 : Number(url.port),
    user: url.username === '' ? undefined : decodeURIComponent(url.username),
    password: url.password === '' ? undefined : decodeURIComponent(url.password),
  };
}

/**
 * redis-cli prints RESP3 maps as objects, but tolerate RESP2-style flat [k, v, k, v] arrays too.
 * A Map, because the field names come from the server and must not meet Object.prototype.
 */
function asMap(value: Json | undefined): Map<string, Json> {
  const map = new Map<string, Json>();
  if (Array.isArray(value)) {
    for (let i = 0; i + 1 < value.length; i += 2) map.set(String(value[i]), value[i + 1] ?? null);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) map.set(k, v);
  }
  return map;
}

function asArray(value: Json | undefined): Json[] {
  return Array.isArray(value) ? value : [];
}

function asText(value: Json | undefined): string {
  return typeof value === 'string' ? value : '';
}

function asStrings(value: Json | undefined): string[] {
  return asArray(value).map((v) => String(v));
}

function asInt(value: Json | undefined, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new Error(`expected an integer for ${what}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A string literal for the generated source: single-quoted, matching the house style. */
function str(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function encodeKeySpec(raw: Json, command: string): string {
  const spec = asMap(raw);
  const flags = asStrings(spec.get('flags')).join(' ');
  const begin = asMap(spec.get('begin_search'));
  const beginArgs = asMap(begin.get('spec'));
  let beginText: string;
  if (begin.get('type') === 'index') {
    beginText = String(asInt(beginArgs.get('index'), `${command} begin_search.index`));
  } else if (begin.get('type') === 'keyword') {
    const keyword = String(beginArgs.get('keyword'));
    const startFrom = asInt(beginArgs.get('startfrom'), `${command} begin_search.startfrom`);
    beginText = `[${str(keyword)},${startFrom}]`;
  } else {
    beginText = 'null';
  }
  const find = asMap(spec.get('find_keys'));
  const findArgs = asMap(find.get('spec'));
  let findText: string;
  if (find.get('type') === 'range') {
    const last = asInt(findArgs.get('lastkey'), `${command} find_keys.lastkey`);
    const step = asInt(findArgs.get('keystep'), `${command} find_keys.keystep`);
    const limit = asInt(findArgs.get('limit'), `${command} find_keys.limit`);
    findText = `['range',${last},${step},${limit}]`;
  } else if (find.get('type') === 'keynum') {
    const idx = asInt(findArgs.get('keynumidx'), `${command} find_keys.keynumidx`);
    const first = asInt(findArgs.get('firstkey'), `${command} find_keys.firstkey`);
    const step = asInt(findArgs.get('keystep'), `${command} find_keys.keystep`);
    findText = `['keynum',${idx},${first},${step}]`;
  } else {
    findText = 'null';
  }
  return `[${str(flags)},${beginText},${findText}]`;
}

interface DocInfo {
  readonly since: string;
  readonly group: string;
  readonly docFlags: string;
}

/** Flattens COMMAND DOCS into name → doc, subcommands included under their `parent|sub` names. */
function collectDocs(raw: Json): Map<string, DocInfo> {
  const docs = new Map<string, DocInfo>();
  const visit = (record: Map<string, Json>): void => {
    for (const [name, value] of record) {
      const doc = asMap(value);
      docs.set(name.toLowerCase(), {
        since: asText(doc.get('since')),
        group: asText(doc.get('group')),
        docFlags: asStrings(doc.get('doc_flags')).join(' '),
      });
      const subcommands = doc.get('subcommands');
      if (subcommands !== undefined) visit(asMap(subcommands));
    }
  };
  visit(asMap(raw));
  return docs;
}

function encodeRow(raw: Json, docs: Map<string, DocInfo>, rows: Map<string, string>): void {
  const entry = asArray(raw);
  const name = String(entry[0]).toLowerCase();
  const arity = asInt(entry[1], `${name} arity`);
  const flags = asStrings(entry[2]).join(' ');
  const first = asInt(entry[3], `${name} first key`);
  const last = asInt(entry[4], `${name} last key`);
  const step = asInt(entry[5], `${name} key step`);
  const acl = asStrings(entry[6])
    .filter((c) => KEPT_ACL.has(c))
    .map((c) => c.slice(1))
    .sort()
    .join(' ');
  const tips = asStrings(entry[7])
    .filter((t) => KEPT_TIP.test(t))
    .sort()
    .join(' ');
  const keySpecs = asArray(entry[8]).map((spec) => encodeKeySpec(spec, name));
  const doc = docs.get(name) ?? { since: '', group: '', docFlags: '' };
  const fields = [
    str(name),
    arity,
    str(flags),
    first,
    last,
    step,
    str(acl),
    str(tips),
    `[${keySpecs.join(',')}]`,
    str(doc.since),
    str(doc.group),
    str(doc.docFlags),
  ];
  rows.set(name, `[${fields.join(',')}],`);
  for (const sub of asArray(entry[9])) encodeRow(sub, docs, rows);
}

function render(version: string, rows: Map<string, string>): string {
  const names = [...rows.keys()].sort();
  const lines = [
    '// GENERATED FILE: do not edit by hand.',
    '// Regenerate with `npm run gen:commands` (scripts/gen-command-table.ts).',
    `// Source: redis-server ${version}, COMMAND INFO and COMMAND DOCS (${names.length} entries).`,
    '//',
    '// Row: [name, arity, flags, firstKey, lastKey, keyStep, aclCategories, tips, keySpecs,',
    '//       since, group, docFlags]. Lists are space-separated strings; ACL categories lose',
    "//       their '@' and only routing-relevant ones are kept. Subcommands are `parent|sub` rows.",
    '// Key spec: [flags, beginSearch, findKeys], where beginSearch is an index, [keyword, startFrom]',
    "//       or null (unknown), and findKeys is ['range', lastKey, keyStep, limit],",
    "//       ['keynum', keyNumIdx, firstKey, keyStep] or null (unknown).",
    '',
    '/** One key spec as stored: see the header comment for the layout. */',
    'export type RawKeySpec = readonly [',
    '  flags: string,',
    '  beginSearch: number | readonly [keyword: string, startFrom: number] | null,',
    '  findKeys:',
    "    | readonly ['range', lastKey: number, keyStep: number, limit: number]",
    "    | readonly ['keynum', keyNumIdx: number, firstKey: number, keyStep: number]",
    '    | null,',
    '];',
    '',
    '/** One command as stored: see the header comment for the layout. */',
    'export type RawCommandRow = readonly [',
    '  name: string,',
    '  arity: number,',
    '  flags: string,',
    '  firstKey: number,',
    '  lastKey: number,',
    '  keyStep: number,',
    '  aclCategories: string,',
    '  tips: string,',
    '  keySpecs: readonly RawKeySpec[],',
    '  since: string,',
    '  group: string,',
    '  docFlags: string,',
    '];',
    '',
    '/** The `redis_version` of the server the table was generated from. */',
    `export const COMMAND_TABLE_SERVER_VERSION = ${str(version)};`,
    '',
    '/** Every command and subcommand of that server, sorted by name. */',
    'export const RAW_COMMANDS: readonly RawCommandRow[] = [',
    ...names.map((n) => rows.get(n) ?? ''),
    '];',
    '',
  ];
  return lines.join('\n');
}

function serverVersion(info: string): string {
  const match = /^redis_version:(\S+)/m.exec(info);
  if (!match?.[1]) throw new Error('INFO server has no redis_version');
  return match[1];
}

async function generate(endpoint: Endpoint): Promise<{ version: string; count: number }> {
  const version = serverVersion(await cli(endpoint, ['INFO', 'server']));
  const info = JSON.parse(await cli(endpoint, ['--json', 'COMMAND', 'INFO'])) as Json;
  const docs = collectDocs(JSON.parse(await cli(endpoint, ['--json', 'COMMAND', 'DOCS'])) as Json);
  const rows = new Map<string, string>();
  for (const entry of asArray(info)) encodeRow(entry, docs, rows);
  if (rows.size === 0) throw new Error('COMMAND INFO returned no commands');
  await mkdir(dirname(OUTPUT), { recursive: true });
  await writeFile(OUTPUT, render(version, rows));
  return { version, count: rows.size };
}

async function main(): Promise<void> {
  const server =
    REDIS_URL === undefined || REDIS_URL === '' ? await startPrivateServer() : undefined;
  try {
    const endpoint = server?.endpoint ?? endpointFromUrl(REDIS_URL ?? '');
    const { version, count } = await generate(endpoint);
    console.log(`wrote ${OUTPUT}: ${count} commands from redis ${version}`);
  } finally {
    await server?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
