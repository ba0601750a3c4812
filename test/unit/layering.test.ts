/**
 * The layering lint: every import of every file under src/ (static, type-only, re-exports and
 * dynamic `import()`) must point down the layers of docs/architecture.md. A rule lists the
 * parts a layer may import; the lint is checked against hand-made violations first, so
 * it cannot pass by finding nothing.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

/** The tools: built on the library, never imported by it. */
const TOOLS = ['proxy', 'doctor', 'cli', 'demo'];
/** Shared leaves: `errors.ts`, `validate.ts`, `version.ts`, `util/`. */
const LEAVES = ['errors', 'validate', 'version', 'util'];
const BELOW_CLIENT = ['protocol', 'commands', 'connection', 'pool', 'metrics', 'cache', ...LEAVES];

/**
 * What each part may import besides itself. A part is a directory of src/ or a root file
 * without its extension (`errors`, `validate`, `version`, `index`). Tools may import anything.
 */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  protocol: ['errors'],
  commands: ['protocol', 'util', 'errors'],
  connection: ['protocol', 'commands', 'metrics', ...LEAVES],
  pool: ['metrics', ...LEAVES],
  metrics: ['protocol', 'commands', ...LEAVES],
  // The client-side cache: kept fresh over a connection, used by the client.
  cache: ['protocol', 'commands', 'connection', 'metrics', ...LEAVES],
  client: BELOW_CLIENT,
  cluster: [...BELOW_CLIENT, 'client'],
  // Sentinel builds on the client as the cluster does; neither knows the other.
  sentinel: [...BELOW_CLIENT, 'client'],
  index: [...BELOW_CLIENT, 'client', 'cluster', 'sentinel'],
  errors: [],
  validate: ['errors'],
  version: [],
  util: [],
};

/** `client` for src/client/x.ts, `errors` for src/errors.ts. */
function partOf(srcRelative: string): string {
  const [head, ...rest] = srcRelative.split('/');
  return rest.length === 0 ? head!.replace(/\.[cm]?[jt]s$/, '') : head!;
}

/** The violation of importing `to` from `from` (both relative to src/), or undefined. */
function violation(from: string, to: string): string | undefined {
  const source = partOf(from);
  const target = partOf(to);
  if (source === target) return undefined;
  const allowed = ALLOWED[source];
  if (allowed === undefined) {
    assert.ok(TOOLS.includes(source), `src/${from}: part "${source}" has no layering rule`);
    return undefined;
  }
  return allowed.includes(target)
    ? undefined
    : `src/${from} imports src/${to} (${source} → ${target})`;
}

// import … from '…', export … from '…', import '…', import('…'): the specifier of each.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

/** The src-relative targets of a file's relative imports. */
function importsOf(from: string, code: string): string[] {
  // Comments may quote import lines; they are not imports.
  const stripped = code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const targets: string[] = [];
  for (const match of stripped.matchAll(SPECIFIER)) {
    const specifier = match[1]!;
    if (!specifier.startsWith('.')) continue;
    targets.push(normalize(join(dirname(from), specifier)).replace(/\\/g, '/'));
  }
  return targets;
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(SRC, join(e.parentPath, e.name)).replace(/\\/g, '/'))
    .sort();
}

describe('layering lint', () => {
  it('catches imports that point up, of every kind', () => {
    const cases: [string, string][] = [
      ['protocol/decoder.ts', "import { RespoolClient } from '../client/client.js';"],
      ['protocol/decoder.ts', "import { x } from '../validate.js';"],
      ['commands/table.ts', "import type { Connection } from '../connection/connection.js';"],
      ['connection/connection.ts', "export { Pool } from '../pool/pool.js';"],
      ['pool/pool.ts', "const m = await import('../connection/connect.js');"],
      ['metrics/prometheus.ts', "import '../client/client.js';"],
      ['client/client.ts', "import { ClusterEngine } from '../cluster/cluster-engine.js';"],
      ['cluster/cluster-client.ts', "import { runDoctor } from '../doctor/doctor.js';"],
      ['client/client.ts', "import { x } from '../proxy/server.js';"],
      ['index.ts', "export { runDemo } from './demo/run-demo.js';"],
      ['errors.ts', "import { x } from './protocol/resp-types.js';"],
    ];
    for (const [from, code] of cases) {
      const found = importsOf(from, code).map((to) => violation(from, to));
      assert.ok(found[0] !== undefined, `${from}: ${code}`);
    }
    assert.equal(violation('client/client.ts', 'connection/connection.ts'), undefined);
    assert.equal(violation('cli/doctor.ts', 'doctor/doctor.ts'), undefined);
    assert.deepEqual(
      importsOf('client/a.ts', "// import x from '../cluster/y.js';\n/* from '../cli/z.js' */"),
      [],
    );
  });

  it('every import under src/ points down the layers', async () => {
    const files = await sourceFiles(SRC);
    assert.ok(files.length > 100, 'src/ was read');
    const violations: string[] = [];
    for (const from of files) {
      const code = await readFile(join(SRC, from), 'utf8');
      for (const to of importsOf(from, code)) {
        const found = violation(from, to);
        if (found !== undefined) violations.push(found);
      }
    }
    assert.deepEqual(violations, []);
  });
});
