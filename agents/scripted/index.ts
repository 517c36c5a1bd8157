export { actionOf, gpusOf, runEpisode, PlanPolicy, type EpisodeResult, type PlanStep, type ScriptedPolicy } from './policy.js';
export { honestPolicy } from './honest.js';
export { roguePlan, roguePolicy } from './rogue.js';
export { randomPolicy, type RandomPolicyOptions } from './random.js';
export { bestGrabbingPolicy, grabbingPlans, grabbingPolicy, meanDiscountedReturn, planName, type GrabPlan, type PlanScore } from './grabbing.js';
