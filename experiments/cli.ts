/**
 * What the command-line entry points share: the yargs settings, and how main's outcome becomes an
 * exit code. Bad input is one line `NAME: message` on stderr and exit 2; any other error is the
 * first line of its message and exit 1; never a stack trace unless a CLI asks for one.
 */
import type { Argv } from 'yargs';
import type { Scenario } from '../env/sandbox/scenario.js';
import { listScenarios, loadScenario, looksLikePath, ScenarioError } from '../scenarios/loader.js';
import { HYPERPARAMETER_NAMES, parseHyperValue, type HyperparameterName, type Hyperparameters } from '../agents/hyperparameters.js';

/** Bad input: reported as one line, exit 2. */
export class UsageError extends Error {}

function firstLine(message: string): string {
  return message.split('\n')[0]!;
}

/** strict, --help, no --version, no wrapping, and bad arguments thrown as a one-line UsageError. */
export function cliDefaults<T>(y: Argv<T>): Argv<T> {
  return (
    y
      .strict()
      .help()
      .version(false)
      // yargs breaks a multi-line usage text mid-word when it wraps; usage texts are wrapped by hand.
      .wrap(null)
      .fail((msg, err) => {
        // yargs spreads some messages over lines (Invalid values: / Argument: ...): keep one line.
        throw new UsageError((msg ?? err?.message ?? 'invalid arguments').split('\n').map((l) => l.trim()).filter((l) => l !== '').join(' '));
      })
  );
}

export interface CliOptions {
  /** Error classes that, like UsageError, mean bad input: one line, exit 2. */
  badInput?: readonly (new (...args: never[]) => Error)[];
  /**
   * Sees every other error first: returns the exit code after reporting it (`say` writes
   * `NAME: <first line>` on stderr), or undefined to leave it to the default (one line, exit 1).
   */
  onError?: (e: unknown, say: (message: string) => void) => number | undefined;
  /** Set process.exitCode instead of calling process.exit, so output piped to a slow reader is not cut off. */
  drain?: boolean;
}

/** Runs main and exits with its code, or with the code its error maps to. */
export function runCli(name: string, main: () => Promise<number>, options: CliOptions = {}): void {
  const say = (message: string) => process.stderr.write(`${name}: ${firstLine(message)}\n`);
  const exit = (code: number) => {
    if (options.drain) process.exitCode = code;
    else process.exit(code);
  };
  main().then(exit, (e: unknown) => {
    if (e instanceof UsageError || options.badInput?.some((c) => e instanceof c)) {
      say((e as Error).message);
      return exit(2);
    }
    const code = options.onError?.(e, say);
    if (code !== undefined) return exit(code);
    say(e instanceof Error ? e.message : String(e));
    exit(1);
  });
}

/** Declared limits of the integer flags the CLIs share (the scenario's own limits are in its schema). */
export const LIMITS = {
  /** Training env steps per job: 1e9 is about ten hours at the sandbox's training speed on one core. */
  steps: 1_000_000_000,
  evalEpisodes: 100_000,
  traces: 1_000,
  workers: 256,
  seeds: 10_000,
  checkpointEvery: 1_000_000,
} as const;

/**
 * An integer flag given as text (the CLIs declare integer flags as strings, so that `--steps abc`
 * can be named as given rather than as yargs' NaN). Undefined when absent; a UsageError naming
 * the flag, the accepted range and the text otherwise. Accepts `50000`, `5e4`, `50_000`.
 */
export function intFlag(name: string, raw: string | number | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const text = String(raw).trim();
  if (text === '') throw new UsageError(`--${name} needs a value (an integer from ${min} to ${max})`);
  const v = Number(text.replace(/_/g, ''));
  if (!Number.isFinite(v)) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got '${text}' (not a number)`);
  if (!Number.isInteger(v)) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got ${text} (not a whole number)`);
  if (v < min || v > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got ${text}`);
  return v;
}

/**
 * The scenario a `--scenario` flag names: a scenario of scenarios/ by name, or a YAML file by path
 * (`looksLikePath`), loaded and validated. Bad input is a UsageError: an unknown name lists the
 * valid ones, a bad file says what is wrong with it. `isPath`: the flag named a file.
 */
export function scenarioFlag(name: string): { scenario: Scenario; isPath: boolean } {
  const isPath = looksLikePath(name);
  if (!isPath && !listScenarios().includes(name)) throw new UsageError(`unknown scenario '${name}'; valid scenarios: ${listScenarios().join(', ')}`);
  try {
    return { scenario: loadScenario(name), isPath };
  } catch (e) {
    if (e instanceof ScenarioError) throw new UsageError(e.message);
    if (e instanceof Error && 'code' in e && e.code === 'ENOENT') throw new UsageError(`--scenario: no such file '${name}'`);
    throw e;
  }
}

/**
 * `--set name=value` (repeatable; `npm run capability`, `npm run experiment`): hyperparameter
 * overrides by their names in agents/hyperparameters.ts's table, each value parsed and range-checked
 * there, for generic learner settings (learning rate, rollout length, ...). A bad one is a UsageError.
 */
export function parseHyperSets(sets: readonly string[]): Partial<Hyperparameters> {
  const out: Record<string, unknown> = {};
  for (const raw of sets) {
    const eq = raw.indexOf('=');
    const key = (eq < 0 ? raw : raw.slice(0, eq)).trim();
    if (eq < 0 || !(HYPERPARAMETER_NAMES as readonly string[]).includes(key)) {
      throw new UsageError(`--set must be name=value with a hyperparameter name (${HYPERPARAMETER_NAMES.join(', ')}), got '${raw}'`);
    }
    try {
      out[key] = parseHyperValue(key as HyperparameterName, raw.slice(eq + 1));
    } catch (e) {
      throw new UsageError(`--set ${raw}: ${(e as Error).message}`);
    }
  }
  return out as Partial<Hyperparameters>;
}
