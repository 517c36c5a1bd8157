export { Rng } from './rng.js';
export * from './spaces.js';
export * from './core.js';
export * from './vector.js';
export { make, register, listEnvs, registration, UnknownEnvError } from './registry.js';
export * from './wrappers.js';
import './classic/index.js';
export { CartPoleEnv, CARTPOLE, type CartPoleOptions, type CartPoleState } from './classic/index.js';
export { checkEnv, type CheckEnvOptions } from './checker.js';
