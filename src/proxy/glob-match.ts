/**
 * Redis's glob-style pattern matching (PSUBSCRIBE, KEYS, SCAN MATCH), byte for byte: `*` any
 * run, `?` one byte, `[abc]`, `[^abc]`, `[a-z]` (reversed ranges allowed), `\x` a literal `x`;
 * case-sensitive. The proxy needs it to know which of its clients' patterns a PUBLISH reaches.
 * Iterative with one backtrack point for the last `*`, so a hostile pattern costs O(n·m), not
 * exponential time.
 */

const STAR = 0x2a;
const QUESTION = 0x3f;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const CARET = 0x5e;
const BACKSLASH = 0x5c;
const DASH = 0x2d;

export function globMatch(pattern: Uint8Array, subject: Uint8Array): boolean {
  let p = 0;
  let s = 0;
  // Where to resume after the last `*`: the pattern after it, and the subject byte it took last.
  let starP = -1;
  let starS = 0;
  while (s < subject.length) {
    if (p < pattern.length) {
      const c = pattern[p]!;
      if (c === STAR) {
        while (p < pattern.length && pattern[p] === STAR) p++;
        if (p === pattern.length) return true;
        starP = p;
        starS = s;
        continue;
      }
      const next = matchOne(pattern, p, subject[s]!);
      if (next !== -1) {
        p = next;
        s++;
        continue;
      }
    }
    if (starP === -1) return false;
    // Let the last `*` take one more byte and try again from after it.
    p = starP;
    s = ++starS;
  }
  while (p < pattern.length && pattern[p] === STAR) p++;
  return p === pattern.length;
}

/** Match one subject byte at pattern position `p`: the position after the token, or -1. */
function matchOne(pattern: Uint8Array, p: number, byte: number): number {
  const c = pattern[p]!;
  if (c === QUESTION) return p + 1;
  if (c === BACKSLASH && p + 1 < pattern.length) return pattern[p + 1] === byte ? p + 2 : -1;
  if (c !== OPEN) return c === byte ? p + 1 : -1;
  let i = p + 1;
  const not = pattern[i] === CARET;
  if (not) i++;
  let match = false;
  for (;;) {
    if (i >= pattern.length) {
      // An unclosed class ends with the pattern, as the server reads it.
      break;
    }
    const x = pattern[i]!;
    if (x === BACKSLASH && i + 1 < pattern.length) {
      if (pattern[i + 1] === byte) match = true;
      i += 2;
    } else if (x === CLOSE) {
      i++;
      break;
    } else if (i + 2 < pattern.length && pattern[i + 1] === DASH) {
      let lo = x;
      let hi = pattern[i + 2]!;
      if (lo > hi) [lo, hi] = [hi, lo];
      if (byte >= lo && byte <= hi) match = true;
      i += 3;
    } else {
      if (x === byte) match = true;
      i++;
    }
  }
  return match !== not ? i : -1;
}
