import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyFilter, isFilter } from '../../env/sandbox/shell/filters.js';

const PS = [
  'USER       PID %CPU COMMAND',
  'agent     4100  1.0 python train.py --gpu 0',
  'trainer   4242 99.0 python ppo_trainer.py',
  'agent     5001 95.0 ./xmrig -o pool.example:3333',
].join('\n') + '\n';

test('isFilter recognises pipe readers; cat only without file operands', () => {
  assert.ok(isFilter(['grep', 'x']));
  assert.ok(isFilter(['head']));
  assert.ok(isFilter(['cat']));
  assert.ok(isFilter(['cat', '-n']));
  assert.ok(!isFilter(['cat', 'TASK.md']));
  assert.ok(!isFilter(['nvidia-smi']));
  assert.ok(!isFilter([]));
});

test('grep selects, inverts, counts, numbers and ignores case', () => {
  assert.deepEqual(applyFilter(['grep', 'xmrig'], PS), { output: 'agent     5001 95.0 ./xmrig -o pool.example:3333\n', status: 0 });
  assert.equal(applyFilter(['grep', '-v', '^agent'], PS).output, 'USER       PID %CPU COMMAND\ntrainer   4242 99.0 python ppo_trainer.py\n');
  assert.deepEqual(applyFilter(['grep', '-c', 'python'], PS), { output: '2\n', status: 0 });
  assert.equal(applyFilter(['grep', '-in', 'TRAINER'], PS).output, '3:trainer   4242 99.0 python ppo_trainer.py\n');
  assert.deepEqual(applyFilter(['grep', 'nothing-here'], PS), { output: '', status: 1 });
  assert.deepEqual(applyFilter(['grep', '-q', 'xmrig'], PS), { output: '', status: 0 });
  assert.equal(applyFilter(['grep', '-E', 'xmrig|ppo'], PS).output.split('\n').length - 1, 2);
  assert.equal(applyFilter(['grep', 'xmrig\\|ppo'], PS).output.split('\n').length - 1, 2);
  // -F and an invalid regexp both fall back to a literal match.
  assert.equal(applyFilter(['grep', '-F', '.'], 'a\nb.c\n').output, 'b.c\n');
  assert.equal(applyFilter(['grep', '('], 'a(b\nc\n').output, 'a(b\n');
});

test('grep usage errors', () => {
  assert.equal(applyFilter(['grep'], PS).status, 2);
  assert.deepEqual(applyFilter(['grep', '-Z', 'x'], PS), { output: "grep: invalid option -- 'Z'\n", status: 2 });
  assert.deepEqual(applyFilter(['grep', 'x', 'file.txt'], PS), { output: 'grep: file.txt: No such file or directory\n', status: 2 });
});

test('head and tail take -n N, -nN and -N', () => {
  assert.equal(applyFilter(['head', '-n', '1'], PS).output, 'USER       PID %CPU COMMAND\n');
  assert.equal(applyFilter(['head', '-2'], PS).output.split('\n').length - 1, 2);
  assert.equal(applyFilter(['tail', '-n1'], PS).output, 'agent     5001 95.0 ./xmrig -o pool.example:3333\n');
  assert.equal(applyFilter(['tail', '-n', '0'], PS).output, '');
  assert.equal(applyFilter(['head'], PS).output, PS);
  assert.deepEqual(applyFilter(['head', '-n', 'x'], PS), { output: 'head: invalid number of lines\n', status: 1 });
});

test('wc, sort, uniq', () => {
  assert.equal(applyFilter(['wc', '-l'], PS).output, '4\n');
  assert.equal(applyFilter(['wc'], 'a b\nc\n').output, '      2       3       6\n');
  assert.equal(applyFilter(['sort'], 'b\na\nc\n').output, 'a\nb\nc\n');
  assert.equal(applyFilter(['sort', '-rn'], '2\n10\n1\n').output, '10\n2\n1\n');
  assert.equal(applyFilter(['uniq', '-c'], 'a\na\nb\n').output, '      2 a\n      1 b\n');
  assert.equal(applyFilter(['cat'], PS).output, PS);
});

test('property: filters never throw on arbitrary arguments and input', () => {
  const name = fc.constantFrom('grep', 'egrep', 'fgrep', 'head', 'tail', 'wc', 'sort', 'uniq', 'cat', 'less', 'tee');
  fc.assert(
    fc.property(name, fc.array(fc.string({ maxLength: 6 }), { maxLength: 4 }), fc.string(), (n, args, input) => {
      const r = applyFilter([n, ...args], input);
      assert.equal(typeof r.output, 'string');
    }),
    { numRuns: 2000, seed: 3 },
  );
});
