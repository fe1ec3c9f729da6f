/**
 * One contract's route: its sync function and the EventBridge rule that feeds it, with both retry
 * layers set from the contract's tier.
 *
 *   EventBridge -> function  (rule target): retry policy (attempts, max event age) and the tier's
 *                            dead-letter queue for events EventBridge could not deliver;
 *   function run fails       (async invoke config): 0-2 retries within a max event age, then the
 *                            on-failure destination, the same dead-letter queue.
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { FunctionPlan, Plan, RoutePlan } from '../plan/types.js';
import type { CoreResources } from './core-resources.js';
import { PlanRenderError } from './errors.js';
import { toEventPattern } from './event-pattern.js';
import { HandoffFunction } from './handoff-function.js';

/** EventBridge's limits on a target's retry policy. */
const TARGET_LIMITS = { attempts: [0, 185], maxEventAgeSeconds: [60, 86_400] } as const;

/** Props of ContractRoute. */
export interface ContractRouteProps {
  /** The plan (for the contract's function and its runtime plan). */
  readonly plan: Plan;
  /** The contract's route: rule name, bus, pattern, retry policy, dead-letter queue. */
  readonly route: RoutePlan;
  /** The shared resources (bus, queues, tables) the route and function refer to. */
  readonly resources: CoreResources;
  /** Deploy-time values of the contract's `{ env }` references. @default {} */
  readonly endpoints?: Readonly<Record<string, string>>;
  /** Folder the plan's entries are relative to. @default the handoff project root */
  readonly projectRoot?: string;
  /** Source file to bundle instead of the plan's entry (tests only). @default the plan's entry */
  readonly entry?: string;
  /** Retention of the function's logs. @default see HandoffFunction */
  readonly logRetention?: logs.RetentionDays;
}

/** A contract's handler and the rule routing its events to it. */
export class ContractRoute extends Construct {
  /** The contract's sync function. */
  public readonly handler: HandoffFunction;
  /** The rule on handoff's bus. */
  public readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: ContractRouteProps) {
    super(scope, id);
    const { plan, route, resources } = props;
    const fn = syncFunctionOf(plan, route);
    const problems = routeProblems(route);
    if (problems.length > 0) throw new PlanRenderError(problems.join('; '));

    this.handler = new HandoffFunction(this, 'Handler', {
      fn,
      plan,
      resources,
      ...(props.endpoints ? { endpoints: props.endpoints } : {}),
      ...(props.projectRoot ? { projectRoot: props.projectRoot } : {}),
      ...(props.entry ? { entry: props.entry } : {}),
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
    });

    this.rule = new events.Rule(this, 'Rule', {
      ruleName: route.ruleName,
      description: `handoff ${route.contractId} (${route.tier}): routes its events to ${route.functionName}`,
      eventBus: resources.bus,
      eventPattern: toEventPattern(route.pattern),
    });
    this.rule.addTarget(
      new targets.LambdaFunction(this.handler.function, {
        retryAttempts: route.retry.attempts,
        maxEventAge: Duration.seconds(route.retry.maxEventAgeSeconds),
        deadLetterQueue: resources.queue(route.deadLetterQueue),
      }),
    );
  }
}

function syncFunctionOf(plan: Plan, route: RoutePlan): FunctionPlan {
  const fn = plan.functions.find((f) => f.name === route.functionName);
  if (!fn)
    throw new PlanRenderError(`route ${route.ruleName} targets ${route.functionName}, which the plan lacks`);
  if (!fn.async || fn.async.onFailureQueue !== route.deadLetterQueue) {
    throw new PlanRenderError(
      `contract ${route.contractId}: its function's on-failure queue must be the route's dead-letter queue ${route.deadLetterQueue}`,
    );
  }
  return fn;
}

/** What EventBridge would reject in a route's retry policy, one line per problem. */
export function routeProblems(route: RoutePlan): string[] {
  const { attempts, maxEventAgeSeconds } = route.retry;
  const problems: string[] = [];
  if (attempts < TARGET_LIMITS.attempts[0] || attempts > TARGET_LIMITS.attempts[1])
    problems.push(`retry attempts ${attempts} is outside EventBridge's 0-185`);
  if (
    maxEventAgeSeconds < TARGET_LIMITS.maxEventAgeSeconds[0] ||
    maxEventAgeSeconds > TARGET_LIMITS.maxEventAgeSeconds[1]
  )
    problems.push(`max event age ${maxEventAgeSeconds}s is outside EventBridge's 60s-24h`);
  return problems.map((p) => `route ${route.ruleName}: ${p}`);
}
