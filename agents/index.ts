/** The agents' public API: backends, policies, training, evaluation, checkpoints. */
export * from './backend.js';
export * from './hyperparameters.js';
export { Policy, POLICY_FORMAT, priorLogits, type PolicyJson, type PolicySpec } from './policy.js';
export {
  train,
  createPolicy,
  TrainError,
  RNG_LABELS,
  type TrainOptions,
  type TrainResult,
  type EpisodeRecord,
  type UpdateDiagnostics,
  type CheckpointInfo,
  type PolicyOptions,
} from './train.js';
export { evaluate, EvaluateError, type EvalEpisode, type EvaluateOptions, type TraceTick } from './evaluate.js';
export { readCheckpoint, checkpointPath, CheckpointError, CHECKPOINT_FILE, type TrainCheckpoint } from './checkpoint.js';
export { describeEnv, EnvError, type EnvInfo } from './envinfo.js';
