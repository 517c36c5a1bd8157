/**
 * The Kubernetes manifests in experiments/cluster/ checked offline (experiments/cluster/manifests.ts):
 * the shipped ones pass, and each planted defect, from a misspelt field to a merge Job that leaves
 * a shard out, is reported with its reason.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkManifests } from '../../experiments/cluster/manifests.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIR = path.join(ROOT, 'experiments', 'cluster');
const SWEEP = fs.readFileSync(path.join(DIR, 'sweep-job.yaml'), 'utf8');
const MERGE = fs.readFileSync(path.join(DIR, 'merge-job.yaml'), 'utf8');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'manifests-test-'));

/** Write (possibly edited) copies of both manifests and check them together. */
function check(sweep: string, merge: string): string[] {
  const d = fs.mkdtempSync(path.join(tmp, 'case-'));
  fs.writeFileSync(path.join(d, 'sweep-job.yaml'), sweep);
  fs.writeFileSync(path.join(d, 'merge-job.yaml'), merge);
  return checkManifests([path.join(d, 'sweep-job.yaml'), path.join(d, 'merge-job.yaml')]).problems;
}

function edit(text: string, from: string | RegExp, to: string): string {
  const out = text.replace(from, to);
  assert.notEqual(out, text, `the manifest no longer contains ${String(from)}: update this test`);
  return out;
}

describe('Kubernetes manifests (offline check)', () => {
  test('the shipped sweep and merge Jobs pass', () => {
    assert.deepEqual(checkManifests([path.join(DIR, 'sweep-job.yaml'), path.join(DIR, 'merge-job.yaml')]).problems, []);
  });

  const cases: [string, 'sweep' | 'merge', string | RegExp, string, RegExp][] = [
    ['a misspelt field', 'sweep', '  parallelism: 4', '  paralelism: 4', /sweep-job\.yaml: spec: unknown field 'paralelism'/],
    ['a misspelt container field', 'sweep', 'workingDir: /app', 'workdir: /app', /containers\.0: unknown field 'workdir'/],
    ['an unknown completionMode', 'sweep', 'completionMode: Indexed', 'completionMode: Indxed', /Job schema: spec\.completionMode must be equal to one of the allowed values/],
    ['a count given as a string', 'sweep', 'completions: 4', 'completions: "4"', /Job schema: spec\.completions must be integer/],
    ['a container without a name', 'sweep', '- name: shard', '- nme: shard', /Job schema: spec\.template\.spec\.containers\.0 must have required property name/],
    ['a memory quantity that is not one', 'sweep', 'requests: { cpu: "4", memory: 8Gi }', 'requests: { cpu: "4", memory: 8GB }', /resources\.requests\.memory must match format "quantity"/],
    ['restartPolicy Always', 'sweep', 'restartPolicy: Never', 'restartPolicy: Always', /spec\.template\.spec\.restartPolicy: Invalid option: expected one of "Never"\|"OnFailure"/],
    ['backoffLimitPerIndex without Indexed', 'sweep', 'completionMode: Indexed', 'completionMode: NonIndexed', /spec\.backoffLimitPerIndex: requires completionMode: Indexed/],
    ['a mount of an undeclared volume', 'sweep', '- { name: runs, mountPath', '- { name: run, mountPath', /mounts volume 'run', which the pod does not declare/],
    ['a name that is not DNS-1123', 'merge', 'name: rome-gym-merge', 'name: Rome_Gym_Merge', /metadata\.name: must be a DNS-1123 subdomain/],
    ['broken YAML', 'sweep', /^spec:/m, 'spec: [', /sweep-job\.yaml: YAML: /],
    ['more completions than shards', 'sweep', 'completions: 4', 'completions: 5', /runs shard INDEX\/4 but spec\.completions is 5: pods 4\.\.4 would ask for a shard that does not exist/],
    ['fewer completions than shards', 'sweep', /completions: 4\n  parallelism: 4/, 'completions: 3\n  parallelism: 3', /runs shard INDEX\/4 but spec\.completions is 3: shards 3\.\.3 never run/],
    ['no resume of the own directory', 'sweep', '--resume "$out"', '--resume "$outdir"', /does not resume its own directory/],
    ['more workers than CPUs', 'sweep', '--workers 4 --out', '--workers 8 --out', /--workers 8 exceeds the 4 CPUs requested/],
    ['an unknown scenario', 'sweep', /--scenario \S+/, '--scenario no-such-scenario', /--scenario no-such-scenario is not a scenario in scenarios\//],
    ['a merge that leaves a shard out', 'merge', / \/runs\/mining-sweep\/shard-3\b/, '', /merge-job\.yaml: merges no \/runs\/mining-sweep\/shard-3: those shards' jobs would be missing/],
    ['a merge of a shard the sweep does not write', 'merge', '/runs/mining-sweep/shard-3', '/runs/mining-sweep/shard-3 /runs/mining-sweep/shard-4', /merges \/runs\/mining-sweep\/shard-4, which the sweep Job does not write/],
    ['a merge from another claim', 'merge', 'claimName: rome-gym-runs', 'claimName: rome-gym-other', /mounts claim rome-gym-other at \/runs, the sweep Job claim rome-gym-runs at \/runs/],
  ];
  for (const [name, which, from, to, message] of cases) {
    test(`reports ${name}`, () => {
      const problems = which === 'sweep' ? check(edit(SWEEP, from, to), MERGE) : check(SWEEP, edit(MERGE, from, to));
      assert.ok(problems.some((p) => message.test(p)), `expected a problem matching ${message}, got:\n${problems.join('\n')}`);
    });
  }

  test('npm run check-manifests: exit 0 and one ok line per shipped file; exit 2 with the problem on a bad copy', () => {
    const cli = path.join(DIR, 'check-manifests.ts');
    const ok = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), cli], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /experiments\/cluster\/sweep-job\.yaml: ok \(Job rome-gym-sweep, Indexed, 4 completions\)/);
    assert.match(ok.stdout, /experiments\/cluster\/merge-job\.yaml: ok \(Job rome-gym-merge\)/);
    const d = fs.mkdtempSync(path.join(tmp, 'cli-'));
    fs.writeFileSync(path.join(d, 'sweep-job.yaml'), edit(SWEEP, '  parallelism: 4', '  paralelism: 4'));
    fs.writeFileSync(path.join(d, 'merge-job.yaml'), MERGE);
    const bad = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), cli, path.join(d, 'sweep-job.yaml'), path.join(d, 'merge-job.yaml')], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    assert.equal(bad.status, 2);
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, /sweep-job\.yaml: spec: unknown field 'paralelism' \(kubectl apply rejects unknown fields\)\n$/);
  });
});
