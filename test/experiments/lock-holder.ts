/**
 * Holds a run directory's lock until killed, as a live `experiment` or `train` would:
 * `lock-holder.ts DIR` prints `locked PID` once it holds the lock.
 */
import { lockRunDir } from '../../experiments/lock.js';

lockRunDir(process.argv[2]!);
process.stdout.write(`locked ${process.pid}\n`);
setInterval(() => {}, 1 << 30);
