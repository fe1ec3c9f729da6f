/**
 * Amazon EventBridge event patterns, offline: validation with EventBridge's rules and messages, and matching
 * with the semantics of its engine (aws/event-ruler), for routing events in the local layer.
 */
export {
  type CompiledPattern,
  compilePattern,
  formatProblems,
  InvalidPatternError,
  matchesPattern,
} from './match.js';
export { type TestEventPatternResult, testEventPattern } from './test-event-pattern.js';
export type { EventPattern, EventPatternValue, PatternProblem } from './types.js';
export { validatePattern } from './validate.js';
