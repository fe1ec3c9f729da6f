/**
 * One dead-letter queue per tier: both retry layers (EventBridge delivery and Lambda's on-failure
 * destination) and the sync handler's own permanent/config dead letters land in it, so an operator
 * looks in one place per tier. Encrypted (SQS-managed SSE), TLS enforced, 14-day retention.
 */
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Plan, QueuePlan, TierName } from '../plan/types.js';
import { PlanRenderError } from './errors.js';

/** SQS's longest retention: dead letters are kept as long as SQS allows. */
const MAX_RETENTION_DAYS = 14;

/** Props of DeadLetterQueues. */
export interface DeadLetterQueuesProps {
  /** The plan: its queues, bus name and prefix (for the EventBridge rules allowed to send). */
  readonly plan: Plan;
  /**
   * What happens to the queues (and the dead letters in them) when the stack is deleted.
   * @default DESTROY; RETAIN in prod
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** The tiers' dead-letter queues. */
export class DeadLetterQueues extends Construct {
  /** Queues by queue name. */
  public readonly queues: ReadonlyMap<string, sqs.Queue>;
  /** Queues by tier. */
  public readonly byTier: ReadonlyMap<TierName, sqs.Queue>;

  constructor(scope: Construct, id: string, props: DeadLetterQueuesProps) {
    super(scope, id);
    const { plan } = props;
    const problems = plan.queues.flatMap(queueProblems);
    if (problems.length > 0) throw new PlanRenderError(problems.join('; '));

    const stack = Stack.of(this);
    // EventBridge puts undeliverable events here. A contracts stack imports the queue by name and
    // cannot add to its policy, so the policy allows every rule of this stage on handoff's bus.
    const stageRules = stack.formatArn({
      service: 'events',
      resource: 'rule',
      resourceName: `${plan.bus.name}/${plan.prefix}-*`,
    });
    const queues = new Map<string, sqs.Queue>();
    const byTier = new Map<TierName, sqs.Queue>();
    for (const q of plan.queues) {
      const queue = new sqs.Queue(this, q.tier, {
        queueName: q.name,
        retentionPeriod: Duration.days(q.retentionDays),
        visibilityTimeout: Duration.seconds(q.visibilityTimeoutSeconds),
        // SQS-managed keys: EventBridge DLQs and Lambda destinations need no key grants with them.
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        removalPolicy:
          props.removalPolicy ?? (plan.stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY),
      });
      queue.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowHandoffRulesToDeadLetter',
          principals: [new iam.ServicePrincipal('events.amazonaws.com')],
          actions: ['sqs:SendMessage'],
          resources: [queue.queueArn],
          conditions: {
            ArnLike: { 'aws:SourceArn': stageRules },
            StringEquals: { 'aws:SourceAccount': stack.account },
          },
        }),
      );
      Validations.of(queue).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason:
          "This queue is the tier's dead-letter queue (EventBridge target DLQ and Lambda on-failure destination); a dead-letter queue of its own would hide failures in a second place.",
      });
      queues.set(q.name, queue);
      byTier.set(q.tier, queue);
    }
    this.queues = queues;
    this.byTier = byTier;
  }
}

/** What SQS would reject in a queue's settings, one line per problem. */
export function queueProblems(q: QueuePlan): string[] {
  const problems: string[] = [];
  if (q.retentionDays < 1 || q.retentionDays > MAX_RETENTION_DAYS)
    problems.push(`queue ${q.name}: retention ${q.retentionDays} days is outside SQS's 1-14`);
  if (q.visibilityTimeoutSeconds < 0 || q.visibilityTimeoutSeconds > 43_200)
    problems.push(
      `queue ${q.name}: visibility timeout ${q.visibilityTimeoutSeconds}s is outside SQS's 0-12h`,
    );
  return problems;
}
