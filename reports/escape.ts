/**
 * Escaping for everything that goes into the report: every string read from a run directory
 * (scenario descriptions, shaping names, commands, terminal output) passes through one of these.
 */

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text or attribute value: the five characters that can change HTML structure become entities. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * JSON for a `<script type="application/json">` element. `<`, `>` and `&` are written as `\u003c`
 * etc. so no `</script>` or `<!--` can end or confuse the element, and U+2028/U+2029 as escapes so
 * the text stays valid if it is ever read as JavaScript. JSON.parse gives back the same value.
 */
export function jsonForHtml(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A Markdown table cell: HTML-significant characters become entities (GitHub renders inline HTML),
 * pipes are escaped and line breaks flattened so the row stays one row.
 */
export function escapeMarkdownCell(text: string): string {
  return escapeMarkdownText(text).replace(/\|/g, '\\|');
}

/** Markdown prose: no inline HTML, no emphasis/link syntax from file contents, one line. */
export function escapeMarkdownText(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/[&<>]/g, (c) => HTML_ESCAPES[c]!)
    .replace(/([\\`*_[\]#!])/g, '\\$1');
}

/** Inline code in Markdown: a backtick fence longer than any run of backticks inside. */
export function markdownCode(text: string): string {
  const flat = text.replace(/[\r\n]+/g, ' ');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** POSIX shell quoting for showing a command that can be pasted back into a shell. */
export function shellQuote(arg: string): string {
  if (arg !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
