/**
 * `npm run merge -- OUT DIR...`: combine shard run directories (`npm run experiment -- --shard i/n`)
 * into one run directory OUT whose files and summary equal the unsharded sweep's, then build its
 * report (the CLI layer composes experiments/merge.ts with reports/build.ts).
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { cliDefaults, runCli, UsageError } from '../experiments/cli.js';
import { mergeRunDirs, MergeError } from '../experiments/merge.js';
import { BEHAVIOURS } from '../analysis/index.js';
import { formatGapTable, formatVerdictTable } from '../experiments/summary.js';
import { writeReport } from '../reports/build.js';

async function main(): Promise<number> {
  const cli = yargs(hideBin(process.argv))
    .scriptName('npm run merge --')
    .usage('$0 OUT DIR...\n\nMerge the run directories of a sharded sweep into OUT (a new directory), re-committing every job\nin canonical order and recomputing the summary.')
    .command('$0 <out> <dirs..>', false)
    .positional('out', { type: 'string', describe: 'the merged run directory to create' })
    .positional('dirs', { type: 'string', array: true, describe: 'shard run directories' })
    .example('npm run merge -- runs/mining-merged runs/mining-shard0of4 runs/mining-shard1of4 runs/mining-shard2of4 runs/mining-shard3of4', 'merge four shards');
  const argv = await cliDefaults(cli).parseAsync();
  const out = argv.out as string;
  const dirs = argv.dirs as string[];
  let res;
  try {
    res = mergeRunDirs(out, dirs, BEHAVIOURS);
  } catch (e) {
    if (e instanceof MergeError) throw new UsageError(e.message.replace(/^merge: /, ''));
    throw e;
  }
  process.stdout.write(formatVerdictTable(res.summary) + '\n\n' + formatGapTable(res.summary) + '\n\n');
  if (res.missing.length > 0) process.stdout.write(`warning: ${res.missing.length} jobs have no data in any shard: ${res.missing.join(', ')}\n`);
  const report = writeReport(out, { generatedBy: 'npm run merge' });
  process.stdout.write(`merged ${res.jobs} jobs from ${dirs.length} directories into ${out}; report: ${report.html}; summary: ${report.markdown}\n`);
  return 0;
}

runCli('merge', main);
