/**
 * Renders a plan into one stage's stacks: the core, then one stack per contracts group, each
 * depending on the core (deploy order only: no exports). Before any construct exists it checks the
 * deploy configuration against the plan and reports every problem at once.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { Annotations } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { FunctionPlan, Plan, ValueRef } from '../plan/types.js';
import { type AlarmSubscriptions, isHttpsUrl } from './context.js';
import { routeProblems } from './contract-route.js';
import { HandoffContractsStack } from './contracts-stack.js';
import { HandoffCoreStack } from './core-stack.js';
import { queueProblems } from './dead-letter-queues.js';
import { ConfigurationError, PlanRenderError } from './errors.js';
import { EVENT_BUS_ARN } from './function-access.js';
import { functionProblems } from './handoff-function.js';
import { alarmProblems } from './plan-alarms.js';
import { PROJECT_ROOT } from './project.js';

/** Options of renderPlan. */
export interface RenderPlanOptions {
  /** Deploy-time values of `{ env }` references (CDK context `endpoints`). @default {} */
  readonly endpoints?: Readonly<Record<string, string>>;
  /** Who receives each severity's alarms (CDK context `alarmSubscriptions`). @default none */
  readonly alarmSubscriptions?: AlarmSubscriptions;
  /** Folder the plan's entries are relative to. @default the handoff project root */
  readonly projectRoot?: string;
  /**
   * Entry to bundle instead of a function's planned entry, or undefined to keep it. Tests use it
   * while a handler is being written; a deployment never should.
   * @default every function uses its planned entry
   */
  readonly entryFor?: (fn: FunctionPlan) => string | undefined;
}

/** The stacks of one stage. */
export interface RenderedStage {
  core: HandoffCoreStack;
  contracts: HandoffContractsStack[];
}

/** Example runbook location shipped in cdk.json: alarms linking there lead nowhere useful. */
const EXAMPLE_RUNBOOKS = 'example-org';

/** Renders the plan's stacks into `scope` (an App or a Stage). */
export function renderPlan(scope: Construct, plan: Plan, options: RenderPlanOptions = {}): RenderedStage {
  const endpoints = options.endpoints ?? {};
  checkEndpoints(plan, endpoints);
  checkLimits(plan);
  checkEntries(plan, options);

  const shared = {
    plan,
    endpoints,
    ...(options.projectRoot ? { projectRoot: options.projectRoot } : {}),
    ...(options.entryFor ? { entryFor: options.entryFor } : {}),
  };
  const coreStack = plan.stacks.find((s) => s.kind === 'core');
  if (!coreStack) throw new PlanRenderError('the plan has no core stack');
  const core = new HandoffCoreStack(scope, coreStack.name, {
    ...shared,
    ...(options.alarmSubscriptions ? { alarmSubscriptions: options.alarmSubscriptions } : {}),
  });
  const contracts = plan.stacks
    .filter((s) => s.kind === 'contracts')
    .map((group) => {
      const stack = new HandoffContractsStack(scope, group.name, { ...shared, group });
      stack.addStackDependency(core, 'imports the bus, queues, tables and topics by name');
      return stack;
    });

  if (plan.runbookBaseUrl.includes(EXAMPLE_RUNBOOKS)) {
    Annotations.of(core).addWarningV2(
      '@handoff/infra:exampleRunbooks',
      `runbookBaseUrl ${plan.runbookBaseUrl} is the example location: every alarm would link to it. Point it at your published runbooks/ folder with -c runbookBaseUrl=https://...`,
    );
  }
  const used = new Set(deployParameters(plan));
  for (const name of Object.keys(endpoints).filter((n) => !used.has(n))) {
    Annotations.of(core).addWarningV2(
      '@handoff/infra:unusedEndpoint',
      `endpoints.${name} is not used by any contract (a typo of ${[...used].join(', ') || 'none'}?)`,
    );
  }
  return { core, contracts };
}

/** Names of the deploy parameters the plan's functions read. */
export function deployParameters(plan: Plan): string[] {
  const names = new Set<string>();
  for (const fn of plan.functions) {
    for (const value of Object.values(fn.environment))
      if ('deployParameter' in value) names.add(value.deployParameter);
  }
  return [...names].sort();
}

/** Given endpoint values must be usable: target URLs over https, bus ARNs well formed. */
function checkEndpoints(plan: Plan, endpoints: Readonly<Record<string, string>>): void {
  const problems = new Set<string>();
  const envOf = (ref: ValueRef) => (typeof ref === 'object' && 'env' in ref ? ref.env : undefined);
  for (const contract of plan.contracts) {
    const target = contract.target;
    const name = target.adapter === 'http' ? envOf(target.url) : envOf(target.busArn);
    const value = name ? endpoints[name] : undefined;
    if (!name || value === undefined) continue;
    if (target.adapter === 'http' && !isHttpsUrl(value)) {
      problems.add(
        `endpoints.${name} ${JSON.stringify(value)}: ${contract.id} sends to it; expected an https:// URL (handoff sends over TLS only)`,
      );
    }
    if (target.adapter === 'eventbridge' && !EVENT_BUS_ARN.test(value)) {
      problems.add(
        `endpoints.${name} ${JSON.stringify(value)}: ${contract.id} puts events on it; expected an EventBridge bus ARN (arn:aws:events:<region>:<account>:event-bus/<name>)`,
      );
    }
  }
  if (problems.size > 0) throw new ConfigurationError([...problems]);
}

/** Settings AWS would reject only at deploy time, all reported at synth in one error. */
function checkLimits(plan: Plan): void {
  const problems = [
    ...plan.routes.flatMap(routeProblems),
    ...plan.functions.flatMap(functionProblems),
    ...plan.queues.flatMap(queueProblems),
    ...plan.alarms.flatMap(alarmProblems),
  ];
  if (problems.length > 0) {
    throw new PlanRenderError(
      `the plan has ${problems.length} setting${problems.length === 1 ? '' : 's'} AWS would reject:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}

/** Every entry must exist before any bundling starts: one error naming all missing ones. */
function checkEntries(plan: Plan, options: RenderPlanOptions): void {
  const root = options.projectRoot ?? PROJECT_ROOT;
  const missing = new Set<string>();
  for (const fn of plan.functions) {
    const entry = options.entryFor?.(fn) ?? fn.entry;
    if (!existsSync(isAbsolute(entry) ? entry : join(root, entry))) missing.add(entry);
  }
  if (missing.size > 0) {
    throw new PlanRenderError(
      `Lambda entr${missing.size === 1 ? 'y' : 'ies'} not found under ${root}: ${[...missing].sort().join(', ')}`,
    );
  }
}
