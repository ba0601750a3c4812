/**
 * The proxy's own users, separate from the upstream's credentials: `--requirepass` (the
 * `default` user) and/or a users file (`username password` per line, `#` comments). Passwords
 * are kept as SHA-256 digests and compared in constant time; none is ever logged or shown.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from '../errors.js';

export class ProxyAuth {
  /** username → SHA-256 of the password. */
  readonly #users = new Map<string, Buffer>();

  constructor(requirepass: string | undefined, users: ReadonlyMap<string, string> | undefined) {
    if (requirepass !== undefined && requirepass !== '')
      this.#users.set('default', digest(requirepass));
    for (const [user, password] of users ?? []) this.#users.set(user, digest(password));
  }

  /** Clients must authenticate before anything else. */
  get required(): boolean {
    return this.#users.size > 0;
  }

  check(user: string, password: string): boolean {
    const want = this.#users.get(user);
    const got = digest(password);
    // Compare anyway for an unknown user, so timing does not tell users apart.
    return timingSafeEqual(want ?? got.map((b) => b ^ 0xff), got) && want !== undefined;
  }

  /** Parse a users file. @throws InvalidArgumentError naming the line. */
  static readUsersFile(path: string): Map<string, string> {
    const users = new Map<string, string>();
    const lines = readFileSync(path, 'utf8').split(/\r?\n/);
    lines.forEach((line, i) => {
      const text = line.trim();
      if (text === '' || text.startsWith('#')) return;
      const at = text.search(/\s/);
      if (at <= 0) {
        throw new InvalidArgumentError(
          `users file ${path}, line ${i + 1}: expected "username password"`,
        );
      }
      users.set(text.slice(0, at), text.slice(at).trim());
    });
    return users;
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
