export { Rng } from './rng.js';
export * from './spaces.js';
export * from './core.js';
export * from './vector.js';
export { make, register, listEnvs, registration, UnknownEnvError } from './registry.js';
export * from './wrappers.js';
import './classic/index.js';
export { CartPoleEnv, CARTPOLE, type CartPoleOptions, type CartPoleState } from './classic/index.js';
export { checkEnv, type CheckEnvOptions } from './checker.js';
import './sandbox/index.js';
// Last, once the sandbox is registered: installs the scenario resolver, so that
// `make('rome/Sandbox-v0', { scenario: 'mining' })` resolves names and YAML paths for anyone who
// imports the env package. The one import of env/ from above it (test/architecture.test.ts):
// the loader depends only on env/sandbox, so there is no cycle.
import '../scenarios/loader.js';
