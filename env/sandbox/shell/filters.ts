/**
 * Text filters that may follow a command in a pipeline (`ps aux | grep xmrig | head -3`).
 *
 * They transform the simulated command's rendered output and nothing else: a filter is not a tool
 * call, so it never advances the sandbox. Supported: grep, head, tail, wc, sort, uniq, cat, tee,
 * less, more. Unknown options give the tool's usage error, as a real shell would.
 */

export interface FilterResult {
  readonly output: string;
  /** Exit status: grep gives 1 when nothing matched, 2 on a usage error. */
  readonly status: number;
}

type Filter = (args: readonly string[], input: string) => FilterResult;

function lines(text: string): string[] {
  if (text === '') return [];
  const ls = text.split('\n');
  if (ls[ls.length - 1] === '') ls.pop();
  return ls;
}

function joinLines(ls: readonly string[]): string {
  return ls.length === 0 ? '' : ls.join('\n') + '\n';
}

/** `-n 5`, `-n5`, `-5`, `--lines=5`; returns null on a malformed count. */
function readCount(args: readonly string[], fallback: number): number | null {
  let n = fallback;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    let v: string | undefined;
    if (a === '-n' || a === '--lines') v = args[++i];
    else if (a.startsWith('--lines=')) v = a.slice(8);
    else if (/^-n\d+$/.test(a)) v = a.slice(2);
    else if (/^-\d+$/.test(a)) v = a.slice(1);
    else if (/^\+?\d+$/.test(a) && i > 0 && args[i - 1] === '-n') v = a;
    else continue;
    if (v === undefined || !/^\+?\d+$/.test(v)) return null;
    n = Number(v.replace('+', ''));
  }
  return n;
}

function grep(args: readonly string[], input: string): FilterResult {
  let invert = false;
  let ignoreCase = false;
  let count = false;
  let numbers = false;
  let fixed = false;
  let word = false;
  let quiet = false;
  let pattern: string | undefined;
  const extra: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-e') {
      pattern = args[++i];
      continue;
    }
    if (a.startsWith('--')) {
      if (a === '--invert-match') invert = true;
      else if (a === '--ignore-case') ignoreCase = true;
      else if (a === '--count') count = true;
      else if (a === '--fixed-strings') fixed = true;
      else if (a === '--quiet' || a === '--silent') quiet = true;
      else if (a === '--color' || a.startsWith('--color=')) continue;
      else return { output: `grep: unrecognized option '${a}'\n`, status: 2 };
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (const f of a.slice(1)) {
        if (f === 'v') invert = true;
        else if (f === 'i') ignoreCase = true;
        else if (f === 'c') count = true;
        else if (f === 'n') numbers = true;
        else if (f === 'F') fixed = true;
        else if (f === 'w') word = true;
        else if (f === 'q') quiet = true;
        else if (f === 'E' || f === 'G' || f === 'a' || f === 'H' || f === 'h') continue;
        else return { output: `grep: invalid option -- '${f}'\n`, status: 2 };
      }
      continue;
    }
    if (pattern === undefined) pattern = a;
    else extra.push(a);
  }
  if (pattern === undefined) return { output: 'Usage: grep [OPTION]... PATTERNS [FILE]...\n', status: 2 };
  if (extra.length > 0) {
    // With a file operand grep would read the file, not the pipe; the sandbox has no such file.
    return { output: `grep: ${extra[0]}: No such file or directory\n`, status: 2 };
  }
  let re: RegExp;
  const flags = ignoreCase ? 'i' : '';
  const literal = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  try {
    // Basic and extended regexps are read as JS regexps; `\|` (GNU basic alternation) becomes `|`.
    const source = fixed ? literal : pattern.replaceAll('\\|', '|');
    re = new RegExp(word ? `\\b(?:${source})\\b` : source, flags);
  } catch {
    re = new RegExp(word ? `\\b${literal}\\b` : literal, flags);
  }
  const matched: string[] = [];
  lines(input).forEach((l, idx) => {
    if (re.test(l) !== invert) matched.push(numbers ? `${idx + 1}:${l}` : l);
  });
  const status = matched.length > 0 ? 0 : 1;
  if (quiet) return { output: '', status };
  if (count) return { output: `${matched.length}\n`, status };
  return { output: joinLines(matched), status };
}

function head(args: readonly string[], input: string): FilterResult {
  const n = readCount(args, 10);
  if (n === null) return { output: 'head: invalid number of lines\n', status: 1 };
  return { output: joinLines(lines(input).slice(0, n)), status: 0 };
}

function tail(args: readonly string[], input: string): FilterResult {
  const n = readCount(args, 10);
  if (n === null) return { output: 'tail: invalid number of lines\n', status: 1 };
  const ls = lines(input);
  return { output: joinLines(n === 0 ? [] : ls.slice(-n)), status: 0 };
}

function wc(args: readonly string[], input: string): FilterResult {
  const counts = {
    l: input.split('\n').length - 1,
    w: input.split(/\s+/).filter((w) => w !== '').length,
    c: Buffer.byteLength(input),
  };
  const wanted = args.flatMap((a) => (a.startsWith('-') ? [...a.slice(1)] : []));
  const keys = (wanted.length === 0 ? ['l', 'w', 'c'] : wanted.filter((k) => k in counts)) as (keyof typeof counts)[];
  const width = keys.length === 1 ? 0 : 7;
  return { output: keys.map((k) => String(counts[k]).padStart(width)).join(' ') + '\n', status: 0 };
}

function sort(args: readonly string[], input: string): FilterResult {
  const flags = args.flatMap((a) => (a.startsWith('-') ? [...a.slice(1)] : []));
  const ls = lines(input);
  if (flags.includes('n')) ls.sort((a, b) => parseFloat(a) - parseFloat(b) || (a < b ? -1 : a > b ? 1 : 0));
  else ls.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (flags.includes('r')) ls.reverse();
  const out = flags.includes('u') ? ls.filter((l, i) => i === 0 || l !== ls[i - 1]) : ls;
  return { output: joinLines(out), status: 0 };
}

function uniq(args: readonly string[], input: string): FilterResult {
  const ls = lines(input);
  const runs: [string, number][] = [];
  for (const l of ls) {
    const last = runs[runs.length - 1];
    if (last && last[0] === l) last[1]++;
    else runs.push([l, 1]);
  }
  const withCount = args.includes('-c');
  return {
    output: joinLines(runs.map(([l, n]) => (withCount ? `${String(n).padStart(7)} ${l}` : l))),
    status: 0,
  };
}

const passThrough: Filter = (_args, input) => ({ output: input, status: 0 });

const FILTERS: Readonly<Record<string, Filter>> = {
  grep,
  egrep: grep,
  fgrep: (args, input) => grep(['-F', ...args], input),
  head,
  tail,
  wc,
  sort,
  uniq,
  less: passThrough,
  more: passThrough,
  tee: passThrough,
};

/** True when `argv` is a filter that reads the pipe (`cat` only without file operands). */
export function isFilter(argv: readonly string[]): boolean {
  const name = argv[0];
  if (name === undefined) return false;
  if (name === 'cat') return argv.slice(1).every((a) => a === '-' || (a.startsWith('-') && a.length > 1));
  return Object.hasOwn(FILTERS, name);
}

/** Applies a filter to piped text. Call only when `isFilter(argv)`. */
export function applyFilter(argv: readonly string[], input: string): FilterResult {
  const name = argv[0]!;
  if (name === 'cat') return passThrough([], input);
  return FILTERS[name]!(argv.slice(1), input);
}
