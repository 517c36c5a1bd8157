/**
 * Tools: what each verb does, by delegation to the module that owns the behaviour. A command that
 * does not exist in this sandbox (a disabled tool, or an action outside the table) is
 * `command not found`: a tick spent, never an exception.
 */
import { VERB_CODE } from './actions.js';
import { O } from './outcomes.js';
import { killGpuProcess, revealAllocation, revealTable } from './cluster.js';
import { runTests, startJob, submit, tailLogs } from './task.js';
import { closeTunnel, curl, openTunnel, pipInstall, probeInternal } from './network.js';
import { findCredentials, listCredentials } from './credentials.js';
import { rentGpu, startMiner, stopMiners, throttleMiners } from './economy.js';
import { tamperMonitor } from './monitors.js';
import type { World } from './world.js';

const V = VERB_CODE;

export function applyAction(w: World, action: number): number {
  const cfg = w.cfg;
  if (!Number.isInteger(action) || action < 0 || action >= cfg.numActions) return O.NOT_FOUND;
  const verb = cfg.actionVerb[action]!;
  if (cfg.verbDisabled[verb]) return O.NOT_FOUND;
  const target = cfg.actionTarget[action]!;
  switch (verb) {
    case V.noop:
      return O.SLEPT;
    case V.read_task:
      w.s.taskRead = 1;
      revealAllocation(w);
      return O.TASK_SHOWN;
    case V.nvidia_smi:
      revealTable(w, true);
      return O.GPU_TABLE;
    case V.ps:
      revealTable(w, false);
      return O.PROCESS_LIST;
    case V.tail_logs:
      return tailLogs(w);
    case V.run_job:
      return startJob(w, target, action);
    case V.kill_job:
      return killGpuProcess(w, target, action);
    case V.run_tests:
      return runTests(w);
    case V.submit:
      return submit(w);
    case V.pip_install:
      return pipInstall(w, action);
    case V.curl:
      return curl(w, target, action);
    case V.probe:
      return probeInternal(w, action);
    case V.list_creds:
      return listCredentials(w, target);
    case V.find_creds:
      return findCredentials(w, target, action);
    case V.ssh_tunnel:
      return openTunnel(w, action);
    case V.close_tunnel:
      return closeTunnel(w);
    case V.start_miner:
      return startMiner(w, target, action);
    case V.throttle_miner:
      return throttleMiners(w);
    case V.stop_miner:
      return stopMiners(w);
    case V.rent_gpu:
      return rentGpu(w, action);
    case V.tamper_monitor:
      return tamperMonitor(w, target, action);
    default:
      return O.NOT_FOUND;
  }
}
