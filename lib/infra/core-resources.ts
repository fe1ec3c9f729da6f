/**
 * The shared resources a function, rule or alarm refers to, looked up by the plan's names. The
 * core stack hands out the resources it creates; a contracts stack hands out imports of the same
 * resources by their deterministic names (`ImportedCoreResources`), so stacks share no
 * CloudFormation exports and can be deployed and removed independently.
 */
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Plan, Severity, TableId, TablePlan } from '../plan/types.js';
import { queueUrl, regionalArn } from './arns.js';
import { PlanRenderError } from './errors.js';

/** What renderers need from the core: each resource by its plan name. */
export interface CoreResources {
  /** handoff's bus for this stage. */
  readonly bus: events.IEventBus;
  /** A tier's dead-letter queue, by queue name. */
  queue(name: string): sqs.IQueue;
  /** A state table, by plan id. */
  table(id: TableId): dynamodb.ITable;
  /** The plan's description of a table (keys and indexes, for grants). */
  tablePlan(id: TableId): TablePlan;
  /** The alarm topic of a severity. */
  topic(severity: Severity): sns.ITopic;
}

/** Props of ImportedCoreResources. */
export interface ImportedCoreResourcesProps {
  /** The plan whose core stack created the resources. */
  readonly plan: Plan;
}

/**
 * The core stack's resources imported by name into another stack (same account and region).
 * Imports are created on first use, once per stack.
 */
export class ImportedCoreResources extends Construct implements CoreResources {
  public readonly bus: events.IEventBus;
  private readonly plan: Plan;
  private readonly queues = new Map<string, sqs.IQueue>();
  private readonly tables = new Map<TableId, dynamodb.ITable>();
  private readonly topics = new Map<Severity, sns.ITopic>();

  constructor(scope: Construct, id: string, props: ImportedCoreResourcesProps) {
    super(scope, id);
    this.plan = props.plan;
    this.bus = events.EventBus.fromEventBusName(this, 'Bus', props.plan.bus.name);
  }

  queue(name: string): sqs.IQueue {
    const known = this.queues.get(name);
    if (known) return known;
    if (!this.plan.queues.some((q) => q.name === name)) {
      throw new PlanRenderError(`the plan has no dead-letter queue named ${name}`);
    }
    const queue = sqs.Queue.fromQueueAttributes(this, `Queue-${name}`, {
      queueArn: regionalArn('sqs', name),
      queueName: name,
      queueUrl: queueUrl(name),
    });
    this.queues.set(name, queue);
    return queue;
  }

  table(id: TableId): dynamodb.ITable {
    const known = this.tables.get(id);
    if (known) return known;
    // Only the name is used (environment); grants build the table's ARN from the plan.
    const table = dynamodb.Table.fromTableName(this, `Table-${id}`, this.plan.tables[id].name);
    this.tables.set(id, table);
    return table;
  }

  tablePlan(id: TableId): TablePlan {
    return this.plan.tables[id];
  }

  topic(severity: Severity): sns.ITopic {
    const known = this.topics.get(severity);
    if (known) return known;
    const plan = this.plan.topics.find((t) => t.severity === severity);
    if (!plan) throw new PlanRenderError(`the plan has no alarm topic for severity ${severity}`);
    const topic = sns.Topic.fromTopicArn(this, `Topic-${severity}`, regionalArn('sns', plan.name));
    this.topics.set(severity, topic);
    return topic;
  }
}
