/**
 * A POSIX-shell-like reader for command lines typed at the sandbox's text front end.
 *
 * It only reads: quoting (single, double, backslash), `$VAR` / `${VAR}` and `~` expansion from a
 * supplied variable map, comments, env-var prefixes (`FOO=1 cmd`), redirections, pipes, `&&`, `||`,
 * `;` and `&`. Nothing here (or anywhere in the simulator) is ever executed on the host.
 *
 * Deliberately not modelled: subshells and groups (`(`, `)`, `{`, `}` read as ordinary words),
 * here-documents (`<<`, a syntax error), command substitution (`$(...)` and backticks stay literal
 * text). Expanded values are not word-split (the sandbox's values contain no blanks).
 *
 * Every input string gives a result; the reader never throws.
 */

export interface Assignment {
  readonly name: string;
  readonly value: string;
}

export type RedirectOp = '>' | '>>' | '<' | '&>' | '&>>' | '>&' | '<&' | '>|' | '<>';

export interface Redirect {
  /** The file descriptor redirected (1 for `>`, 0 for `<`, -1 for `&>` meaning stdout and stderr). */
  readonly fd: number;
  readonly op: RedirectOp;
  readonly target: string;
}

export interface SimpleCommand {
  readonly assignments: readonly Assignment[];
  readonly argv: readonly string[];
  readonly redirects: readonly Redirect[];
}

export interface Pipeline {
  readonly commands: readonly SimpleCommand[];
  /** `! cmd`: the exit status is inverted. */
  readonly negated: boolean;
}

/** How a pipeline is joined to the one before it: run always, only after success, only after failure. */
export type Connector = ';' | '&&' | '||';

export interface ListEntry {
  readonly connector: Connector;
  readonly pipeline: Pipeline;
  /** Terminated by `&`: run in the background. */
  readonly background: boolean;
}

export type ReadResult =
  | { readonly ok: true; readonly entries: readonly ListEntry[] }
  | {
      readonly ok: false;
      /** Bash-style message, without the `bash: ` prefix. */
      readonly error: string;
      /** True when more input could complete the line (open quote, trailing `\`, `&&`, `|`). */
      readonly incomplete: boolean;
    };

export interface ReadOptions {
  /** Variables for `$NAME` expansion; unknown names expand to the empty string, as in sh. */
  readonly vars?: Readonly<Record<string, string>>;
  /** Home directory for `~` expansion (defaults to `vars.HOME`, else `~` stays literal). */
  readonly home?: string;
}

type Token =
  | { readonly kind: 'word'; readonly text: string; readonly assignable: boolean; readonly quoted: boolean }
  | { readonly kind: 'op'; readonly op: string; readonly fd?: number };

class ReadError {
  constructor(
    readonly message: string,
    readonly incomplete: boolean,
  ) {}
}

const OPERATORS = ['&>>', '&&', '&>', '||', '>>', '>&', '>|', '<<', '<&', '<>', ';;', '|&', '|', '&', ';', '<', '>'];
const OPERATOR_START = new Set(['|', '&', ';', '<', '>']);
const BLANK = new Set([' ', '\t', '\n', '\r']);
const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=/;
const SPECIAL_PARAMS = new Set(['?', '$', '!', '#', '@', '*', '-', '0']);

function lookup(vars: Readonly<Record<string, string>>, name: string): string | undefined {
  return Object.hasOwn(vars, name) ? vars[name] : undefined;
}

/** Reads a `$...` expansion starting at s[i] === '$'. Returns the text and the index after it. */
function readDollar(s: string, i: number, vars: Readonly<Record<string, string>>): [string, number] {
  const next = s[i + 1];
  if (next === undefined) return ['$', i + 1];
  if (next === '{') {
    const close = s.indexOf('}', i + 2);
    if (close < 0) throw new ReadError("unexpected EOF while looking for matching `}'", true);
    const inner = s.slice(i + 2, close);
    // `${VAR:-default}` and friends: honour the default form, which scripts use; others read the name.
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(?::?-(.*))?$/s.exec(inner);
    if (!m) throw new ReadError(`\${${inner}}: bad substitution`, false);
    const value = lookup(vars, m[1]!);
    return [value !== undefined && value !== '' ? value : (m[2] ?? ''), close + 1];
  }
  if (NAME_START.test(next)) {
    let j = i + 1;
    while (j < s.length && NAME_CHAR.test(s[j]!)) j++;
    return [lookup(vars, s.slice(i + 1, j)) ?? '', j];
  }
  if (SPECIAL_PARAMS.has(next) || /[1-9]/.test(next)) return [lookup(vars, next) ?? '', i + 2];
  return ['$', i + 1];
}

function lex(s: string, opts: ReadOptions): Token[] {
  const vars = opts.vars ?? {};
  const home = opts.home ?? vars.HOME;
  const tokens: Token[] = [];
  let word: string | null = null;
  // Characters appended before the first quote or escape; an assignment's `NAME=` must lie there.
  let unquotedPrefix = 0;
  let sawQuote = false;

  const append = (text: string, quoted: boolean): void => {
    if (word === null) word = '';
    if (quoted) sawQuote = true;
    word += text;
    if (!sawQuote) unquotedPrefix = word.length;
  };
  const endWord = (): void => {
    if (word === null) return;
    const m = ASSIGNMENT.exec(word);
    tokens.push({ kind: 'word', text: word, assignable: m !== null && m[0].length <= unquotedPrefix, quoted: sawQuote });
    word = null;
    unquotedPrefix = 0;
    sawQuote = false;
  };

  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (BLANK.has(c)) {
      endWord();
      i++;
    } else if (c === '\\') {
      const next = s[i + 1];
      if (next === undefined) throw new ReadError('unexpected EOF after `\\\'', true);
      if (next === '\n') i += 2; // line continuation
      else {
        append(next, true);
        i += 2;
      }
    } else if (c === "'") {
      const close = s.indexOf("'", i + 1);
      if (close < 0) throw new ReadError("unexpected EOF while looking for matching `''", true);
      append(s.slice(i + 1, close), true);
      i = close + 1;
    } else if (c === '"') {
      let j = i + 1;
      let text = '';
      for (;;) {
        if (j >= s.length) throw new ReadError('unexpected EOF while looking for matching `"\'', true);
        const d = s[j]!;
        if (d === '"') break;
        if (d === '\\' && j + 1 < s.length && '$`"\\\n'.includes(s[j + 1]!)) {
          if (s[j + 1] !== '\n') text += s[j + 1];
          j += 2;
        } else if (d === '$') {
          const [value, after] = readDollar(s, j, vars);
          text += value;
          j = after;
        } else {
          text += d;
          j++;
        }
      }
      append(text, true);
      i = j + 1;
    } else if (c === '$') {
      const [value, after] = readDollar(s, i, vars);
      append(value, after > i + 1 && value !== '$');
      i = after;
    } else if (c === '#' && word === null) {
      break; // comment to end of line
    } else if (c === '~' && word === null && home !== undefined && (i + 1 >= s.length || /[/\s;|&<>]/.test(s[i + 1]!))) {
      append(home, false);
      i++;
    } else if (OPERATOR_START.has(c)) {
      // `2>file`, `2>&1`: an all-digit unquoted word right before a redirection is its fd.
      let fd: number | undefined;
      const pending = word as string | null;
      if ((c === '<' || c === '>') && pending !== null && !sawQuote && /^\d{1,3}$/.test(pending)) {
        fd = Number(pending);
        word = null;
        unquotedPrefix = 0;
      } else endWord();
      const op = OPERATORS.find((o) => s.startsWith(o, i))!;
      tokens.push(fd === undefined ? { kind: 'op', op } : { kind: 'op', op, fd });
      i += op.length;
    } else {
      append(c, false);
      i++;
    }
  }
  endWord();
  return tokens;
}

const REDIRECT_OPS = new Set<string>(['>', '>>', '<', '&>', '&>>', '>&', '<&', '>|', '<>']);
const DEFAULT_FD: Record<string, number> = { '<': 0, '<&': 0, '<>': 0, '&>': -1, '&>>': -1 };

function unexpected(tok: Token | undefined): ReadError {
  if (tok === undefined) return new ReadError("syntax error near unexpected token `newline'", false);
  return new ReadError(`syntax error near unexpected token \`${tok.kind === 'op' ? tok.op : tok.text}'`, false);
}

function parse(tokens: Token[]): ListEntry[] {
  const entries: ListEntry[] = [];
  let pos = 0;
  let connector: Connector = ';';

  const parseCommand = (): SimpleCommand => {
    const assignments: Assignment[] = [];
    const argv: string[] = [];
    const redirects: Redirect[] = [];
    while (pos < tokens.length) {
      const tok = tokens[pos]!;
      if (tok.kind === 'word') {
        const m = tok.assignable && argv.length === 0 ? ASSIGNMENT.exec(tok.text) : null;
        if (m) assignments.push({ name: m[1]!, value: tok.text.slice(m[0].length) });
        else argv.push(tok.text);
        pos++;
      } else if (REDIRECT_OPS.has(tok.op)) {
        const target = tokens[pos + 1];
        if (target === undefined || target.kind !== 'word') throw unexpected(target);
        redirects.push({ fd: tok.fd ?? DEFAULT_FD[tok.op] ?? 1, op: tok.op as RedirectOp, target: target.text });
        pos += 2;
      } else if (tok.op === '<<') {
        throw new ReadError('here-documents are not supported in the sandbox shell', false);
      } else break;
    }
    if (assignments.length === 0 && argv.length === 0 && redirects.length === 0) throw unexpected(tokens[pos]);
    return { assignments, argv, redirects };
  };

  while (pos < tokens.length) {
    let negated = false;
    const first = tokens[pos]!;
    if (first.kind === 'word' && first.text === '!' && !first.quoted) {
      negated = true;
      pos++;
    }
    const commands = [parseCommand()];
    while (pos < tokens.length) {
      const tok = tokens[pos]!;
      if (tok.kind !== 'op' || (tok.op !== '|' && tok.op !== '|&')) break;
      pos++;
      if (pos >= tokens.length) throw new ReadError('unexpected end of line after `|\'', true);
      commands.push(parseCommand());
    }
    let background = false;
    const sep = tokens[pos];
    if (sep !== undefined) {
      if (sep.kind !== 'op') throw unexpected(sep);
      if (sep.op === '&') background = true;
      else if (sep.op !== ';' && sep.op !== '&&' && sep.op !== '||') throw unexpected(sep);
      pos++;
    }
    entries.push({ connector, pipeline: { commands, negated }, background });
    if (sep !== undefined && sep.kind === 'op') {
      if ((sep.op === '&&' || sep.op === '||') && pos >= tokens.length) {
        throw new ReadError(`unexpected end of line after \`${sep.op}'`, true);
      }
      connector = sep.op === '&&' || sep.op === '||' ? sep.op : ';';
    }
  }
  return entries;
}

/** Reads one command line into a list of pipelines. Never throws. */
export function readCommandLine(line: string, opts: ReadOptions = {}): ReadResult {
  try {
    return { ok: true, entries: parse(lex(line, opts)) };
  } catch (e) {
    if (e instanceof ReadError) return { ok: false, error: e.message, incomplete: e.incomplete };
    // A reader bug must not crash an interactive session; surface it as a syntax error instead.
    return { ok: false, error: `syntax error (${e instanceof Error ? e.message : String(e)})`, incomplete: false };
  }
}

/** Quotes a word so that `readCommandLine` reads it back unchanged (for rendering command lines). */
export function quoteWord(w: string): string {
  // `NAME=x` is quoted too: first on a line it would read as an assignment.
  if (w !== '' && /^[A-Za-z0-9_@%+=:,./~-]+$/.test(w) && !w.startsWith('~') && !ASSIGNMENT.test(w)) return w;
  return `'${w.replaceAll("'", `'\\''`)}'`;
}
