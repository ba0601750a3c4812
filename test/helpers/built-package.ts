/**
 * The package as it is published: `npm run build` into `dist/` (once per test process), the
 * subpaths `package.json` exports, and a child-process runner for `tsc`, `npm` and `node`.
 * Used by the tests that check what a consumer of the published package sees.
 */

import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ProcessRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run `command` to completion and collect its output; never rejects on a non-zero exit. */
export function runProcess(
  command: string,
  args: readonly string[],
  options: { readonly cwd: string; readonly env?: NodeJS.ProcessEnv },
): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let build: Promise<void> | undefined;

/** `npm run build` in the repository, once per process: `dist/` as `npm pack` would ship it. */
export function buildPackage(): Promise<void> {
  build ??= runProcess('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT }).then((run) => {
    if (run.code !== 0) throw new Error(`npm run build failed:\n${run.stdout}${run.stderr}`);
  });
  return build;
}

export interface PackageJson {
  readonly name: string;
  readonly exports: Readonly<Record<string, string | Readonly<Record<string, string>>>>;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
  readonly peerDependenciesMeta?: Readonly<Record<string, { readonly optional?: boolean }>>;
  readonly [field: string]: unknown;
}

export async function readPackageJson(): Promise<PackageJson> {
  return JSON.parse(await readFile(`${REPO_ROOT}package.json`, 'utf8')) as PackageJson;
}

export interface PublicEntry {
  /** The specifier a consumer writes: `respool`, `respool/doctor`, … */
  readonly specifier: string;
  /** The declaration file behind it, relative to the package root. */
  readonly types: string;
}

/** Every code entry point `package.json` exports (not `./package.json`), with its types. */
export async function publicEntries(): Promise<PublicEntry[]> {
  const pkg = await readPackageJson();
  const entries: PublicEntry[] = [];
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    if (subpath === './package.json') continue;
    const types = typeof target === 'string' ? undefined : target['types'];
    if (types === undefined) throw new Error(`package.json exports ${subpath} without types`);
    const specifier = subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`;
    entries.push({ specifier, types });
  }
  return entries;
}
