export { Rng } from './rng.js';
export * from './spaces.js';
export * from './core.js';
export * from './vector.js';
export { make, register, listEnvs, registration, UnknownEnvError } from './registry.js';
export * from './wrappers.js';
import './classic/index.js';
export { CartPoleEnv, CARTPOLE, type CartPoleOptions, type CartPoleState } from './classic/index.js';
export { checkEnv, type CheckEnvOptions } from './checker.js';
// Registers rome/Sandbox-v0. env/ imports nothing above it: scenario *names* resolve once
// scenarios/loader.ts is imported (the package entry index.ts does), or pass a parsed Scenario.
import './sandbox/index.js';
