/**
 * One SNS topic per severity (page, ticket, digest), encrypted with a customer-managed KMS key
 * whose policy lets CloudWatch alarms of this stage publish, TLS enforced, and subscriptions from
 * the `alarmSubscriptions` context.
 */
import { Annotations, ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { Plan, Severity } from '../plan/types.js';
import type { AlarmSubscriptions } from './context.js';

/** Props of AlarmTopics. */
export interface AlarmTopicsProps {
  /** The plan: its topics and prefix (alarm names start with it). */
  readonly plan: Plan;
  /**
   * Who receives each severity: email addresses and https endpoints (PagerDuty, Opsgenie, chat).
   * @default none: the topics exist and a warning names each severity nobody receives
   */
  readonly subscriptions?: AlarmSubscriptions;
}

/** The alarm topics and their key. */
export class AlarmTopics extends Construct {
  /** Topics by severity. */
  public readonly topics: ReadonlyMap<Severity, sns.Topic>;
  /** The key encrypting every topic. */
  public readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: AlarmTopicsProps) {
    super(scope, id);
    const { plan } = props;
    const stack = Stack.of(this);
    // CloudWatch publishes as its service principal; both grants are limited to this stage's
    // alarms in this account so no other alarm (or account) can use them.
    const alarmsOfStage = stack.formatArn({
      service: 'cloudwatch',
      resource: 'alarm',
      resourceName: `${plan.prefix}-*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const fromOurAlarms = {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: { 'aws:SourceArn': alarmsOfStage },
    };

    this.key = new kms.Key(this, 'Key', {
      description: `handoff ${plan.stage}: encrypts the alarm topics`,
      enableKeyRotation: true,
      removalPolicy: plan.stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowHandoffAlarmsToPublishEncrypted',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: fromOurAlarms,
      }),
    );

    const topics = new Map<Severity, sns.Topic>();
    for (const t of plan.topics) {
      const topic = new sns.Topic(this, t.severity, {
        topicName: t.name,
        displayName: `handoff ${plan.stage} ${t.severity}`,
        masterKey: this.key,
        enforceSSL: true,
      });
      topic.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowHandoffAlarmsToPublish',
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['sns:Publish'],
          resources: [topic.topicArn],
          conditions: fromOurAlarms,
        }),
      );
      const entries = props.subscriptions?.[t.severity] ?? [];
      for (const entry of entries) {
        topic.addSubscription(
          entry.kind === 'email'
            ? new subscriptions.EmailSubscription(entry.endpoint)
            : new subscriptions.UrlSubscription(entry.endpoint, { protocol: sns.SubscriptionProtocol.HTTPS }),
        );
      }
      if (entries.length === 0) {
        Annotations.of(topic).addWarningV2(
          '@handoff/infra:noSubscribers',
          `nobody receives ${t.severity} alarms of ${plan.stage} (${t.description.toLowerCase()}): add them with -c alarmSubscriptions='{"${t.severity}":["https://..." or "team@example.com"]}'`,
        );
      }
      topics.set(t.severity, topic);
    }
    this.topics = topics;
  }
}
