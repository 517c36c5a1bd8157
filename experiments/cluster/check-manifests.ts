/**
 * `npm run check-manifests -- [FILE...]`: check Kubernetes Job manifests offline (default: the sweep
 * and merge Jobs in experiments/cluster/) against the Job schema, the fields kubectl accepts, and
 * the contract between the sweep and the merge Job (experiments/cluster/manifests.ts). Prints one
 * line per problem on stderr and exits 2 if there is any; `FILE: ok (...)` per file otherwise.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { cliDefaults, runCli } from '../cli.js';
import { checkManifests } from './manifests.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

async function main(): Promise<number> {
  const cli = yargs(hideBin(process.argv))
    .scriptName('npm run check-manifests --')
    .usage('$0 [FILE...]\n\nCheck Kubernetes Job manifests offline: the batch/v1 Job schema, unknown fields, Job rules, and that\nthe sweep Job and the merge Job describe one sweep. Default: experiments/cluster/*.yaml.')
    .command('$0 [files..]', false)
    .positional('files', { type: 'string', array: true, describe: 'manifest files (YAML)' })
    .example('npm run check-manifests', 'check the shipped sweep-job.yaml and merge-job.yaml')
    .example('npm run check-manifests -- my-sweep.yaml my-merge.yaml', 'check edited copies');
  const argv = await cliDefaults(cli).parseAsync();
  const given = (argv.files as string[] | undefined) ?? [];
  const files = given.length > 0 ? given : fs.readdirSync(HERE).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => path.relative(process.cwd(), path.join(HERE, f)));
  const { docs, problems } = checkManifests(files);
  for (const p of problems) process.stderr.write(`${p}\n`);
  if (problems.length > 0) return 2;
  for (const f of files) {
    const jobs = docs.filter((d) => d.file === f && d.job).map((d) => d.job!);
    process.stdout.write(`${f}: ok (${jobs.map((j) => `Job ${j.metadata.name}${j.spec.completionMode === 'Indexed' ? `, Indexed, ${j.spec.completions} completions` : ''}`).join('; ')})\n`);
  }
  return 0;
}

runCli('check-manifests', main);
