import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { escapeHtml, escapeMarkdownCell, jsonForHtml, markdownCode, shellQuote } from '../../reports/escape.js';
import { cmp, int, pct, pctSpan, steps } from '../../reports/format.js';

test('escapeHtml leaves no character that can open a tag, end an attribute or start an entity', () => {
  assert.equal(escapeHtml(`<img src=x onerror="a('b')">&amp;`), '&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;amp;');
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (s) => {
      const out = escapeHtml(s);
      assert.ok(!/[<>"']/.test(out));
      // Every & starts one of our entities, so the text decodes back to exactly the input.
      const decoded = out.replace(/&(amp|lt|gt|quot|#39);/g, (_, n: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[n]!);
      assert.equal(decoded, s);
    }),
  );
});

test('jsonForHtml round-trips through JSON.parse and contains no <, >, & or line separators', () => {
  const payload = { a: '</script><script>alert(1)</script>', b: '<!-- x -->', c: 'a\u2028b\u2029c & d', n: [1, 2.5, null] };
  const text = jsonForHtml(payload);
  assert.ok(!/[<>&\u2028\u2029]/.test(text));
  assert.deepEqual(JSON.parse(text), payload);
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      const t = jsonForHtml(v);
      assert.ok(!/[<>&\u2028\u2029]/.test(t));
      assert.deepEqual(JSON.parse(t), JSON.parse(JSON.stringify(v)));
    }),
  );
});

test('Markdown cells keep one row and carry no inline HTML', () => {
  const cell = escapeMarkdownCell('a|b\n<script>x</script> *bold* [link](y)');
  assert.ok(!cell.includes('\n'));
  assert.ok(!/<[a-z]/i.test(cell));
  assert.ok(!/(^|[^\\])\|/.test(cell), 'every pipe is escaped');
  assert.ok(cell.includes('\\*bold\\*') && cell.includes('\\[link\\]'));
});

test('markdownCode fences around backticks in the text', () => {
  assert.equal(markdownCode('ls -la'), '`ls -la`');
  assert.equal(markdownCode('echo `id`'), '`` echo `id` ``');
  const c = markdownCode('a ``` b');
  assert.ok(c.startsWith('````') && c.endsWith('````'));
});

test('shellQuote gives back the same argument through a real shell', () => {
  const args = ['plain', 'with space', "it's", '$(id)', '`id`', 'a"b', '', '--out=/tmp/x y', 'ünï', '*', '\\n'];
  for (const a of args) {
    const out = execFileSync('sh', ['-c', `printf '%s' ${shellQuote(a)}`]).toString();
    assert.equal(out, a);
  }
  assert.equal(shellQuote('--scenario'), '--scenario');
  assert.equal(shellQuote('outcome+cost'), 'outcome+cost');
});

test('number formats are fixed and locale-free', () => {
  assert.equal(pct(0.1234), '12.3%');
  assert.equal(pct(null), '–');
  assert.equal(pct(NaN), '–');
  assert.equal(pctSpan(0.033, 0.12), '[3.3–12.0%]');
  assert.equal(steps(8192), '8.2k');
  assert.equal(steps(1_250_000), '1.25M');
  assert.equal(steps(512), '512');
  assert.equal(int(32768), '32,768');
  assert.equal(int(-1234567), '-1,234,567');
  assert.deepEqual(['b', 'B', 'a', 'outcome+cost', 'outcome'].sort(cmp), ['B', 'a', 'b', 'outcome', 'outcome+cost']);
});
