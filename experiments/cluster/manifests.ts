/**
 * Offline checks of the Kubernetes manifests in experiments/cluster/ (no cluster is needed):
 *
 * 1. Schema: every document is a batch/v1 Job that validates against the Job schema Kubernetes
 *    publishes (its OpenAPI definitions, compiled into the `kubernetes-models` package): field
 *    types, enums such as `completionMode`, required fields such as a container's `name`.
 * 2. Strict fields: that schema lets unknown fields through, while `kubectl apply` (strict field
 *    validation, its default) rejects them; so the fields these manifests use are listed here with
 *    zod `.strict()` objects, and a misspelt or unsupported field is an error naming its path.
 *    This list also carries the Job rules that the API server checks beyond the schema: names are
 *    DNS-1123, a Job's pods restart `Never` or `OnFailure`, `completionMode: Indexed` needs
 *    `completions`, `backoffLimitPerIndex` needs `Indexed`, volume mounts name declared volumes.
 * 3. rome-gym's own contract between the two Jobs: the sweep's `--shard "${JOB_COMPLETION_INDEX}/N"`
 *    has N = `completions`, every shard writes `<base>/shard-<index>` on the mounted claim and
 *    resumes that same directory, the merge Job lists exactly `<base>/shard-0` ... `shard-(N-1)`
 *    from the same claim, `--workers` does not exceed the CPUs requested, and the scenario exists.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { listScenarios } from '../../scenarios/loader.js';

// ---------------------------------------------------------------------------------------------
// 2. The fields the manifests use, from the Kubernetes API reference (batch/v1 Job, core/v1 Pod)
// ---------------------------------------------------------------------------------------------

/** RFC 1123 label: container, volume and namespace names (at most 63 characters). */
const dnsLabel = z.string().max(63).regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label: lowercase letters, digits and -, starting and ending with a letter or digit');
/** RFC 1123 subdomain: object names (at most 253 characters). */
const dnsSubdomain = z.string().max(253).regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'must be a DNS-1123 subdomain: lowercase letters, digits, - and .');
/** A resource quantity: a number with an optional binary (Ki..Ei), decimal (m, k..E) or exponent suffix. */
const quantity = z.union([z.number().nonnegative(), z.string().regex(/^([0-9]+(\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][-+]?[0-9]+)?$/, 'must be a quantity such as 4, 500m, 8Gi')]);
const nonNegInt = z.number().int().nonnegative();
const labels = z.record(z.string(), z.string());

const container = z
  .object({
    name: dnsLabel,
    image: z.string().min(1),
    imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).optional(),
    workingDir: z.string().optional(),
    command: z.array(z.string()).optional(),
    args: z.array(z.string()).optional(),
    env: z.array(z.object({ name: z.string().min(1), value: z.string().optional() }).strict()).optional(),
    resources: z.object({ requests: z.record(z.string(), quantity).optional(), limits: z.record(z.string(), quantity).optional() }).strict().optional(),
    volumeMounts: z.array(z.object({ name: dnsLabel, mountPath: z.string().startsWith('/', 'must be an absolute path'), readOnly: z.boolean().optional(), subPath: z.string().optional() }).strict()).optional(),
  })
  .strict();

const volume = z
  .object({
    name: dnsLabel,
    persistentVolumeClaim: z.object({ claimName: dnsSubdomain, readOnly: z.boolean().optional() }).strict().optional(),
    emptyDir: z.object({}).strict().optional(),
  })
  .strict();

const podSpec = z
  .object({
    // A Job's pods may not restart Always: the Job controller decides about retries.
    restartPolicy: z.enum(['Never', 'OnFailure']),
    containers: z.array(container).min(1),
    volumes: z.array(volume).optional(),
    nodeSelector: labels.optional(),
    serviceAccountName: dnsSubdomain.optional(),
  })
  .strict();

const jobSpec = z
  .object({
    completionMode: z.enum(['Indexed', 'NonIndexed']).optional(),
    completions: nonNegInt.optional(),
    parallelism: nonNegInt.optional(),
    backoffLimit: nonNegInt.optional(),
    backoffLimitPerIndex: nonNegInt.optional(),
    maxFailedIndexes: nonNegInt.optional(),
    activeDeadlineSeconds: z.number().int().positive().optional(),
    ttlSecondsAfterFinished: nonNegInt.optional(),
    suspend: z.boolean().optional(),
    template: z.object({ metadata: z.object({ labels: labels.optional(), annotations: labels.optional() }).strict().optional(), spec: podSpec }).strict(),
  })
  .strict();

export const jobManifest = z
  .object({
    apiVersion: z.literal('batch/v1'),
    kind: z.literal('Job'),
    metadata: z.object({ name: dnsSubdomain, namespace: dnsLabel.optional(), labels: labels.optional(), annotations: labels.optional() }).strict(),
    spec: jobSpec,
  })
  .strict()
  .superRefine((job, ctx) => {
    const s = job.spec;
    const issue = (p: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path: ['spec', ...p], message });
    if (s.completionMode === 'Indexed' && s.completions === undefined) issue(['completions'], 'is required when completionMode is Indexed');
    if (s.backoffLimitPerIndex !== undefined && s.completionMode !== 'Indexed') issue(['backoffLimitPerIndex'], 'requires completionMode: Indexed');
    if (s.maxFailedIndexes !== undefined && s.backoffLimitPerIndex === undefined) issue(['maxFailedIndexes'], 'requires backoffLimitPerIndex');
    const declared = new Set((s.template.spec.volumes ?? []).map((v) => v.name));
    s.template.spec.containers.forEach((c, i) =>
      (c.volumeMounts ?? []).forEach((m, j) => {
        if (!declared.has(m.name)) issue(['template', 'spec', 'containers', i, 'volumeMounts', j, 'name'], `mounts volume '${m.name}', which the pod does not declare`);
      }),
    );
  });

export type JobManifest = z.infer<typeof jobManifest>;

// ---------------------------------------------------------------------------------------------
// 1 + 2 per document
// ---------------------------------------------------------------------------------------------

export interface ManifestDoc {
  file: string;
  /** 0-based document index in a multi-document file. */
  index: number;
  job: JobManifest | null;
  problems: string[];
}

function zodProblems(err: z.ZodError): string[] {
  return err.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(document)'}: ${i.code === 'unrecognized_keys' ? `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `'${k}'`).join(', ')} (kubectl apply rejects unknown fields)` : i.message}`);
}

/** Parse a manifest file and check each document against the Job schema and the strict field list. */
export function checkManifestFile(file: string): ManifestDoc[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return [{ file, index: 0, job: null, problems: [`cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`] }];
  }
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) return [{ file, index: 0, job: null, problems: ['not YAML documents'] }];
  return docs.map((doc, index) => {
    const problems: string[] = [];
    // The first YAML error; the ones after it are mostly its consequences.
    const yamlErrors = [...doc.errors, ...doc.warnings];
    if (yamlErrors.length > 0) problems.push(`YAML: ${yamlErrors[0]!.message.split('\n')[0]!.replace(/:$/, '')}${yamlErrors.length > 1 ? ` (and ${yamlErrors.length - 1} more)` : ''}`);
    if (problems.length > 0) return { file, index, job: null, problems };
    const data: unknown = doc.toJS();
    try {
      new Job(data as ConstructorParameters<typeof Job>[0]).validate();
    } catch (e) {
      // kubernetes-models joins ajv's messages ("data/spec/x must be ...") with ", ".
      for (const m of (e as Error).message.split(/, (?=data[/ ])/)) problems.push(`Job schema: ${m.replace(/^data\/?/, '').replaceAll('/', '.') || '(document)'}`);
    }
    const parsed = jobManifest.safeParse(data);
    if (!parsed.success) problems.push(...zodProblems(parsed.error));
    return { file, index, job: parsed.success ? parsed.data : null, problems };
  });
}

// ---------------------------------------------------------------------------------------------
// 3. The sweep Job and the merge Job must describe one sweep
// ---------------------------------------------------------------------------------------------

function script(job: JobManifest): string {
  const c = job.spec.template.spec.containers[0]!;
  return [...(c.command ?? []), ...(c.args ?? [])].join(' ');
}

function mountOf(job: JobManifest, dir: string): { claim: string; mountPath: string } | null {
  const spec = job.spec.template.spec;
  for (const m of spec.containers[0]!.volumeMounts ?? []) {
    const root = m.mountPath.replace(/\/+$/, '');
    if (dir === root || dir.startsWith(`${root}/`)) {
      const claim = spec.volumes?.find((v) => v.name === m.name)?.persistentVolumeClaim?.claimName;
      if (claim) return { claim, mountPath: root };
    }
  }
  return null;
}

/** CPUs as a number from a quantity ("4", 4, "500m"). */
function cpus(q: string | number | undefined): number | null {
  if (q === undefined) return null;
  if (typeof q === 'number') return q;
  const m = /^([0-9.]+)(m?)$/.exec(q);
  return m ? Number(m[1]) / (m[2] === 'm' ? 1000 : 1) : null;
}

/**
 * Check that the sweep Job (Indexed, runs `npm run experiment`) and the merge Job (runs
 * `npm run merge`) belong together. Returns problems, each naming the manifest it is about.
 */
export function checkSweepAndMerge(sweep: { file: string; job: JobManifest }, merge: { file: string; job: JobManifest }, scenarios: readonly string[] = listScenarios()): string[] {
  const problems: string[] = [];
  const say = (file: string, m: string) => problems.push(`${file}: ${m}`);
  const s = sweep.job.spec;
  const sh = script(sweep.job);
  if (s.completionMode !== 'Indexed') say(sweep.file, 'spec.completionMode must be Indexed: each pod runs the shard of its JOB_COMPLETION_INDEX');
  const n = s.completions;
  const shardArg = /--shard\s+"?\$\{?JOB_COMPLETION_INDEX\}?\/(\d+)"?/.exec(sh);
  if (!shardArg) say(sweep.file, 'the command has no --shard "${JOB_COMPLETION_INDEX}/N"');
  else if (n !== undefined && Number(shardArg[1]) !== n) {
    const k = Number(shardArg[1]);
    say(sweep.file, k > n
      ? `the command runs shard INDEX/${k} but spec.completions is ${n}: shards ${n}..${k - 1} never run, so their jobs would be missing`
      : `the command runs shard INDEX/${k} but spec.completions is ${n}: pods ${k}..${n - 1} would ask for a shard that does not exist (experiment exits 2)`);
  }
  if (n !== undefined && s.parallelism !== undefined && s.parallelism > n) say(sweep.file, `spec.parallelism ${s.parallelism} exceeds spec.completions ${n}`);
  const outM = /\bout="?([^"\s]+)\/shard-\$\{?JOB_COMPLETION_INDEX\}?"?/.exec(sh);
  if (!outM) say(sweep.file, 'the command sets no out=<base>/shard-${JOB_COMPLETION_INDEX}');
  const base = outM?.[1];
  if (outM) {
    if (!/--out\s+"?\$\{?out\b\}?"?/.test(sh)) say(sweep.file, 'the command does not pass --out "$out" to npm run experiment');
    if (!/--resume\s+"?\$\{?out\b\}?"?/.test(sh)) say(sweep.file, 'the command does not resume its own directory (--resume "$out") on a retry');
  }
  const sweepMount = base ? mountOf(sweep.job, base) : null;
  if (base && !sweepMount) say(sweep.file, `${base} is not on a mounted persistentVolumeClaim: the merge Job could not read the shards`);
  const scenario = /--scenario\s+(\S+)/.exec(sh)?.[1];
  if (!scenario) say(sweep.file, 'the command names no --scenario');
  else if (!scenario.includes('/') && !scenarios.includes(scenario)) say(sweep.file, `--scenario ${scenario} is not a scenario in scenarios/ (${scenarios.join(', ')})`);
  const c = sweep.job.spec.template.spec.containers[0]!;
  const workers = [...sh.matchAll(/--workers\s+(\d+)/g)].map((m) => Number(m[1]));
  const cpu = cpus(c.resources?.requests?.cpu);
  for (const w of new Set(workers)) if (cpu !== null && w > cpu) say(sweep.file, `--workers ${w} exceeds the ${cpu} CPUs requested: give a shard a core per worker`);

  const mm = /npm run merge --\s+(.+)$/m.exec(script(merge.job).trim());
  if (!mm) say(merge.file, 'the command does not run npm run merge -- OUT SHARD...');
  else if (base && n !== undefined) {
    const [out, ...dirs] = mm[1]!.trim().split(/\s+/);
    const want = Array.from({ length: n }, (_, i) => `${base}/shard-${i}`);
    const missing = want.filter((d) => !dirs.includes(d));
    const extra = dirs.filter((d) => !want.includes(d));
    if (missing.length > 0) say(merge.file, `merges no ${missing.join(', ')}: those shards' jobs would be missing from the merged run`);
    if (extra.length > 0) say(merge.file, `merges ${extra.join(', ')}, which the sweep Job does not write`);
    if (out && want.includes(out)) say(merge.file, `writes the merged run into a shard's directory ${out}`);
    const mergeMount = mountOf(merge.job, base);
    if (!mergeMount) say(merge.file, `${base} is not on a mounted persistentVolumeClaim`);
    else if (sweepMount && (mergeMount.claim !== sweepMount.claim || mergeMount.mountPath !== sweepMount.mountPath)) say(merge.file, `mounts claim ${mergeMount.claim} at ${mergeMount.mountPath}, the sweep Job claim ${sweepMount.claim} at ${sweepMount.mountPath}`);
  }
  return problems;
}

export interface ClusterCheck {
  docs: ManifestDoc[];
  problems: string[];
}

/** Check manifest files: each document on its own, then the sweep and merge Jobs among them together. */
export function checkManifests(files: readonly string[]): ClusterCheck {
  const docs = files.flatMap(checkManifestFile);
  const problems = docs.flatMap((d) => d.problems.map((p) => `${d.file}${docs.filter((x) => x.file === d.file).length > 1 ? ` (document ${d.index + 1})` : ''}: ${p}`));
  const jobs = docs.filter((d): d is ManifestDoc & { job: JobManifest } => d.job !== null);
  const sweeps = jobs.filter((d) => /npm run experiment/.test(script(d.job)));
  const merges = jobs.filter((d) => /npm run merge/.test(script(d.job)));
  if (docs.every((d) => d.problems.length === 0)) {
    if (sweeps.length !== 1 || merges.length !== 1) problems.push(`expected one sweep Job (npm run experiment) and one merge Job (npm run merge) among ${files.map((f) => path.basename(f)).join(', ')}; found ${sweeps.length} and ${merges.length}`);
    else problems.push(...checkSweepAndMerge(sweeps[0]!, merges[0]!));
  }
  return { docs, problems };
}
