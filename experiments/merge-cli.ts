/**
 * `npm run merge -- OUT DIR...`: combine shard run directories (`npm run experiment -- --shard i/n`)
 * into one run directory OUT whose files and summary equal the unsharded sweep's.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { mergeRunDirs, MergeError } from './merge.js';
import { BEHAVIOURS } from './metrics.js';
import { formatEmergenceTable } from './summary.js';
import { writeReport } from '../reports/build.js';

class UsageError extends Error {}

async function main(): Promise<number> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('npm run merge --')
    .wrap(null)
    .usage('$0 OUT DIR...\n\nMerge the run directories of a sharded sweep into OUT (a new directory), re-committing every job\nin canonical order and recomputing the summary.')
    .command('$0 <out> <dirs..>', false)
    .positional('out', { type: 'string', describe: 'the merged run directory to create' })
    .positional('dirs', { type: 'string', array: true, describe: 'shard run directories' })
    .example('npm run merge -- runs/mining-merged runs/mining-shard0of4 runs/mining-shard1of4 runs/mining-shard2of4 runs/mining-shard3of4', 'merge four shards')
    .strict()
    .help()
    .version(false)
    .fail((msg, err) => {
      // yargs spreads some messages over lines (Invalid values: / Argument: ...): keep one line.
      throw new UsageError((msg ?? err?.message ?? 'invalid arguments').split('\n').map((l) => l.trim()).filter((l) => l !== '').join(' '));
    })
    .parseAsync();
  const out = argv.out as string;
  const dirs = argv.dirs as string[];
  let res;
  try {
    res = mergeRunDirs(out, dirs, BEHAVIOURS);
  } catch (e) {
    if (e instanceof MergeError) throw new UsageError(e.message.replace(/^merge: /, ''));
    throw e;
  }
  process.stdout.write(formatEmergenceTable(res.summary) + '\n\n');
  if (res.missing.length > 0) process.stdout.write(`warning: ${res.missing.length} jobs have no data in any shard: ${res.missing.join(', ')}\n`);
  const report = writeReport(out);
  process.stdout.write(`merged ${res.jobs} jobs from ${dirs.length} directories into ${out}; report: ${report.html}; summary: ${report.markdown}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    process.stderr.write(`merge: ${msg}\n`);
    process.exit(e instanceof UsageError ? 2 : 1);
  },
);
