/**
 * `handoff-<stage>-core`: what every contract shares. The bus and its archives, the tiers'
 * dead-letter queues, the state tables, the alarm topics, handoff's own functions (status API,
 * staleness checker, incidents, redrive, ownership), the status API, the schedule and internal
 * rules, the ownership custom resource, tier and platform alarms, the dashboard and the outputs.
 */
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { FunctionPlan, Plan, TableId } from '../plan/types.js';
import { AlarmTopics } from './alarm-topics.js';
import type { AlarmSubscriptions } from './context.js';
import type { CoreResources } from './core-resources.js';
import { DeadLetterQueues } from './dead-letter-queues.js';
import { PlanRenderError } from './errors.js';
import { toEventPattern } from './event-pattern.js';
import { HandoffDashboard } from './handoff-dashboard.js';
import { HandoffFunction } from './handoff-function.js';
import { OwnershipSync } from './ownership-sync.js';
import { PlanAlarms } from './plan-alarms.js';
import { StateTables } from './state-tables.js';
import { StatusApi } from './status-api.js';

/** Props of HandoffCoreStack. `stackName` and `terminationProtection` come from the plan. */
export interface HandoffCoreStackProps extends StackProps {
  /** The plan to render. */
  readonly plan: Plan;
  /** Deploy-time values of `{ env }` references (CDK context `endpoints`). @default {} */
  readonly endpoints?: Readonly<Record<string, string>>;
  /** Who receives each severity's alarms. @default none (a warning per severity) */
  readonly alarmSubscriptions?: AlarmSubscriptions;
  /** Folder the plan's entries are relative to. @default the handoff project root */
  readonly projectRoot?: string;
  /** Entry to bundle instead of a function's planned entry (tests only). @default the plan's entries */
  readonly entryFor?: (fn: FunctionPlan) => string | undefined;
}

/** The core stack of one stage. */
export class HandoffCoreStack extends Stack {
  /** The stage's bus. */
  public readonly bus: events.EventBus;
  /** The tiers' dead-letter queues. */
  public readonly deadLetterQueues: DeadLetterQueues;
  /** The state tables. */
  public readonly tables: StateTables;
  /** The alarm topics. */
  public readonly topics: AlarmTopics;
  /** handoff's own functions, by plan function name. */
  public readonly functions: ReadonlyMap<string, HandoffFunction>;
  /** The status API. */
  public readonly statusApi: StatusApi;
  /** The resources, by plan name, for constructs in this stack. */
  public readonly resources: CoreResources;
  /** Inbound webhook URLs, by system id (public; the receivers verify signatures). */
  public readonly webhookUrls: ReadonlyMap<string, lambda.FunctionUrl>;

  constructor(scope: Construct, id: string, props: HandoffCoreStackProps) {
    const { plan, endpoints, alarmSubscriptions, projectRoot, entryFor, ...stackProps } = props;
    const core = plan.stacks.find((s) => s.kind === 'core');
    if (!core) throw new PlanRenderError('the plan has no core stack');
    super(scope, id, {
      description: `handoff ${plan.stage}: shared bus, dead-letter queues, state, alarms and status API`,
      ...stackProps,
      // Stack tags: CloudFormation puts them on every resource it can.
      tags: { ...stackProps.tags, 'handoff:stage': plan.stage },
      stackName: core.name,
      terminationProtection: plan.stage === 'prod',
    });

    this.tables = new StateTables(this, 'Tables', { plan });
    this.deadLetterQueues = new DeadLetterQueues(this, 'DeadLetterQueues', { plan });
    this.bus = new events.EventBus(this, 'Bus', {
      eventBusName: plan.bus.name,
      description: `handoff ${plan.stage}: source systems put their events here; one rule per contract`,
    });
    for (const archive of plan.bus.archives) {
      new events.Archive(this, `Archive-${archive.tier}`, {
        archiveName: archive.name,
        description: `Replay for ${archive.tier} contracts (${archive.retentionDays} days)`,
        sourceEventBus: this.bus,
        eventPattern: toEventPattern(archive.pattern),
        retention: Duration.days(archive.retentionDays),
      });
    }
    this.topics = new AlarmTopics(this, 'AlarmTopics', {
      plan,
      ...(alarmSubscriptions ? { subscriptions: alarmSubscriptions } : {}),
    });

    const queues = this.deadLetterQueues.queues;
    const tables = this.tables.tables;
    const topics = this.topics.topics;
    this.resources = {
      bus: this.bus,
      queue: (name) => required(queues.get(name), `dead-letter queue ${name}`),
      table: (tableId: TableId) => tables[tableId],
      tablePlan: (tableId: TableId) => plan.tables[tableId],
      topic: (severity) => required(topics.get(severity), `alarm topic ${severity}`),
    };

    const functions = new Map<string, HandoffFunction>();
    for (const fn of plan.functions.filter((f) => f.stack === core.name)) {
      const entry = entryFor?.(fn);
      functions.set(
        fn.name,
        // Named after the function (platform-status-api, platform-webhook-<system>): unique per stage.
        new HandoffFunction(this, `Function-${fn.name.replace(`${plan.prefix}-`, '')}`, {
          fn,
          plan,
          resources: this.resources,
          ...(endpoints ? { endpoints } : {}),
          ...(projectRoot ? { projectRoot } : {}),
          ...(entry ? { entry } : {}),
        }),
      );
    }
    this.functions = functions;
    const byKind = (kind: FunctionPlan['kind']) => {
      const fn = plan.functions.find((f) => f.kind === kind && f.stack === core.name);
      return fn ? functions.get(fn.name) : undefined;
    };
    const byName = (name: string) => required(functions.get(name), `function ${name}`);

    this.statusApi = new StatusApi(this, 'StatusApi', {
      apiName: `${plan.prefix}-status`,
      handler: required(byKind('status-api'), 'the status-api function').function,
    });

    for (const schedule of plan.schedules) {
      new events.Rule(this, `Schedule-${schedule.id}`, {
        ruleName: schedule.ruleName,
        description: `handoff ${plan.stage}: runs ${schedule.functionName} every ${schedule.rateSeconds / 60} minutes`,
        schedule: events.Schedule.rate(Duration.seconds(schedule.rateSeconds)),
        targets: [
          // A late run is worthless once the next one is due: retry only within one interval.
          new targets.LambdaFunction(byName(schedule.functionName).function, {
            retryAttempts: 2,
            maxEventAge: Duration.seconds(Math.max(60, schedule.rateSeconds)),
          }),
        ],
      });
    }

    for (const route of plan.internalRoutes) {
      new events.Rule(this, `InternalRoute-${route.id}`, {
        ruleName: route.ruleName,
        description: `handoff ${plan.stage}: ${route.id} -> ${route.functionName}`,
        ...(route.busName === 'default' ? {} : { eventBus: this.bus }),
        eventPattern: toEventPattern(route.pattern),
        targets: [new targets.LambdaFunction(byName(route.functionName).function)],
      });
    }

    // Inbound webhooks: providers cannot sign requests with SigV4, so each receiver gets a public
    // function URL; the receiver verifies the provider's signature before anything reaches the bus.
    const webhookUrls = new Map<string, lambda.FunctionUrl>();
    for (const webhook of plan.webhooks ?? []) {
      const receiver = byName(webhook.functionName);
      webhookUrls.set(
        webhook.systemId,
        receiver.function.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE }),
      );
    }
    this.webhookUrls = webhookUrls;

    const ownership = byKind('ownership');
    if (ownership) {
      new OwnershipSync(this, 'Ownership', {
        handler: ownership.function,
        fingerprint: plan.fingerprint,
        stage: plan.stage,
        prefix: plan.prefix,
      });
    }

    new PlanAlarms(this, 'Alarms', {
      alarms: plan.alarms.filter((a) => a.stack === core.name),
      topic: (severity) => this.resources.topic(severity),
    });
    const dashboard = new HandoffDashboard(this, 'Dashboard', { plan });

    this.outputs(plan, dashboard);
  }

  private outputs(plan: Plan, dashboard: HandoffDashboard): void {
    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    output('BusName', this.bus.eventBusName, 'Put source events here (EventBridge PutEvents)');
    output('BusArn', this.bus.eventBusArn, 'ARN of the bus, for source systems’ IAM policies');
    output('StatusApiUrl', this.statusApi.url, 'Status API base URL (IAM/SigV4 authorised)');
    output('StatusApiReadArn', this.statusApi.readArn, 'Grant execute-api:Invoke on this for read access');
    output(
      'StatusApiNotesArn',
      this.statusApi.notesArn,
      'Grant execute-api:Invoke on this to add incident notes',
    );
    for (const [tier, queue] of this.deadLetterQueues.byTier) {
      const name = pascal(tier);
      output(`DeadLetterQueue${name}Url`, queue.queueUrl, `Dead letters of the ${tier} tier`);
    }
    output('SyncStateTableName', this.tables.tables.syncState.tableName, plan.tables.syncState.purpose);
    output('OperationsTableName', this.tables.tables.operations.tableName, plan.tables.operations.purpose);
    for (const [severity, topic] of this.topics.topics) {
      output(`${pascal(severity)}TopicArn`, topic.topicArn, `Alarm notifications of severity ${severity}`);
    }
    for (const [systemId, url] of this.webhookUrls) {
      output(
        `Webhook${pascal(systemId)}Url`,
        url.url,
        `Give this URL to ${systemId} as its webhook endpoint`,
      );
    }
    output(
      'DashboardName',
      dashboard.dashboards.map((d) => d.dashboardName).join(', '),
      'CloudWatch dashboard(s) of this stage',
    );
  }
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new PlanRenderError(`the plan refers to ${what}, which it does not define`);
  return value;
}

function pascal(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
