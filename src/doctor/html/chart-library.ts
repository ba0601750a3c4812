/**
 * Chart.js for the HTML report, read from the installed `chart.js` package at render time and
 * inlined, so the report opens offline and never fetches anything. The UMD build is the one that
 * runs from a plain `<script>` (it defines `window.Chart`).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { MissingDependencyError } from '../../errors.js';
import { assertInlineScript } from './escape.js';

/** The bundle inside the package's `dist/` folder. */
const UMD_BUNDLE = 'chart.umd.min.js';

/** Chart.js source ready to inline, and its version for the report's footer. */
export interface ChartLibrary {
  readonly source: string;
  /** From the bundle's banner; `null` when the banner has none. */
  readonly version: string | null;
}

/**
 * Read the Chart.js bundle. The package's `exports` map does not expose `dist/chart.umd.min.js`,
 * so the bundle is found next to the entry point `require.resolve('chart.js')` returns (it lives
 * in the same `dist/` folder); that resolves the same from `src/` under tsx and from `dist/`.
 * @throws MissingDependencyError when chart.js is not installed; Error when its bundle cannot be
 * inlined.
 */
export async function loadChartLibrary(): Promise<ChartLibrary> {
  const entry = resolveChartJs();
  const path = join(dirname(entry), UMD_BUNDLE);
  const raw = await readFile(path, 'utf8');
  // Devtools would fetch the map named here; the report promises no requests at all.
  const source = raw.replace(/\n\/\/# sourceMappingURL=\S*\s*$/, '\n');
  assertInlineScript(source, path);
  const version = /Chart\.js v(\d[\w.+-]*)/.exec(source.slice(0, 500))?.[1] ?? null;
  return { source, version };
}

/**
 * chart.js is an optional peer dependency: `npm i respool` installs nothing else, and only
 * `respool doctor --html` needs it.
 */
function resolveChartJs(): string {
  try {
    return createRequire(import.meta.url).resolve('chart.js');
  } catch (error) {
    throw new MissingDependencyError(
      'the HTML report needs the optional peer dependency "chart.js", which is not installed; add it next to respool (npm install chart.js)',
      { cause: error },
    );
  }
}
