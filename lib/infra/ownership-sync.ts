/**
 * Writes ownership (teams, systems, contracts) from the contracts into the operations table on
 * every deploy that changes them, so the status API's answers and git never disagree. A custom
 * resource whose properties carry the plan's fingerprint: a change to any contract changes the
 * fingerprint, and CloudFormation calls the ownership function again.
 */
import { CustomResource, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';

/** Props of OwnershipSync. */
export interface OwnershipSyncProps {
  /** The ownership function (custom-resource onEvent handler). */
  readonly handler: lambda.IFunction;
  /** The plan's fingerprint (sha256 of the contracts). */
  readonly fingerprint: string;
  /** The stage, passed to the handler for its own checks. */
  readonly stage: string;
  /** Name prefix for the provider's log group, e.g. handoff-dev. */
  readonly prefix: string;
  /**
   * Retention of the provider framework's logs.
   * @default one month
   */
  readonly logRetention?: logs.RetentionDays;
}

/** The ownership custom resource. */
export class OwnershipSync extends Construct {
  /** The custom resource. */
  public readonly resource: CustomResource;
  /** The provider framework that calls the handler. */
  public readonly provider: cr.Provider;

  constructor(scope: Construct, id: string, props: OwnershipSyncProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'ProviderLogs', {
      logGroupName: `/aws/lambda/${props.prefix}-platform-ownership-provider`,
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Its own role instead of the AWSLambdaBasicExecutionRole managed policy the framework
    // would attach: its logs, and invoking the ownership function (granted by the Provider).
    const role = new iam.Role(this, 'ProviderRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'handoff ownership custom-resource provider: invokes the ownership function',
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    this.provider = new cr.Provider(this, 'Provider', {
      onEventHandler: props.handler,
      logGroup,
      frameworkOnEventRole: role,
    });

    const policy = role.node.tryFindChild('DefaultPolicy');
    if (policy) {
      Validations.of(policy).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalIdHint(props.handler)}.Arn>:*]`,
        reason:
          'The provider framework grants lambda:InvokeFunction on the ownership function and its versions (ARN:*); it invokes nothing else.',
      });
    }
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.provider.serviceToken,
      resourceType: 'Custom::HandoffOwnership',
      properties: { fingerprint: props.fingerprint, stage: props.stage },
    });
  }
}

/** cdk-nag names a resource by its logical id; the function is in this stack. */
function logicalIdHint(fn: lambda.IFunction): string {
  const child = fn.node.defaultChild;
  if (child && 'logicalId' in child) {
    const stackOf = fn.stack;
    return stackOf.resolve((child as { logicalId: string }).logicalId) as string;
  }
  return fn.node.id;
}
