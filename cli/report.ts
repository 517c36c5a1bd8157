/**
 * `npm run report -- RUN_DIR`: rebuild report.html and summary.md from a run directory alone.
 * Bad input (missing directory, not a run directory, unreadable files): one line, exit 2.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { cliDefaults, runCli, UsageError } from '../experiments/cli.js';
import { ReportInputError, writeReport } from '../reports/build.js';

function kb(bytes: number): string {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(2)} MB` : `${(bytes / 1024).toFixed(1)} kB`;
}

async function main(): Promise<number> {
  const cli = yargs(hideBin(process.argv))
    .scriptName('npm run report --')
    .usage('$0 RUN_DIR [--out DIR]\n\nBuild the notebook-style report of a run directory: report.html (one self-contained file that\nworks offline) and summary.md (the headline table and key figures in Markdown).')
    .command('$0 [run-dir]', false)
    .positional('run-dir', { type: 'string', describe: 'a run directory written by npm run experiment' })
    .option('out', { type: 'string', describe: 'write the two files here instead of into RUN_DIR' })
    .example('npm run report -- runs/mining-20250101T120000Z', 'rebuild report.html and summary.md in the run directory')
    .example('npm run report -- runs/mining-20250101T120000Z --out /tmp/review', 'write them elsewhere');
  const argv = await cliDefaults(cli).parseAsync();
  if (argv['run-dir'] === undefined) throw new UsageError('give the run directory of an experiment: npm run report -- RUN_DIR (e.g. runs/mining-<utc>)');
  const dir = String(argv['run-dir']);
  const res = writeReport(dir, argv.out === undefined ? {} : { outDir: argv.out });
  process.stdout.write(`${res.html} (${kb(res.htmlBytes)})\n${res.markdown} (${kb(res.markdownBytes)})\n`);
  return 0;
}

runCli('report', main, { badInput: [ReportInputError] });
