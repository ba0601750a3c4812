/**
 * Loading an optional peer dependency on first use. respool itself never imports
 * `@opentelemetry/api` or `prom-client` at load time: an application that does not call the
 * helpers needs neither installed.
 */
import { MissingDependencyError } from '../errors.js';

/**
 * Run `load` (a literal `import('pkg')`, so bundlers still see the specifier) and turn "not
 * installed" into a MissingDependencyError naming the package and the feature.
 * @throws MissingDependencyError when `specifier` cannot be resolved.
 */
export async function importOptional<T>(
  load: () => Promise<T>,
  specifier: string,
  feature: string,
): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (!isNotFound(error, specifier)) throw error;
    throw new MissingDependencyError(
      `${feature} needs the optional peer dependency "${specifier}", which is not installed; add it to your application (npm install ${specifier})`,
      { cause: error },
    );
  }
}

/** Resolution failed for `specifier` itself, not for something it imports. */
function isNotFound(error: unknown, specifier: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    typeof message === 'string' &&
    message.includes(`'${specifier}'`)
  );
}
