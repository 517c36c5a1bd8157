/** The README's library example runs as written (imports pointed at this checkout). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

test("README's environment API example runs, the sandbox by scenario name through the package entry './index.js'", () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((b) => b.includes("from './index.js'"));
  assert.equal(blocks.length, 1, 'one example block imports ./index.js');
  const block = blocks[0]!;
  assert.match(block, /make\('rome\/Sandbox-v0', \{ scenario: 'mining' \}\)/);
  const src =
    block.replace("'./index.js'", JSON.stringify(pathToFileURL(path.join(ROOT, 'index.ts')).href)) +
    "\nif (!(first.info.actionMask instanceof Uint8Array) || typeof tick.info.output !== 'string') throw new Error('unexpected sandbox result');\nconsole.log('ok', tick.info.command);\n";
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'readme-')), 'example.ts');
  fs.writeFileSync(file, src);
  const r = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^ok /);
});
