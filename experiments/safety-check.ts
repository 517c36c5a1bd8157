/**
 * `npm run safety-check [-- --suite FILE] [--update] [--junit FILE] [--markdown FILE]`: runs a
 * suite of safety checks (experiments/safety/) and prints a table of check, metric, value, bound and
 * verdict. Exit 0 when every bound holds, 1 when any regresses, 2 on bad input (one line on stderr,
 * no output file written).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { cliDefaults, intFlag, LIMITS, runCli, UsageError } from './cli.js';
import { writeFileAtomic } from '../rundir/index.js';
import { formatDuration } from './progress.js';
import { failureLine, formatTable, junitXml, markdown, verdictLine } from './safety/report.js';
import { InputError, runSuite } from './safety/run.js';
import { Interrupted, StatisticalRunError } from './safety/statistical.js';
import { displayPath } from '../scenarios/loader.js';
import { loadSuite, SuiteError } from './safety/suite.js';
import { formatNumber } from './safety/verdict.js';

export const DEFAULT_SUITE = fileURLToPath(new URL('./safety-suite.yaml', import.meta.url));

// Progress lines wait until the input has proved usable (the suite, the baseline, the training
// workers' backend), so that bad input prints its one line and nothing else.
let heldLog: string[] | null = [];
function log(line: string): void {
  if (heldLog) heldLog.push(line);
  else process.stderr.write(line + '\n');
}
function releaseLog(): void {
  if (!heldLog) return;
  for (const l of heldLog) process.stderr.write(l + '\n');
  heldLog = null;
}

function outputPath(flag: string, file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  if (file === '') throw new UsageError(`--${flag} needs a file name`);
  const dir = path.dirname(path.resolve(file));
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`--${flag} ${file}: directory ${dir} does not exist`);
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) throw new UsageError(`--${flag} ${file} is a directory`);
  return file;
}

async function main(): Promise<number> {
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const cli = yargs(hideBin(process.argv))
    .scriptName('npm run safety-check --')
    .usage(
      [
        '$0 [--suite FILE] [--update] [--junit FILE] [--markdown FILE]',
        '',
        'Run a suite of safety checks: exact checks on scripted policies (deterministic), planner checks on',
        'what pays (exact search over the real env), and statistical checks on agents trained at smoke size',
        'with fixed seeds. Prints check, metric, value, bound and verdict.',
        'Exit 0 when every bound holds, 1 when any regresses, 2 on bad input.',
      ].join('\n'),
    )
    .option('suite', { type: 'string', default: displayPath(DEFAULT_SUITE), describe: 'suite file (YAML)' })
    .option('update', { type: 'boolean', default: false, describe: "re-record the suite's baseline from this run and print what changed" })
    .option('junit', { type: 'string', describe: 'also write JUnit XML here' })
    .option('markdown', { type: 'string', describe: 'also write the Markdown summary here (it is appended to $GITHUB_STEP_SUMMARY when that is set)' })
    .option('check', { type: 'string', array: true, describe: 'run only this check (repeatable)' })
    .option('workers', { type: 'string', describe: `training worker processes, 1 to ${LIMITS.workers} (default: cores = ${cores})` })
    .option('runs-dir', { type: 'string', describe: "keep the statistical checks' run directories here (an empty or new directory; open them with npm run report)" })
    .example('npm run safety-check', 'the default suite (experiments/safety-suite.yaml) against experiments/safety-baseline.json')
    .example('npm run safety-check -- --junit safety.xml --markdown safety.md', 'also write JUnit XML and Markdown')
    .example('npm run safety-check -- --check mining-constrained-violations --runs-dir runs/safety', 'one check, keeping its run directory')
    .example('npm run safety-check -- --update', 're-record the baseline after an intended change (review the printed diff)');
  const argv = await cliDefaults(cli).parseAsync();
  const workers = intFlag('workers', argv.workers, 1, LIMITS.workers);
  const junitFile = outputPath('junit', argv.junit);
  const markdownFile = outputPath('markdown', argv.markdown);

  const suite = loadSuite(argv.suite);
  const count = (k: string) => suite.checks.filter((c) => c.kind === k).length;
  log(
    `safety-check: ${displayPath(suite.file)}: ${count('exact')} exact, ${count('planner')} planner and ${count('statistical')} statistical checks${argv.update ? `; re-recording ${displayPath(suite.baselineFile)}` : ''}`,
  );
  const run = await runSuite(suite, {
    update: argv.update,
    only: argv.check ?? [],
    workers: workers ?? cores,
    runsDir: argv['runs-dir'] ?? null,
    log,
    onStarted: releaseLog,
    handleSigint: true,
  });
  releaseLog();

  const out = (l = '') => process.stdout.write(l + '\n');
  if (run.baselineChanges !== null) {
    const file = displayPath(suite.baselineFile);
    if (run.baselineChanges.length === 0) out(`baseline ${file}: rewritten, no value changed`);
    else {
      out(`baseline ${file}: ${run.baselineChanges.length} value${run.baselineChanges.length === 1 ? '' : 's'} changed`);
      const show = (x: number | null | undefined) => (x === undefined ? '(absent)' : formatNumber(x));
      for (const c of run.baselineChanges) out(`  ${c.check}  ${c.metric}: ${show(c.before)} -> ${show(c.after)}`);
    }
    out();
  }
  out(formatTable(run.rows));
  out();
  out(verdictLine(run.rows));
  for (const r of run.rows.filter((r) => !r.pass)) out(`FAIL ${failureLine(r)}`);
  out(`wall time ${formatDuration(run.seconds)}${run.backend ? ` (tfjs backend ${run.backend})` : ''}`);
  if (run.runDirs.length > 0) out(`run directories: ${run.runDirs.join(', ')}`);

  const suiteName = displayPath(suite.file);
  if (junitFile) writeFileAtomic(junitFile, junitXml(run.rows, { suiteName, seconds: run.seconds }));
  const md = markdown(run.rows, { suiteName, seconds: run.seconds, backend: run.backend });
  if (markdownFile) writeFileAtomic(markdownFile, md);
  const summary = process.env['GITHUB_STEP_SUMMARY'];
  if (summary) fs.appendFileSync(summary, md);
  return run.rows.every((r) => r.pass) ? 0 : 1;
}

runCli('safety-check', main, {
  badInput: [SuiteError, InputError],
  onError: (e, say) => {
    releaseLog();
    if (e instanceof Interrupted) {
      say('interrupted; nothing written');
      return 130;
    }
    if (e instanceof StatisticalRunError) {
      say(`training failed: ${e.message}`);
      return 1;
    }
    return undefined;
  },
});
