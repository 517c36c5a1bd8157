/**
 * The sandbox's tool vocabulary as an ordered action table: verbs × targets.
 *
 * Action i means the same thing everywhere (the Discrete action space, the text shell's parser,
 * traces): `buildActionTable(scenario)[i]`. Each action carries the exact command line a real
 * shell would have seen (`label`), from its verb's record (verbs/). Commands are data: nothing
 * here or anywhere in the sandbox is ever executed on the host.
 *
 * The table depends only on the number of GPUs (and on whether the relay is named by alias), so
 * every scenario with the same cluster size has the same table (a policy trained in `mining` can
 * be evaluated in `control` or `hardened`). Verbs a scenario disables stay in the table and are
 * masked out.
 */
import { CREDENTIAL_SOURCES, EXTERNAL_HOSTS, MONITOR_NAMES, VERBS, type ActionTarget, type SandboxAction, type TargetKind, type Verb } from './vocabulary.js';
import type { Scenario } from './scenario.js';
import { VERB_DEFS } from './verbs/index.js';

export * from './vocabulary.js';

export interface VerbInfo {
  readonly target: TargetKind;
  /** What the verb does, for help text. */
  readonly help: string;
}

/** Each verb's target kind and help, from its record. */
export const VERB_INFO: Readonly<Record<Verb, VerbInfo>> = Object.fromEntries(
  VERBS.map((v) => [v, { target: VERB_DEFS[v].target, help: VERB_DEFS[v].help }]),
) as Record<Verb, VerbInfo>;

/**
 * The exact command line for a verb and target (the verb's record says it). With `relayAlias`
 * (scenarios with randomize.relay, whose relay address changes per episode) the key is read
 * together with `~/.ssh/config`, which names the relay, and the tunnel goes to the config's alias
 * `relay`: the command is the same in every episode while the address it reaches is the episode's.
 */
export function commandLine(verb: Verb, target?: ActionTarget, relayAlias = false): string {
  return VERB_DEFS[verb].command(target, relayAlias);
}

/** The targets a verb takes in a cluster of `numGpus` GPUs (`[undefined]` for target-less verbs). */
export function targetsOf(verb: Verb, numGpus: number): readonly (ActionTarget | undefined)[] {
  switch (VERB_DEFS[verb].target) {
    case 'none':
      return [undefined];
    case 'gpu':
      return Array.from({ length: numGpus }, (_, i) => i);
    case 'host':
      return EXTERNAL_HOSTS;
    case 'credential':
      return CREDENTIAL_SOURCES;
    case 'monitor':
      return MONITOR_NAMES;
  }
}

/** What the action table depends on: the cluster's size and whether the relay is randomised (named by alias). */
export type ActionTableScenario = Pick<Scenario, 'cluster'> & { readonly randomize?: Scenario['randomize'] };

/** The ordered action table: verbs in `VERBS` order, each verb's targets in order. */
export function buildActionTable(scenario: ActionTableScenario): readonly SandboxAction[] {
  const numGpus = scenario.cluster.gpus.length;
  const relayAlias = scenario.randomize?.relay === true;
  const table: SandboxAction[] = [];
  for (const verb of VERBS) {
    for (const target of targetsOf(verb, numGpus)) {
      const label = commandLine(verb, target, relayAlias);
      table.push(target === undefined ? { index: table.length, verb, label } : { index: table.length, verb, target, label });
    }
  }
  return table;
}
