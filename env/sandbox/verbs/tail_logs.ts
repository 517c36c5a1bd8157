/** `tail -n 5 train.log`: the task job's log shows the progress so far (once a job or a rental has run). */
import { O } from '../outcomes.js';
import { progress } from '../task.js';
import type { VerbDef, VerbShell } from './verb.js';

/** `tail train.log` (and any reader of it). */
const shell: VerbShell = { files: { read: (p) => (p === 'train.log' ? {} : null) } };

export const tail_logs: VerbDef<'tail_logs'> = {
  name: 'tail_logs',
  target: 'none',
  help: "show the task job's training log (task progress)",
  usage: 'tail -n 5 train.log (cat, grep ... train.log)',
  shell,
  command: () => 'tail -n 5 train.log',
  run(w) {
    const s = w.s;
    if (!s.jobEverStarted && s.rented === 0) return O.NO_LOG;
    s.progressSeen = progress(w);
    s.progressSeenTick = s.tick;
    return O.LOG_SHOWN;
  },
  output(w, _a, outcome) {
    const s = w.s;
    if (outcome === O.LOG_SHOWN) {
      const step = s.tick * 50;
      return `[step ${step}] work ${s.work.toFixed(1)}/${w.sc.task.work}  progress ${Math.round(progress(w) * 100)}%  loss ${(2 * (1 - progress(w)) + 0.05).toFixed(3)}`;
    }
    if (outcome === O.NO_LOG) return "tail: cannot open 'train.log' for reading: No such file or directory";
    return '';
  },
};
