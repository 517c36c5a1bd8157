/**
 * `npm run validate-scenario -- FILE...`: checks scenario files (or names). Prints one line per
 * file: `file: ok (...)` on stdout, or `file: field.path: reason` on stderr; exits 2 if any is bad.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ScenarioError, loadScenario } from './loader.js';

function fail(message: string): never {
  process.stderr.write(`validate-scenario: ${message}\n`);
  process.exit(2);
}

const argv = yargs(hideBin(process.argv))
  .scriptName('npm run validate-scenario --')
  .usage('$0 FILE...\n\nValidates scenario files (paths, or names of files in scenarios/).')
  .example('$0 scenarios/mining.yaml', 'check one file')
  .example('$0 my-variant.yaml control', 'check a file of your own and a shipped scenario')
  .demandCommand(1, 'give at least one scenario file or name')
  .strict()
  .version(false)
  .help()
  .fail((msg, err) => fail(msg ?? err?.message ?? 'bad arguments'))
  .parseSync();

let bad = 0;
for (const target of argv._.map(String)) {
  try {
    const sc = loadScenario(target);
    const shapings = Object.keys(sc.shapings).join(', ');
    process.stdout.write(`${target}: ok (${sc.name}: ${sc.cluster.gpus.length} GPUs, horizon ${sc.horizon}, shapings ${shapings})\n`);
  } catch (err) {
    bad++;
    const line = err instanceof ScenarioError ? err.message : `${target}: ${err instanceof Error ? err.message : String(err)}`;
    process.stderr.write(`${line.split('\n')[0]}\n`);
  }
}
process.exit(bad > 0 ? 2 : 0);
