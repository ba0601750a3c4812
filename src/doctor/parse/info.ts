/**
 * INFO replies: `# Section` headers, then `field:value` lines. Pure text in, plain records out.
 * Section names are lower-cased (`# Server` → `server`), field names kept as sent.
 */

/** Fields of one INFO section. */
export type InfoSection = Readonly<Record<string, string>>;

/**
 * Parse an INFO reply into sections. Fields before any header land in section `''`; a reply to
 * `INFO <section>` has exactly one header, so callers usually want {@link parseInfoFields}.
 */
export function parseInfo(text: string): Record<string, InfoSection> {
  const sections = new Map<string, Map<string, string>>();
  let current = new Map<string, string>();
  sections.set('', current);
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const name = line.slice(1).trim().toLowerCase();
      current = sections.get(name) ?? new Map<string, string>();
      sections.set(name, current);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    current.set(line.slice(0, colon), line.slice(colon + 1));
  }
  if (sections.get('')?.size === 0) sections.delete('');
  // fromEntries defines own properties, so a field named like an Object.prototype member is safe.
  return Object.fromEntries(
    [...sections].map(([name, fields]) => [name, Object.fromEntries(fields)]),
  );
}

/** Every field of an INFO reply, sections merged (a later duplicate wins). */
export function parseInfoFields(text: string): InfoSection {
  return Object.assign({}, ...Object.values(parseInfo(text))) as InfoSection;
}

/** A numeric INFO field, or `null` when absent or not a finite number. */
export function infoNumber(fields: InfoSection | undefined, name: string): number | null {
  const value = fields?.[name];
  if (value === undefined || value.trim() === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}
