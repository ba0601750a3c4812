/**
 * `npm run gen:coverage`: writes docs/commands.md, the typed/total count per command group of the
 * command table (7.0.15 plus the 7.2 supplement), with the method that types each command and
 * the reason for each command left to `call()`.
 *
 * "Typed" is read from the source, not declared: the TypeScript compiler parses the command
 * files, and a command counts as typed where a method builds an argument vector starting with
 * its name as a literal (`['ZADD', key]`, `['XINFO', 'STREAM', key]`), directly or through an
 * argument helper (`sortArgs('SORT', …)`). Commands the library runs for you (HELLO, AUTH,
 * SUBSCRIBE, …) and commands left to `call()` on purpose are listed below with why. The
 * coverage test regenerates the report and fails when docs/commands.md differs, or when a
 * command of a data or scripting group is neither typed nor explained.
 *
 *   npm run gen:coverage            # write docs/commands.md
 *   npm run gen:coverage -- --check # exit 1 when docs/commands.md is stale
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { commandTableServerVersion, listCommandSpecs } from '../src/commands/table.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUTPUT = join(ROOT, 'docs/commands.md');

/** Where typed methods live: the command chain, leases and batches. */
const SOURCES = [
  'string-commands.ts',
  'key-commands.ts',
  'hash-commands.ts',
  'list-commands.ts',
  'set-commands.ts',
  'sorted-set-commands.ts',
  'stream-commands.ts',
  'geo-hll-commands.ts',
  'scripting-commands.ts',
  'server-commands.ts',
  'command-api.ts',
  'command-options.ts',
  'leased-connection.ts',
  'batch.ts',
].map((f) => join(ROOT, 'src/client', f));

/** The groups a library user's data lives in: every command here must be typed or explained. */
export const DATA_GROUPS = [
  'string',
  'bitmap',
  'hash',
  'list',
  'set',
  'sorted-set',
  'stream',
  'geo',
  'hyperloglog',
  'generic',
  'scripting',
  'transactions',
  'pubsub',
] as const;

/** Commands the library itself sends, or offers through an API that is not a one-command method. */
export const HANDLED: Readonly<Record<string, string>> = {
  subscribe: '`subscribe(channels, listener)`',
  psubscribe: '`psubscribe(patterns, listener)`',
  ssubscribe: '`ssubscribe(channels, listener)`',
  unsubscribe: '`Subscription.unsubscribe()`',
  punsubscribe: '`Subscription.unsubscribe()`',
  sunsubscribe: '`Subscription.unsubscribe()`',
  hello: 'the handshake (`protocol` option)',
  auth: 'the handshake (`username`, `password` options)',
  quit: '`close()`',
  multi: '`multi()` (and `withConnection` for WATCH…MULTI)',
  exec: '`multi().exec()`',
  'client|setinfo': 'the handshake (LIB-NAME, LIB-VER)',
  readonly: 'the cluster client (`readFrom` option)',
  asking: 'the cluster client (ASK redirects)',
  'cluster|shards': 'the cluster client (topology)',
  'cluster|slots': 'the cluster client (topology, before 7.0)',
};

/** Left to `call()` on purpose, with the reason the report shows. */
export const NOT_TYPED: Readonly<Record<string, string>> = {
  georadius: 'deprecated since 6.2: `geosearch`/`geosearchstore` do the same',
  georadius_ro: 'deprecated since 6.2: `geosearch`',
  georadiusbymember: 'deprecated since 6.2: `geosearch` with `{ member }`',
  georadiusbymember_ro: 'deprecated since 6.2: `geosearch` with `{ member }`',
  pfdebug: 'internal debugging command',
  pfselftest: 'internal test command',
  'script|debug': 'the Lua debugger needs an interactive session on its own connection',
  'function|help': 'prints help text for humans',
  'script|help': 'prints help text for humans',
  'object|help': 'prints help text for humans',
  'xgroup|help': 'prints help text for humans',
  'xinfo|help': 'prints help text for humans',
  'pubsub|help': 'prints help text for humans',
  'client|help': 'prints help text for humans',
};

interface Typed {
  readonly methods: Set<string>;
}

function commandNames(): Map<string, { group: string; container: boolean }> {
  const out = new Map<string, { group: string; container: boolean }>();
  for (const spec of listCommandSpecs()) {
    out.set(spec.name, { group: spec.group, container: spec.subcommands !== undefined });
  }
  return out;
}

function literal(node: ts.Node | undefined): string | undefined {
  return node !== undefined && ts.isStringLiteral(node) ? node.text : undefined;
}

/** The name of the method (or function) a node sits in. */
function enclosing(node: ts.Node): { name: string; isMethod: boolean } | undefined {
  for (let n: ts.Node | undefined = node.parent; n !== undefined; n = n.parent) {
    if ((ts.isMethodDeclaration(n) || ts.isFunctionDeclaration(n)) && n.name !== undefined) {
      return { name: n.name.getText(), isMethod: ts.isMethodDeclaration(n) };
    }
  }
  return undefined;
}

/** Scan the sources: command name → the methods that build it. */
export function scanTypedCommands(): Map<string, Typed> {
  const names = commandNames();
  const typed = new Map<string, Typed>();
  const viaHelper = new Map<string, Set<string>>(); // helper function → commands it builds
  const helperCalls = new Map<string, Set<string>>(); // helper function → methods calling it
  const add = (command: string, method: string): void => {
    const entry = typed.get(command) ?? { methods: new Set<string>() };
    entry.methods.add(method);
    typed.set(command, entry);
  };
  const resolveName = (
    first: string | undefined,
    second: string | undefined,
  ): string | undefined => {
    if (first === undefined) return undefined;
    const top = first.toLowerCase();
    const info = names.get(top);
    if (info === undefined || first !== first.toUpperCase()) return undefined;
    if (!info.container) return top;
    const sub = second === undefined ? undefined : `${top}|${second.toLowerCase()}`;
    return sub !== undefined && names.has(sub) ? sub : undefined;
  };
  for (const file of SOURCES) {
    const source = ts.createSourceFile(
      file,
      readFileSync(file, 'utf8'),
      ts.ScriptTarget.Latest,
      true,
    );
    const visit = (node: ts.Node): void => {
      let command: string | undefined;
      if (ts.isArrayLiteralExpression(node)) {
        command = resolveName(literal(node.elements[0]), literal(node.elements[1]));
      } else if (ts.isCallExpression(node) && ts.isIdentifier(node.expression)) {
        const callee = node.expression.text;
        if (callee.endsWith('Args')) {
          command = resolveName(literal(node.arguments[0]), literal(node.arguments[1]));
          const where = enclosing(node);
          if (where?.isMethod === true) {
            const callers = helperCalls.get(callee) ?? new Set<string>();
            callers.add(where.name);
            helperCalls.set(callee, callers);
          }
        }
      }
      if (command !== undefined) {
        const where = enclosing(node);
        // Private helpers (`#send` of a batch) are not API: those commands are in HANDLED.
        if (where?.isMethod === true && !where.name.startsWith('#')) add(command, where.name);
        else if (where !== undefined) {
          const built = viaHelper.get(where.name) ?? new Set<string>();
          built.add(command);
          viaHelper.set(where.name, built);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  for (const [helper, commands] of viaHelper) {
    for (const method of helperCalls.get(helper) ?? []) for (const c of commands) add(c, method);
  }
  return typed;
}

/** The report, as docs/commands.md holds it. */
export function coverageReport(): string {
  const typed = scanTypedCommands();
  const byGroup = new Map<string, string[]>();
  for (const spec of listCommandSpecs()) {
    if (spec.subcommands !== undefined) continue; // a container: its subcommands count
    const list = byGroup.get(spec.group) ?? [];
    list.push(spec.name);
    byGroup.set(spec.group, list);
  }
  const groups = [...byGroup.keys()].sort((a, b) => {
    const ia = DATA_GROUPS.indexOf(a as (typeof DATA_GROUPS)[number]);
    const ib = DATA_GROUPS.indexOf(b as (typeof DATA_GROUPS)[number]);
    return (ia === -1 ? 99 : ia) - (ib === -1 ? 99 : ib) || a.localeCompare(b);
  });
  const lines: string[] = [];
  const summary: string[] = [];
  let dataTyped = 0;
  let dataTotal = 0;
  for (const group of groups) {
    const commands = (byGroup.get(group) ?? []).sort();
    const isData = (DATA_GROUPS as readonly string[]).includes(group);
    const rows: string[] = [];
    let count = 0;
    for (const name of commands) {
      const t = typed.get(name);
      const display = name.replace('|', ' ').toUpperCase();
      if (t !== undefined) {
        count++;
        rows.push(
          `| ${display} | typed | ${[...t.methods]
            .sort()
            .map((m) => `\`${m}\``)
            .join(', ')} |`,
        );
      } else if (HANDLED[name] !== undefined) {
        count++;
        rows.push(`| ${display} | handled | ${HANDLED[name]} |`);
      } else {
        rows.push(
          `| ${display} | \`call()\` | ${NOT_TYPED[name] ?? (isData ? '**unexplained**' : 'administration or introspection: use `call()`')} |`,
        );
      }
    }
    if (isData) {
      dataTyped += count;
      dataTotal += commands.length;
    }
    summary.push(`| ${group} | ${count} | ${commands.length} |${isData ? ' data |' : ' |'}`);
    lines.push(
      `### ${group} (${count} / ${commands.length})`,
      '',
      '| command | status | method or reason |',
      '| --- | --- | --- |',
      ...rows,
      '',
    );
  }
  return [
    '# Commands: what is typed',
    '',
    '<!-- Generated by `npm run gen:coverage` (scripts/command-coverage.ts); test/unit/command-coverage.test.ts fails when it is stale. Do not edit by hand. -->',
    '',
    `Every command of the command table (Redis ${commandTableServerVersion} plus the hand-written 7.2 rows of \`src/commands/table-supplement.ts\`), by group. Subcommands count one by one (\`XINFO STREAM\`); containers (\`XINFO\`) do not. A command is **typed** when a method builds it (found in the source by the script, not declared), **handled** when the library sends it for you or offers it through another API, and \`call()\` otherwise: \`client.call('NAME', ...args)\` runs any command, typed or not, with the same routing, deadlines and retries.`,
    '',
    `Data and scripting groups: **${dataTyped} / ${dataTotal}** typed or handled; the rest are listed with the reason.`,
    'Server, connection and cluster groups: the commands an application calls are typed (INFO parsed, TIME, MEMORY USAGE, CONFIG GET/SET, CLIENT ID/INFO/LIST parsed, ROLE, SLOWLOG); administration stays with `call()`.',
    'Commands that change the state of the connection they run on (SELECT, CLIENT NO-EVICT, CLIENT NO-TOUCH, CLIENT SETNAME) are typed on `LeasedConnection` only.',
    '',
    '| group | typed or handled | total | |',
    '| --- | --- | --- | --- |',
    ...summary,
    '',
    'Reply shapes are the same under RESP2 and RESP3 (test/integration/typed-commands.test.ts runs every group under both): maps become objects, scored members `{ member, score }`, stream entries `{ id, fields }`, doubles numbers.',
    '',
    ...lines,
  ].join('\n');
}

/**
 * The report as the checked-in file holds it: formatted by Biome (which aligns Markdown tables),
 * so `npm run lint` and the staleness check agree on the same bytes.
 */
export function formattedReport(): string {
  return execFileSync(
    join(ROOT, 'node_modules/.bin/biome'),
    ['format', '--stdin-file-path', 'docs/commands.md'],
    { input: coverageReport(), encoding: 'utf8', cwd: ROOT },
  );
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const report = formattedReport();
  if (process.argv.includes('--check')) {
    const current = readFileSync(OUTPUT, 'utf8');
    if (current !== report) {
      console.error('docs/commands.md is stale: run npm run gen:coverage');
      process.exit(1);
    }
  } else {
    writeFileSync(OUTPUT, report);
    console.log(`wrote ${OUTPUT}`);
  }
}
