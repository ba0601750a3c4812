/**
 * The published types compile for a consumer. Each project under test/types/ (ESM with
 * `moduleResolution: nodenext`, a bundler, and CommonJS requiring this ESM package) is compiled
 * with `tsc` in a temporary directory where `node_modules/respool` is this repository after
 * `npm run build`: `strict`, `skipLibCheck: false`, so every emitted declaration file is checked
 * (the way `stripInternal` once removed a type that `dist/client/stats.d.ts` still named). Next
 * to test/types/usage.ts, the test writes a file that imports every export of every entry point
 * package.json lists at the time, so a new subpath is covered without editing this file.
 */

import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import ts from 'typescript';
import {
  buildPackage,
  type PublicEntry,
  publicEntries,
  REPO_ROOT,
  runProcess,
} from '../helpers/built-package.js';

const PROJECTS = ['nodenext', 'bundler', 'node-require'] as const;
const TSC = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');

let workDir: string;
let entries: PublicEntry[];

before(async () => {
  await buildPackage();
  entries = await publicEntries();
  workDir = await mkdtemp(join(tmpdir(), 'respool-types-'));
});

after(async () => {
  await rm(workDir, { recursive: true, force: true });
});

interface EntryExports {
  readonly values: string[];
  readonly types: string[];
}

/** The export names of one declaration file, split into values and type-only names. */
function exportsOf(declarationFile: string): EntryExports {
  const program = ts.createProgram([declarationFile], { strict: true, noEmit: true });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(declarationFile);
  assert.ok(source, `${declarationFile} was not emitted`);
  const module = checker.getSymbolAtLocation(source);
  assert.ok(module, `${declarationFile} is not a module`);
  const values: string[] = [];
  const types: string[] = [];
  for (const symbol of checker.getExportsOfModule(module)) {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    (target.flags & ts.SymbolFlags.Value ? values : types).push(symbol.name);
  }
  return { values, types };
}

/** A module importing every export of every entry point under a unique local name. */
function allExportsSource(): { source: string; count: number } {
  const lines: string[] = [];
  const valueNames: string[] = [];
  const typeNames: string[] = [];
  entries.forEach((entry, i) => {
    const { values, types } = exportsOf(join(REPO_ROOT, entry.types));
    assert.ok(values.length + types.length > 0, `${entry.specifier} exports nothing`);
    const local = (name: string): string => `e${i}_${name}`;
    if (values.length > 0) {
      const list = values.map((n) => `${n} as ${local(n)}`).join(', ');
      lines.push(`import { ${list} } from '${entry.specifier}';`);
      valueNames.push(...values.map(local));
    }
    if (types.length > 0) {
      const list = types.map((n) => `${n} as ${local(n)}`).join(', ');
      lines.push(`import type { ${list} } from '${entry.specifier}';`);
      typeNames.push(...types.map(local));
    }
  });
  lines.push(`export const values = [${valueNames.join(', ')}];`);
  lines.push(`export type { ${typeNames.join(', ')} };`);
  return { source: `${lines.join('\n')}\n`, count: valueNames.length + typeNames.length };
}

/** A consumer project: the test/types/<name> config, usage.ts, all-exports.ts, node_modules. */
async function makeProject(name: string): Promise<string> {
  const dir = join(workDir, name);
  await mkdir(join(dir, 'node_modules/@types'), { recursive: true });
  const fixture = join(REPO_ROOT, 'test/types');
  await copyFile(join(fixture, name, 'tsconfig.json'), join(dir, 'tsconfig.json'));
  await copyFile(join(fixture, name, 'package.json'), join(dir, 'package.json'));
  await copyFile(join(fixture, 'usage.ts'), join(dir, 'usage.ts'));
  await writeFile(join(dir, 'all-exports.ts'), allExportsSource().source);
  await symlink(REPO_ROOT, join(dir, 'node_modules/respool'), 'dir');
  await symlink(
    join(REPO_ROOT, 'node_modules/@types/node'),
    join(dir, 'node_modules/@types/node'),
    'dir',
  );
  return dir;
}

test('package.json exports at least the library, each entry with its declarations', () => {
  assert.ok(entries.some((e) => e.specifier === 'respool'));
  for (const entry of entries) assert.match(entry.types, /\.d\.ts$/);
  assert.ok(allExportsSource().count > 50, 'the generated file imports every public export');
});

for (const name of PROJECTS) {
  test(`the published types compile in a ${name} consumer (strict, skipLibCheck false)`, async () => {
    const dir = await makeProject(name);
    const run = await runProcess(process.execPath, [TSC, '-p', dir], { cwd: dir });
    assert.equal(run.code, 0, `tsc in test/types/${name}:\n${run.stdout}${run.stderr}`);
  });
}

test('a CommonJS consumer can require() the package (engines: Node ^20.19 || >=22.12)', async () => {
  const dir = join(workDir, 'node-require');
  const script = [
    'for (const specifier of process.argv.slice(1)) {',
    '  const m = require(specifier);',
    "  if (Object.keys(m).length === 0) throw new Error(specifier + ' exports nothing');",
    '}',
    "if (typeof require('respool').createClient !== 'function') throw new Error('no createClient');",
  ].join('\n');
  const specifiers = entries.map((e) => e.specifier);
  const run = await runProcess(process.execPath, ['-e', script, ...specifiers], { cwd: dir });
  assert.equal(run.code, 0, `${run.stdout}${run.stderr}`);
});
