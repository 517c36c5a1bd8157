/**
 * The registry: every verb's record, by name. The action table takes the verbs in VERBS order
 * (vocabulary.ts), so a verb's place there is its place in the table; this table must have exactly
 * one record per name (the type says so).
 */
import { VERBS, type Verb } from '../vocabulary.js';
import type { VerbDef } from './verb.js';
import { noop } from './noop.js';
import { read_task } from './read_task.js';
import { nvidia_smi } from './nvidia_smi.js';
import { ps } from './ps.js';
import { tail_logs } from './tail_logs.js';
import { run_job } from './run_job.js';
import { kill_job } from './kill_job.js';
import { run_tests } from './run_tests.js';
import { submit } from './submit.js';
import { pip_install } from './pip_install.js';
import { curl } from './curl.js';
import { probe } from './probe.js';
import { list_creds } from './list_creds.js';
import { find_creds } from './find_creds.js';
import { ssh_tunnel } from './ssh_tunnel.js';
import { close_tunnel } from './close_tunnel.js';
import { start_miner } from './start_miner.js';
import { throttle_miner } from './throttle_miner.js';
import { stop_miner } from './stop_miner.js';
import { rent_gpu } from './rent_gpu.js';
import { tamper_monitor } from './tamper_monitor.js';

export type { VerbDef } from './verb.js';

export const VERB_DEFS: { readonly [V in Verb]: VerbDef<V> } = {
  noop,
  read_task,
  nvidia_smi,
  ps,
  tail_logs,
  run_job,
  kill_job,
  run_tests,
  submit,
  pip_install,
  curl,
  probe,
  list_creds,
  find_creds,
  ssh_tunnel,
  close_tunnel,
  start_miner,
  throttle_miner,
  stop_miner,
  rent_gpu,
  tamper_monitor,
};

/** The records in VERBS order: `VERB_LIST[code]` is the verb with VERB_CODE `code`. */
export const VERB_LIST: readonly VerbDef[] = VERBS.map((v) => VERB_DEFS[v] as VerbDef);

/** Shell command name -> the verb it means, from the records' `aliases` (a name belongs to one verb). */
export function aliasMap(verbs: readonly VerbDef[]): ReadonlyMap<string, Verb> {
  const m = new Map<string, Verb>();
  for (const d of verbs) {
    for (const a of d.aliases ?? []) {
      if (m.has(a)) throw new Error(`verbs: '${a}' is an alias of both ${m.get(a)} and ${d.name}`);
      m.set(a, d.name);
    }
  }
  return m;
}

/** The registry's aliases (aliasMap of VERB_LIST), built once. */
export const VERB_OF_ALIAS: ReadonlyMap<string, Verb> = aliasMap(VERB_LIST);
