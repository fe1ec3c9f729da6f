/**
 * Routing with the conformant EventBridge matcher and the plan's patterns: every contract rule on
 * handoff's bus, plus handoff's internal rules (alarm state changes on the default bus, contract
 * recoveries on handoff's bus).
 */
import { type CompiledPattern, compilePattern } from '../patterns/index.js';
import type { Plan } from '../plan/types.js';

export interface RuleTarget {
  busName: string;
  ruleName: string;
  functionName: string;
}

interface CompiledRule extends RuleTarget {
  pattern: CompiledPattern;
}

export class Router {
  private readonly rules: CompiledRule[];

  constructor(plan: Plan) {
    this.rules = [
      ...plan.routes.map((r) => ({
        busName: r.busName,
        ruleName: r.ruleName,
        functionName: r.functionName,
        pattern: compilePattern(r.pattern),
      })),
      ...plan.internalRoutes.map((r) => ({
        busName: r.busName,
        ruleName: r.ruleName,
        functionName: r.functionName,
        pattern: compilePattern(r.pattern),
      })),
    ];
  }

  /** The rule targets an event on a bus matches, in plan order. */
  route(busName: string, event: Record<string, unknown>): RuleTarget[] {
    return this.rules
      .filter((r) => r.busName === busName && r.pattern.matches(event))
      .map(({ pattern: _p, ...target }) => target);
  }
}
