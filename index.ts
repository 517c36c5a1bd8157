/**
 * rome-gym's package entry: the env contract and both env families, scenario loading (which lets
 * `make('rome/Sandbox-v0', { scenario: 'mining' })` resolve names), the agents, and run-directory
 * reading. Import from here in notebooks and scripts (importing it also lets `make` resolve scenario
 * names); the command-line entry points live in cli/ and experiments/.
 */
export * from './env/index.js';
export * from './env/sandbox/index.js';
export { loadScenario, listScenarios, parseScenario, scenarioPath, ScenarioError } from './scenarios/loader.js';
export * from './agents/index.js';
export { readRunDir } from './rundir/index.js';
