/**
 * Runs a sweep with the trainer double, as the CLI would, so tests can kill it (-9) or interrupt it
 * (SIGINT) and resume it. Usage: sweep-driver.ts DIR [--resume] [--shard i/n] [--workers K]
 */
import { fileURLToPath } from 'node:url';
import { parseShard } from '../../rundir/index.js';
import { SweepProgress } from '../../experiments/progress.js';
import { runSweep } from '../../experiments/sweep.js';
import { FAKE_BEHAVIOURS } from './fake-trainer.js';
import { testConfig } from './sweep-config.js';

const args = process.argv.slice(2);
const dir = args[0]!;
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
};
const shard = flag('--shard') ? parseShard(flag('--shard')!) : null;
const workers = Number(flag('--workers') ?? 2);
const resume = args.includes('--resume');

const result = await runSweep({
  dir,
  ...(resume ? {} : { config: testConfig(shard) }),
  workers,
  workerModule: fileURLToPath(new URL('./fake-worker.ts', import.meta.url)),
  behaviours: FAKE_BEHAVIOURS,
  horizon: 40,
  handleSigint: true,
  progress: new SweepProgress(process.stderr, false),
  onStart: () => process.stdout.write('started\n'),
});
process.stdout.write(`${result.status} ${result.jobsRunHere}\n`);
process.exit(result.status === 'complete' ? 0 : 130);
