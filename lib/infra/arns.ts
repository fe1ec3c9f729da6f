/**
 * ARNs of handoff's resources built from their deterministic names. One `Fn::Sub` string instead
 * of CDK's `Fn::Join` of six parts: a contracts stack repeats these ARNs in every policy, rule and
 * alarm, and a full stack group's template is otherwise near CloudFormation's 1 MB limit.
 */
import { Fn } from 'aws-cdk-lib';

/** `arn:<partition>:<service>:<region>:<account>:<resource>` for this stack's account and region. */
export function regionalArn(service: string, resource: string): string {
  return Fn.sub(`arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${resource}`);
}

/** An SQS queue's URL from its name. */
export function queueUrl(name: string): string {
  return Fn.sub(`https://sqs.\${AWS::Region}.\${AWS::URLSuffix}/\${AWS::AccountId}/${name}`);
}
