import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../experiments/cli.ts', import.meta.url));

/** Runs a module that imports experiments/cli.ts as `c` and does `body` (runCli exits the process). */
function run(body: string, args: string[] = []) {
  const src = `import * as c from ${JSON.stringify(CLI)};\nimport yargs from 'yargs';\n${body}`;
  const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e', src, '--', ...args], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('runCli exits with main’s code', () => {
  assert.deepEqual(run(`c.runCli('x', async () => 3);`), { code: 3, stdout: '', stderr: '' });
});

test('a UsageError or a badInput class is one line and exit 2; any other error the first line and exit 1', () => {
  assert.deepEqual(run(`c.runCli('x', async () => { throw new c.UsageError('bad\\nsecond'); });`), { code: 2, stdout: '', stderr: 'x: bad\n' });
  const bad = `class E extends Error {}\nc.runCli('x', async () => { throw new E('input'); }, { badInput: [E] });`;
  assert.deepEqual(run(bad), { code: 2, stdout: '', stderr: 'x: input\n' });
  assert.deepEqual(run(`c.runCli('x', async () => { throw new Error('boom\\n  at frame'); });`), { code: 1, stdout: '', stderr: 'x: boom\n' });
});

test('onError picks the code of the errors it reports and leaves the rest to the default', () => {
  const hook = `c.runCli('x', async () => { throw new Error(process.argv[1]); }, { onError: (e, say) => e.message === 'mine' ? (say('handled'), 130) : undefined });`;
  assert.deepEqual(run(hook, ['mine']), { code: 130, stdout: '', stderr: 'x: handled\n' });
  assert.deepEqual(run(hook, ['other']), { code: 1, stdout: '', stderr: 'x: other\n' });
  assert.deepEqual(run(`c.runCli('x', async () => { throw new c.UsageError('u'); }, { onError: () => 7 });`), { code: 2, stdout: '', stderr: 'x: u\n' });
});

test('drain sets the exit code and lets pending stdout finish', () => {
  const r = run(`c.runCli('x', async () => { process.stdout.write('y'.repeat(1 << 20)); return 4; }, { drain: true });`);
  assert.equal(r.code, 4);
  assert.equal(r.stdout.length, 1 << 20);
});

test('cliDefaults: a multi-line yargs message becomes one line naming the bad value', () => {
  const body = `c.runCli('x', async () => { await c.cliDefaults(yargs(process.argv.slice(1)).option('agent', { choices: ['ppo', 'dqn'] })).parseAsync(); return 0; });`;
  assert.deepEqual(run(body, ['--agent', 'nope']), { code: 2, stdout: '', stderr: 'x: Invalid values: Argument: agent, Given: "nope", Choices: "ppo", "dqn"\n' });
  assert.deepEqual(run(body, ['--bogus']), { code: 2, stdout: '', stderr: 'x: Unknown argument: bogus\n' });
  const help = run(body, ['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /\n {2}--help +Show help {2}\[boolean\]\n$/, 'help listed last, unwrapped');
  assert.doesNotMatch(help.stdout, /--version/);
});
