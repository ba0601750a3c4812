/**
 * How a group is named in findings and tables. Empty names and lib-names are shown as such
 * rather than left blank, so "no name" cannot be mistaken for a rendering glitch.
 */
import type { GroupKey } from './report-model.js';

/** Shown for a connection that set no CLIENT SETNAME. */
export const NO_NAME = '(no name)';
/** Shown for a client library that set no lib-name. */
export const NO_LIB_NAME = '(not set)';
/** Shown where the server's CLIENT LIST has no lib-name field (before Redis 7.2). */
export const LIB_NAME_NOT_REPORTED = '(not reported by this server)';

/**
 * The group in prose: `pool "orders-api" on 10.0.0.5 (lib-name ioredis)`, `host 10.0.0.5`,
 * `name "orders-api"`, `unnamed pool on 10.0.0.5`.
 */
export function groupLabel(key: GroupKey): string {
  const lib =
    key.libName === null ? '' : key.libName === '' ? 'lib-name not set' : `lib-name ${key.libName}`;
  if (key.host !== null && key.name !== null) {
    const pool = key.name === '' ? 'unnamed pool' : `pool "${key.name}"`;
    return `${pool} on ${key.host}${lib === '' ? '' : ` (${lib})`}`;
  }
  if (key.host !== null) return `host ${key.host}`;
  if (key.name !== null) return key.name === '' ? 'unnamed connections' : `name "${key.name}"`;
  return lib;
}

/** A group's name cell for tables. */
export function nameCell(name: string | null): string {
  return name === null ? '' : name === '' ? NO_NAME : name;
}

/** A group's lib-name cell for tables. */
export function libNameCell(libName: string | null, reported: boolean): string {
  if (!reported) return LIB_NAME_NOT_REPORTED;
  return libName === null ? '' : libName === '' ? NO_LIB_NAME : libName;
}
