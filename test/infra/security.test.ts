/**
 * Security invariants over every stack of the example stage, resource by resource: what a security
 * review checks first. Each rule returns the resources that break it, so an exception has to be
 * added here on purpose, with its reason; each rule is also shown catching a bad resource.
 */
import { describe, expect, it } from 'vitest';
import { synth } from './synth.js';

interface Found {
  stack: string;
  id: string;
  type: string;
  props: Record<string, unknown>;
}
interface Statement {
  Effect: string;
  Action?: string | string[];
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const list = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];
const statementsOf = (document: unknown): Statement[] =>
  (document as { Statement?: Statement[] } | undefined)?.Statement ?? [];
const named = (found: Found[]) => found.map((r) => `${r.type} ${r.stack}/${r.id}`);

/**
 * Actions allowed on `Resource: "*"`: cloudwatch:GetMetricData has no resource-level permissions
 * (acknowledged for cdk-nag AwsSolutions-IAM5).
 */
const RESOURCE_STAR_ALLOWED = new Set(['cloudwatch:GetMetricData']);

/** The rules: each lists what breaks it. */
const rules = {
  routesWithoutIam: (rs: Found[]) =>
    named(rs.filter((r) => r.type === 'AWS::ApiGatewayV2::Route' && r.props.AuthorizationType !== 'AWS_IAM')),

  /** Function URLs are open only for webhook receivers, which verify every request themselves. */
  openUrlsNotWebhooks: (rs: Found[], webhookFunctions: Set<string>) =>
    named(
      rs.filter((r) => {
        if (r.type !== 'AWS::Lambda::Url' || r.props.AuthType !== 'NONE') return false;
        const target = r.props.TargetFunctionArn as { 'Fn::GetAtt'?: [string, string] } | undefined;
        const fn = rs.find((f) => f.stack === r.stack && f.id === target?.['Fn::GetAtt']?.[0]);
        return !webhookFunctions.has(String(fn?.props.FunctionName));
      }),
    ),

  wildcardGrants: (rs: Found[]) => {
    const findings: string[] = [];
    const documents = rs.flatMap((r) =>
      r.type === 'AWS::IAM::Policy'
        ? [{ r, document: r.props.PolicyDocument }]
        : r.type === 'AWS::IAM::Role'
          ? list(r.props.Policies as Array<{ PolicyDocument: unknown }> | undefined).map((p) => ({
              r,
              document: p.PolicyDocument,
            }))
          : [],
    );
    for (const { r, document } of documents)
      for (const statement of statementsOf(document)) {
        if (statement.Effect !== 'Allow') continue;
        const actions = list(statement.Action);
        for (const action of actions)
          if (action === '*' || action.endsWith(':*')) findings.push(`${r.stack}/${r.id}: action ${action}`);
        if (list(statement.Resource as string | string[] | undefined).includes('*'))
          for (const action of actions)
            if (!RESOURCE_STAR_ALLOWED.has(action)) findings.push(`${r.stack}/${r.id}: ${action} on *`);
      }
    return findings;
  },

  managedPolicies: (rs: Found[]) =>
    named(rs.filter((r) => r.type === 'AWS::IAM::Role' && list(r.props.ManagedPolicyArns).length > 0)),

  unencrypted: (rs: Found[]) =>
    named(
      rs.filter(
        (r) =>
          (r.type === 'AWS::SQS::Queue' &&
            !r.props.KmsMasterKeyId &&
            r.props.SqsManagedSseEnabled !== true) ||
          (r.type === 'AWS::SNS::Topic' && !r.props.KmsMasterKeyId) ||
          (r.type === 'AWS::DynamoDB::Table' &&
            (r.props.SSESpecification as { SSEEnabled?: boolean } | undefined)?.SSEEnabled !== true),
      ),
    ),

  withoutTls: (rs: Found[]) => {
    const guarded = new Set<string>();
    for (const policy of rs.filter(
      (r) => r.type === 'AWS::SQS::QueuePolicy' || r.type === 'AWS::SNS::TopicPolicy',
    )) {
      const deniesPlainText = statementsOf(policy.props.PolicyDocument).some(
        (s) =>
          s.Effect === 'Deny' && JSON.stringify(s.Condition ?? {}).includes('"aws:SecureTransport":"false"'),
      );
      if (!deniesPlainText) continue;
      for (const ref of list(
        (policy.props.Queues ?? policy.props.Topics) as Array<{ Ref?: string }> | undefined,
      ))
        if (ref.Ref) guarded.add(`${policy.stack}/${ref.Ref}`);
    }
    return named(
      rs.filter(
        (r) =>
          (r.type === 'AWS::SQS::Queue' || r.type === 'AWS::SNS::Topic') &&
          !guarded.has(`${r.stack}/${r.id}`),
      ),
    );
  },

  /** Secrets are read from Secrets Manager at run time; the environment holds only their names. */
  secretsInEnvironment: (rs: Found[]) =>
    rs
      .filter((r) => r.type === 'AWS::Lambda::Function')
      .flatMap((r) =>
        Object.entries(
          (r.props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {},
        )
          .filter(
            ([name, value]) => /SECRET|TOKEN|PASSWORD|API_?KEY/i.test(name) && typeof value === 'string',
          )
          .filter(([, value]) => !/^(arn:aws:secretsmanager:|handoff\/)/.test(String(value)))
          .map(([name]) => `${r.stack}/${r.id}: ${name}`),
      ),
};

describe('security invariants of the example stage', () => {
  const stage = synth();
  const resources: Found[] = stage
    .all()
    .flatMap(({ stack, template }) =>
      Object.entries(
        template.toJSON().Resources as Record<string, { Type: string; Properties?: Record<string, unknown> }>,
      ).map(([id, r]) => ({ stack: stack.stackName, id, type: r.Type, props: r.Properties ?? {} })),
    );
  const count = (type: string) => resources.filter((r) => r.type === type).length;
  const webhookFunctions = new Set(
    stage.plan.functions.filter((f) => f.kind === 'webhook').map((f) => f.name),
  );

  it('has the resources these rules are about', () => {
    expect(count('AWS::IAM::Policy')).toBe(count('AWS::Lambda::Function'));
    expect(count('AWS::SQS::Queue')).toBe(3);
    expect(count('AWS::DynamoDB::Table')).toBe(2);
    expect(count('AWS::SNS::Topic')).toBe(3);
    expect(count('AWS::ApiGatewayV2::Route')).toBe(4);
    expect(count('AWS::Lambda::Url')).toBe(webhookFunctions.size);
  });

  it('authorises every status API route with IAM', () => {
    expect(rules.routesWithoutIam(resources)).toEqual([]);
  });

  it('opens function URLs only for webhook receivers', () => {
    expect(rules.openUrlsNotWebhooks(resources, webhookFunctions)).toEqual([]);
  });

  it('grants no wildcard actions, and Resource "*" only where AWS has no narrower resource', () => {
    expect(rules.wildcardGrants(resources)).toEqual([]);
  });

  it('attaches no AWS managed policies to any role', () => {
    expect(rules.managedPolicies(resources)).toEqual([]);
  });

  it('encrypts every queue, topic and table at rest', () => {
    expect(rules.unencrypted(resources)).toEqual([]);
  });

  it('refuses requests without TLS on every queue and topic', () => {
    expect(rules.withoutTls(resources)).toEqual([]);
  });

  it('keeps no secret values in function environments', () => {
    expect(rules.secretsInEnvironment(resources)).toEqual([]);
  });
});

describe('each rule catches what it is about', () => {
  const bad = (type: string, props: Record<string, unknown>, id = 'Bad'): Found => ({
    stack: 'S',
    id,
    type,
    props,
  });

  it('an open route, an open non-webhook URL, wildcard grants and a managed policy', () => {
    expect(
      rules.routesWithoutIam([bad('AWS::ApiGatewayV2::Route', { AuthorizationType: 'NONE' })]),
    ).toHaveLength(1);
    expect(
      rules.openUrlsNotWebhooks(
        [
          bad('AWS::Lambda::Function', { FunctionName: 'handoff-dev-status-api' }, 'Fn'),
          bad('AWS::Lambda::Url', { AuthType: 'NONE', TargetFunctionArn: { 'Fn::GetAtt': ['Fn', 'Arn'] } }),
        ],
        new Set(['handoff-dev-webhook-crm']),
      ),
    ).toHaveLength(1);
    expect(
      rules.wildcardGrants([
        bad('AWS::IAM::Policy', {
          PolicyDocument: {
            Statement: [
              { Effect: 'Allow', Action: 'sqs:*', Resource: 'arn:aws:sqs:::q' },
              { Effect: 'Allow', Action: ['dynamodb:GetItem', 'cloudwatch:GetMetricData'], Resource: '*' },
            ],
          },
        }),
      ]),
    ).toEqual(['S/Bad: action sqs:*', 'S/Bad: dynamodb:GetItem on *']);
    expect(
      rules.managedPolicies([bad('AWS::IAM::Role', { ManagedPolicyArns: ['arn:aws:iam::aws:policy/x'] })]),
    ).toHaveLength(1);
  });

  it('plain queues, topics and tables, and a queue without a TLS policy', () => {
    expect(
      rules.unencrypted([
        bad('AWS::SQS::Queue', {}),
        bad('AWS::SNS::Topic', {}),
        bad('AWS::DynamoDB::Table', { SSESpecification: { SSEEnabled: false } }),
      ]),
    ).toHaveLength(3);
    expect(
      rules.withoutTls([
        bad('AWS::SQS::Queue', { SqsManagedSseEnabled: true }, 'Q'),
        bad('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: 'Q' }],
          PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage' }] },
        }),
      ]),
    ).toEqual(['AWS::SQS::Queue S/Q']);
  });

  it('a token value in a function environment, not a secret name', () => {
    expect(
      rules.secretsInEnvironment([
        bad('AWS::Lambda::Function', {
          Environment: {
            Variables: { CRM_API_TOKEN: 'tok-123', HELPDESK_TOKEN_SECRET: 'handoff/helpdesk/api-token' },
          },
        }),
      ]),
    ).toEqual(['S/Bad: CRM_API_TOKEN']);
  });
});
