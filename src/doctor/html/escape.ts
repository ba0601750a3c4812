/**
 * Getting text and data into the HTML report without letting it become markup or script. Client
 * names, lib-names, hosts and server error messages come from whoever can connect to the server,
 * so every such string passes through here before it reaches the page.
 */

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** `text` safe as element content and as a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * `value` as JSON that can sit inside `<script type="application/json">`: `<`, `>` and `&` become
 * `\u003c`-style escapes, so neither `</script>` nor `<!--` can appear and end or confuse the
 * element, while `JSON.parse` still returns the original strings. U+2028/2029 are escaped too,
 * for readers that treat the text as JavaScript.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * Throws when `source` cannot be placed verbatim inside a `<script>` element. Script code cannot
 * be escaped the way JSON can without risking a change of meaning, so a library that ever
 * contains these sequences must fail the render rather than produce a broken page.
 */
export function assertInlineScript(source: string, what: string): void {
  const match = /<\/script|<!--|<script/i.exec(source);
  if (match !== null) {
    throw new Error(`${what} contains ${JSON.stringify(match[0])} and cannot be inlined safely`);
  }
}
