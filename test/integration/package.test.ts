/**
 * The package as npm ships it: `npm pack`, then the tarball installed into an empty project
 * with `npm install --offline --omit=dev`. Checks that the tarball carries no source maps (they
 * would point at a src/ that is not shipped), carries the LICENSE and every file package.json
 * exports, that installing it installs nothing else (zero runtime dependencies: the tools'
 * libraries are optional peers), and, with a resolve hook that records every module Node
 * loads, that `import('respool')` loads no doctor, demo, CLI or proxy code.
 */

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  buildPackage,
  type PackageJson,
  publicEntries,
  REPO_ROOT,
  readPackageJson,
  runProcess,
} from '../helpers/built-package.js';

/** Parts of the package the library must never load (docs/architecture.md, "Package layout"). */
const TOOL_DIRECTORIES = ['doctor', 'demo', 'cli', 'proxy'];

let workDir: string;
let projectDir: string;
let packedFiles: string[];
let pkg: PackageJson;

before(async () => {
  await buildPackage();
  pkg = await readPackageJson();
  workDir = await mkdtemp(join(tmpdir(), 'respool-package-'));
  const pack = await runProcess('npm', ['pack', '--json', '--pack-destination', workDir], {
    cwd: REPO_ROOT,
  });
  assert.equal(pack.code, 0, pack.stderr);
  const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  assert.ok(info);
  packedFiles = info.files.map((f) => f.path);
  projectDir = join(workDir, 'consumer');
  await mkdir(projectDir);
  await writeFile(
    join(projectDir, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  const install = await runProcess(
    'npm',
    [
      'install',
      join(workDir, info.filename),
      '--offline',
      '--omit=dev',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
    ],
    { cwd: projectDir },
  );
  assert.equal(install.code, 0, `${install.stdout}${install.stderr}`);
});

after(async () => {
  await rm(workDir, { recursive: true, force: true });
});

test('package.json: no runtime dependencies, MIT, repository, keywords, engines', () => {
  assert.deepEqual(pkg.dependencies ?? {}, {}, 'npm i respool must install nothing else');
  for (const name of Object.keys(pkg.peerDependencies ?? {})) {
    assert.equal(pkg.peerDependenciesMeta?.[name]?.optional, true, `peer ${name} is optional`);
  }
  assert.equal(pkg['license'], 'MIT');
  assert.match(JSON.stringify(pkg['repository']), /"url":"git\+https:\/\//);
  assert.ok(Array.isArray(pkg['keywords']) && pkg['keywords'].includes('redis'));
  assert.deepEqual(pkg['engines'], { node: '^20.19.0 || >=22.12.0' });
});

test('the tarball: LICENSE, every exported file, no source maps, no sources', async () => {
  assert.ok(packedFiles.includes('LICENSE'));
  assert.match(await readFile(join(REPO_ROOT, 'LICENSE'), 'utf8'), /^MIT License/);
  assert.ok(packedFiles.includes('README.md'));
  for (const entry of await publicEntries()) {
    assert.ok(packedFiles.includes(entry.types.replace(/^\.\//, '')), entry.types);
    assert.ok(packedFiles.includes(entry.types.replace(/^\.\//, '').replace(/\.d\.ts$/, '.js')));
  }
  assert.deepEqual(
    packedFiles.filter((f) => f.endsWith('.map')),
    [],
  );
  assert.deepEqual(
    packedFiles.filter((f) => f.startsWith('src/') || f.startsWith('test/')),
    [],
  );
});

test('installing the tarball installs zero other packages', async () => {
  const installed = (await readdir(join(projectDir, 'node_modules'))).filter(
    (name) => !name.startsWith('.'),
  );
  assert.deepEqual(installed, ['respool']);
});

/** Every module URL Node resolves while `code` runs in the consumer project. */
async function loadedModules(code: string): Promise<string[]> {
  const log = join(workDir, `loaded-${Math.random().toString(36).slice(2)}.txt`);
  await writeFile(
    join(projectDir, 'record-hooks.mjs'),
    [
      "import { appendFileSync } from 'node:fs';",
      'export async function resolve(specifier, context, next) {',
      '  const result = await next(specifier, context);',
      "  appendFileSync(process.env.RESPOOL_LOAD_LOG, result.url + '\\n');",
      '  return result;',
      '}',
    ].join('\n'),
  );
  await writeFile(
    join(projectDir, 'record.mjs'),
    "import { register } from 'node:module';\nregister('./record-hooks.mjs', import.meta.url);\n",
  );
  await writeFile(log, '');
  const run = await runProcess(
    process.execPath,
    ['--import', './record.mjs', '--input-type=module', '-e', code],
    { cwd: projectDir, env: { ...process.env, RESPOOL_LOAD_LOG: log } },
  );
  assert.equal(run.code, 0, `${run.stdout}${run.stderr}`);
  return (await readFile(log, 'utf8')).split('\n').filter((line) => line !== '');
}

function packageModules(urls: readonly string[]): string[] {
  const marker = '/node_modules/respool/dist/';
  return urls
    .filter((u) => u.includes(marker))
    .map((u) => u.slice(u.indexOf(marker) + marker.length));
}

test("import('respool') loads the library and no doctor, demo, CLI or proxy module", async () => {
  const loaded = packageModules(
    await loadedModules(
      "const r = await import('respool'); if (typeof r.createClient !== 'function') process.exit(3);",
    ),
  );
  assert.ok(loaded.includes('index.js'), loaded.join(', '));
  assert.ok(loaded.includes('client/client.js'));
  const tools = loaded.filter((path) => TOOL_DIRECTORIES.includes(path.split('/')[0]!));
  assert.deepEqual(tools, []);
});

test("import('respool/doctor') loads the doctor, still no demo or CLI module", async () => {
  const loaded = packageModules(
    await loadedModules(
      "const d = await import('respool/doctor'); if (typeof d.runDoctor !== 'function') process.exit(3);",
    ),
  );
  assert.ok(loaded.includes('doctor/index.js'), loaded.join(', '));
  const tools = loaded.filter((path) => ['demo', 'cli', 'proxy'].includes(path.split('/')[0]!));
  assert.deepEqual(tools, []);
});
