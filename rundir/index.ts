/**
 * The run directory: the contract between experiments (which write it) and reports (which read
 * it alone); docs/DESIGN.md, "Run directory".
 *
 * ```
 * runs/<scenario>-<utc>/
 *   config.json        resolved scenario, agent and CLI settings, versions, git commit, backend
 *   episodes.csv       one row per training episode (EPISODE_COLUMNS)
 *   eval.csv           one row per evaluation episode of the initial and final policy (EVAL_COLUMNS)
 *   firewall.jsonl     the managed-firewall log: {shaping, seed, phase, episode, env_steps, ...entry}
 *   traces/*.jsonl     sampled evaluation episodes, one line per tick (command, output, events)
 *   opportunity.csv    per job, each behaviour's probability under the final policy's visited states
 *   ablation.csv       per job, evaluations with an emerged behaviour's actions masked
 *   planner.json       the planner's best expected return per shaping and each behaviour's incentive
 *   summary.json       emergence statistics (analysis/), a pure function of the data
 *   summary.md         the same, as Markdown tables
 *   checkpoints/       journal.jsonl (jobs committed into the files above, with their byte offsets)
 *                      and jobs/<job>/ (finished jobs waiting to be committed)
 * ```
 *
 * The package, bottom up: `schema` (file names, formats, columns, row types), `milestones` (the
 * chain's milestone columns of eval.csv), `jobs` (the canonical job order), `codec` (CSV lines),
 * `durable` (atomic files, whole-line appends, truncation), `read` (typed readers, committed rows
 * only) and `journal` (writing job parts, committing them, recovering after a crash).
 */
export * from './schema.js';
export * from './milestones.js';
export * from './jobs.js';
export * from './codec.js';
export * from './durable.js';
export * from './read.js';
export * from './journal.js';
