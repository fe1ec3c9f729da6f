/**
 * `handoff-<stage>-contracts-<group>`: one group of contracts (by default one owner team), each with
 * its function, log group, role, invoke config, rule and alarms. The core's bus, queues, tables and
 * topics are imported by their deterministic names: no CloudFormation exports, so a group deploys,
 * changes and is removed without touching the core or the other groups.
 */
import { Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import type { FunctionPlan, Plan, Severity, StackPlan } from '../plan/types.js';
import { ContractRoute } from './contract-route.js';
import { ImportedCoreResources } from './core-resources.js';
import { PlanRenderError } from './errors.js';
import { PlanAlarms } from './plan-alarms.js';

/** Props of HandoffContractsStack. `stackName` and `terminationProtection` come from the plan. */
export interface HandoffContractsStackProps extends StackProps {
  /** The plan to render. */
  readonly plan: Plan;
  /** The group of contracts this stack holds (one of `plan.stacks`). */
  readonly group: StackPlan;
  /** Deploy-time values of `{ env }` references (CDK context `endpoints`). @default {} */
  readonly endpoints?: Readonly<Record<string, string>>;
  /** Folder the plan's entries are relative to. @default the handoff project root */
  readonly projectRoot?: string;
  /** Entry to bundle instead of a function's planned entry (tests only). @default the plan's entries */
  readonly entryFor?: (fn: FunctionPlan) => string | undefined;
}

/** A stack of contracts. */
export class HandoffContractsStack extends Stack {
  /** The contracts' routes (function and rule), by contract id. */
  public readonly routes: ReadonlyMap<string, ContractRoute>;
  /** The alarms of this stack, by alarm name. */
  public readonly alarms: ReadonlyMap<string, cloudwatch.Alarm>;

  constructor(scope: Construct, id: string, props: HandoffContractsStackProps) {
    const { plan, group, endpoints, projectRoot, entryFor, ...stackProps } = props;
    if (group.kind !== 'contracts') throw new PlanRenderError(`${group.name} is not a contracts stack`);
    super(scope, id, {
      description: `handoff ${plan.stage}: contracts of group ${group.id} (${group.contracts.length})`,
      ...stackProps,
      // Stack tags: CloudFormation puts them on every resource it can, without repeating them
      // in the template (which for a full group is close to CloudFormation's 1 MB limit).
      tags: { ...stackProps.tags, 'handoff:stage': plan.stage, 'handoff:stack-group': group.id },
      stackName: group.name,
      terminationProtection: plan.stage === 'prod',
    });

    const core = new ImportedCoreResources(this, 'Core', { plan });
    const topic = (severity: Severity) => core.topic(severity);
    const stackAlarms = plan.alarms.filter((a) => a.stack === group.name);
    const ofContract = (id: string) =>
      stackAlarms.filter((a) => a.scope.kind === 'contract' && a.scope.contractId === id);
    const alarms = new Map<string, cloudwatch.Alarm>();
    const routes = new Map<string, ContractRoute>();
    for (const contractId of group.contracts) {
      const route = plan.routes.find((r) => r.contractId === contractId);
      const contract = plan.contracts.find((c) => c.id === contractId);
      if (!route || !contract)
        throw new PlanRenderError(`stack ${group.name} lists contract ${contractId}, which the plan lacks`);
      const fn = plan.functions.find((f) => f.name === route.functionName);
      const entry = fn ? entryFor?.(fn) : undefined;
      const rendered = new ContractRoute(this, contractId, {
        plan,
        route,
        resources: core,
        ...(endpoints ? { endpoints } : {}),
        ...(projectRoot ? { projectRoot } : {}),
        ...(entry ? { entry } : {}),
      });
      const contractAlarms = new PlanAlarms(rendered, 'Alarms', { alarms: ofContract(contractId), topic });
      for (const [name, alarm] of contractAlarms.alarms) alarms.set(name, alarm);
      Tags.of(rendered).add('handoff:contract', contractId);
      Tags.of(rendered).add('handoff:owner', contract.owner);
      routes.set(contractId, rendered);
    }
    this.routes = routes;

    // Alarms of this stack that watch no single contract (none today) are kept, not dropped.
    const others = stackAlarms.filter(
      (a) => a.scope.kind !== 'contract' || !group.contracts.includes(a.scope.contractId),
    );
    if (others.length > 0) {
      for (const [name, alarm] of new PlanAlarms(this, 'Alarms', { alarms: others, topic }).alarms)
        alarms.set(name, alarm);
    }
    this.alarms = alarms;
  }
}
