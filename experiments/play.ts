/**
 * `npm run play -- --scenario mining [--shaping X] [--seed N] [--reveal]`
 *
 * An interactive shell on the sandbox: type command lines as the agent would, see what its terminal
 * shows, the action each line became, the reward and cost, and with `--reveal` the hidden safety
 * events and the managed firewall's log. Reads piped stdin too (one command line per line), and then
 * echoes each line after the prompt so the output reads as a transcript.
 *
 * Nothing typed here is ever executed on the host: lines are parsed into the sandbox's actions.
 */
import * as readline from 'node:readline';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { SandboxEnv } from '../env/sandbox/env.js';
import type { Scenario } from '../env/sandbox/scenario.js';
import { UnknownShapingError } from '../env/sandbox/shaping.js';
import { SANDBOX_HOSTNAME, SANDBOX_USER } from '../env/sandbox/shell/parse.js';
import { ShellSession } from '../env/sandbox/shell/session.js';
import { formatResult, safetyLines } from '../env/sandbox/shell/transcript.js';
import { cliDefaults, runCli, scenarioFlag, UsageError } from './cli.js';

function usage(message: string): never {
  throw new UsageError(message);
}

const PROMPT = `${SANDBOX_USER}@${SANDBOX_HOSTNAME}:~$ `;
const CONTINUATION = '> ';

interface PlayArgs {
  scenario: Scenario;
  shaping: string | undefined;
  seed: number;
  reveal: boolean;
}

async function parseArgs(): Promise<PlayArgs> {
  const cli = yargs(hideBin(process.argv))
    .scriptName('npm run play --')
    .usage('$0 --scenario NAME [options]')
    .epilogue(
      [
        'Play the sandbox as the agent: type shell commands (cat TASK.md, nvidia-smi, python train.py --gpu 0,',
        'pytest, submit, ...); each tool call is one tick of the env. Type `help` in the shell for the commands',
        'the sandbox models. Commands are read from stdin, so a script can be piped in.',
        'Nothing is executed on this machine: command lines are parsed into the sandbox\'s actions.',
      ].join('\n'),
    )
    .option('scenario', { type: 'string', default: 'mining', describe: 'scenario name (scenarios/NAME.yaml) or path to a scenario file' })
    .option('shaping', { type: 'string', describe: "reward shaping of the scenario (default: the scenario's first)" })
    .option('seed', { type: 'string', default: '0', describe: 'seed of the first episode (each `reset` adds one)' })
    .option('reveal', { type: 'boolean', default: false, describe: "also show what the agent cannot see: hidden events,\nthe firewall's log, the episode's safety summary" })
    .example('npm run play -- --scenario mining', 'play the incident scenario interactively')
    .example('npm run play -- --scenario hardened --reveal --seed 3', 'see the hidden events and firewall log as you go')
    .example('npm run play -- --scenario ./my.yaml --shaping outcome+cost', 'a scenario file of your own')
    .example('npm run play -- < script.sh', 'run a file of commands; prints a transcript');
  const argv = await cliDefaults(cli).parseAsync();

  if (argv._.length > 0) usage(`unexpected argument '${String(argv._[0])}' (commands are read from stdin)`);
  const { scenario } = scenarioFlag(argv.scenario);
  if (!/^\d+$/.test(argv.seed) || !Number.isSafeInteger(Number(argv.seed))) usage(`--seed must be a non-negative integer, got '${argv.seed}'`);
  if (argv.shaping !== undefined && !Object.hasOwn(scenario.shapings, argv.shaping)) {
    usage(`unknown shaping '${argv.shaping}' in scenario ${scenario.name}; valid shapings: ${Object.keys(scenario.shapings).join(', ')}`);
  }
  return { scenario, shaping: argv.shaping, seed: Number(argv.seed), reveal: argv.reveal };
}

/** Stands for the `clear` command's output until it is written; see `escapeControls`. */
const CLEAR_MARK = '\uE000';
const CLEAR_SCREEN = '\x1b[2J\x1b[H';

/**
 * Text for the user's terminal with every control character but newline and tab shown as `\xHH`
 * (`\u{HHHH}` beyond one byte): ESC, NUL, CR, BEL, DEL, the C1 controls, and the private-use
 * character play uses for `clear`. What a person types (or pipes) is echoed back in commands,
 * error messages and tick lines; raw, `ESC[31m` would recolour their terminal and `ESC]0;...`
 * retitle it. The sandbox's own `clear` is the one sequence let through (interactive only).
 */
export function escapeControls(text: string): string {
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f\uE000]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

/** Output of the session made safe for the terminal: escaped, with `clear`s put back. */
function terminalText(text: string, clearScreen: boolean): string {
  return text
    .split(CLEAR_MARK)
    .map(escapeControls)
    .join(clearScreen ? CLEAR_SCREEN : '');
}

async function play(args: PlayArgs): Promise<void> {
  let env: SandboxEnv;
  try {
    env = new SandboxEnv(args.scenario, args.shaping === undefined ? {} : { shaping: args.shaping });
  } catch (e) {
    if (e instanceof UnknownShapingError) usage(e.message);
    throw e;
  }
  const interactive = process.stdin.isTTY === true;
  const session = new ShellSession(env, { seed: args.seed, clearScreen: CLEAR_MARK });
  const write = (s: string) => void process.stdout.write(terminalText(s, interactive));

  write(
    `# rome-gym sandbox: scenario ${args.scenario.name}, shaping ${env.shapingName}${env.shaping.proxy ? ' (a misspecified proxy)' : ''}, seed ${args.seed}, horizon ${args.scenario.horizon}${args.reveal ? ', hidden signals revealed' : ''}\n`,
  );
  if (interactive) write("# type commands as the agent would; 'help' lists what the sandbox models, 'exit' quits\n");

  const rl = readline.createInterface({ input: process.stdin, output: interactive ? process.stdout : undefined, terminal: interactive });
  let pending = '';
  const prompt = () => {
    if (!interactive) return;
    rl.setPrompt(pending === '' ? PROMPT : CONTINUATION);
    rl.prompt();
  };
  let interrupted = false;
  rl.on('SIGINT', () => {
    // As in the node REPL: Ctrl-C drops the line being typed; twice on an empty prompt quits.
    const typing = pending !== '' || rl.line !== '';
    if (!typing && interrupted) {
      write('\n');
      rl.close();
      return;
    }
    interrupted = !typing;
    pending = '';
    write(typing ? '^C\n' : "^C\n# (to exit, press Ctrl+C again, Ctrl+D, or type 'exit')\n");
    rl.write(null, { ctrl: true, name: 'u' });
    prompt();
  });
  prompt();
  for await (const raw of rl) {
    interrupted = false;
    if (!interactive) write(`${pending === '' ? PROMPT : CONTINUATION}${raw}\n`);
    const line = pending === '' ? raw : `${pending}\n${raw}`;
    const r = session.run(line);
    if (r.incomplete) {
      pending = line;
      prompt();
      continue;
    }
    pending = '';
    write(formatResult(r, session, args.reveal));
    if (r.exit) break;
    prompt();
  }
  if (pending !== '') {
    // Input ended inside an open quote or after `&&`: bash reports the same.
    write('bash: syntax error: unexpected end of file\n');
  }
  rl.close();
  if (!session.over) {
    write(`# session ended after ${session.tick} tick${session.tick === 1 ? '' : 's'}, the episode still running: return ${session.return.toFixed(3)}\n`);
    // `exit` or Ctrl-D mid-episode: the safety side of the episode so far, as at an episode's end.
    if (args.reveal) write(safetyLines(env.episodeSummary(), session.tick - 1, 'still due').map((l) => l + '\n').join(''));
  }
}

async function main(): Promise<number> {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    // The reader went away (`npm run play | head`): stop quietly, as shell tools do.
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  await play(await parseArgs());
  return 0;
}

runCli('play', main, { drain: true });
