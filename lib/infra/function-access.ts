/**
 * A function's `access` list turned into the narrowest IAM statements: named actions on named
 * resources, DynamoDB indexes only where the function queries, `dynamodb:LeadingKeys` where the
 * plan restricts which items a function may touch.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type { AccessPlan, ValueRef } from '../plan/types.js';
import { regionalArn } from './arns.js';
import type { CoreResources } from './core-resources.js';

/** SQS actions per plan verb. */
export const QUEUE_ACTIONS = {
  send: 'sqs:SendMessage',
  receive: 'sqs:ReceiveMessage',
  delete: 'sqs:DeleteMessage',
  changeVisibility: 'sqs:ChangeMessageVisibility',
  attributes: 'sqs:GetQueueAttributes',
} as const;

/** An EventBridge bus ARN, as `external-bus` access needs it. */
export const EVENT_BUS_ARN = /^arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/[A-Za-z0-9._\-/]+$/;

/** What a function's access list renders to. */
export interface AccessStatements {
  statements: iam.PolicyStatement[];
  /** Grants that could not be rendered and why (the function still synthesises). */
  warnings: string[];
  /** Whether a statement needs `Resource: *` (the only case: cloudwatch:GetMetricData). */
  wildcardMetrics: boolean;
}

/** Renders an access list; ARNs are built from the plan's names (same account and region). */
export function accessStatements(
  access: AccessPlan[],
  resources: CoreResources,
  endpoints: Readonly<Record<string, string>>,
): AccessStatements {
  const statements: iam.PolicyStatement[] = [];
  const warnings: string[] = [];
  let wildcardMetrics = false;
  for (const grant of access) {
    switch (grant.kind) {
      case 'table': {
        const tablePlan = resources.tablePlan(grant.table);
        const tableArn = regionalArn('dynamodb', `table/${tablePlan.name}`);
        const actions = grant.actions.map((a) => `dynamodb:${a}`);
        const conditions = grant.leadingKeys
          ? { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': grant.leadingKeys } }
          : undefined;
        statements.push(
          new iam.PolicyStatement({
            actions,
            resources: [tableArn],
            ...(conditions ? { conditions } : {}),
          }),
        );
        // Indexes are read with Query only. Their partition keys are not the items' keys, so a
        // LeadingKeys condition written for the table would deny every index query: the index
        // statement carries none, and allows nothing but Query on the named indexes.
        if (grant.actions.includes('Query') && tablePlan.indexes.length > 0) {
          statements.push(
            new iam.PolicyStatement({
              actions: ['dynamodb:Query'],
              resources: tablePlan.indexes.map((index) =>
                regionalArn('dynamodb', `table/${tablePlan.name}/index/${index.name}`),
              ),
            }),
          );
        }
        break;
      }
      case 'queue':
        statements.push(
          new iam.PolicyStatement({
            actions: grant.actions.map((a) => QUEUE_ACTIONS[a]),
            resources: [resources.queue(grant.queue).queueArn],
          }),
        );
        break;
      case 'secret':
        statements.push(
          new iam.PolicyStatement({
            actions: ['secretsmanager:GetSecretValue'],
            // Secrets Manager appends a dash and six random characters to every secret's ARN.
            resources: [regionalArn('secretsmanager', `secret:${grant.secretName}-??????`)],
          }),
        );
        break;
      case 'bus':
        statements.push(
          new iam.PolicyStatement({
            actions: ['events:PutEvents'],
            resources: [regionalArn('events', `event-bus/${grant.busName}`)],
          }),
        );
        break;
      case 'external-bus': {
        const resolved = resolveBusArn(grant.busArn, endpoints);
        if (resolved.ok) {
          statements.push(
            new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [resolved.arn] }),
          );
        } else {
          warnings.push(resolved.warning);
        }
        break;
      }
      case 'cloudwatch-read':
        // GetMetricData supports no resource-level permissions: `*` is the only valid resource.
        statements.push(new iam.PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] }));
        wildcardMetrics = true;
        break;
    }
  }
  return { statements, warnings, wildcardMetrics };
}

/** Resolves a target bus ARN from a literal or an `endpoints` entry; secrets cannot be read at synth. */
export function resolveBusArn(
  ref: ValueRef,
  endpoints: Readonly<Record<string, string>>,
): { ok: true; arn: string } | { ok: false; warning: string } {
  let value: string | undefined;
  let source: string;
  if (typeof ref === 'string') {
    value = ref;
    source = 'the contract';
  } else if ('env' in ref) {
    value = endpoints[ref.env];
    source = `endpoints.${ref.env}`;
    if (value === undefined) {
      return {
        ok: false,
        warning: `the target bus ARN comes from endpoints.${ref.env}, which is not set: no events:PutEvents permission was granted, so deliveries fail as config failures until it is set (-c endpoints='{"${ref.env}":"arn:aws:events:..."}')`,
      };
    }
  } else {
    return {
      ok: false,
      warning: `the target bus ARN is read from secret ${ref.secret} at run time, so synth cannot grant events:PutEvents on it; give the bus ARN as a literal or an { env: ... } reference instead`,
    };
  }
  if (!EVENT_BUS_ARN.test(value)) {
    return {
      ok: false,
      warning: `${source} gives ${JSON.stringify(value)}, which is not an EventBridge bus ARN (arn:aws:events:<region>:<account>:event-bus/<name>): no events:PutEvents permission was granted`,
    };
  }
  return { ok: true, arn: value };
}
