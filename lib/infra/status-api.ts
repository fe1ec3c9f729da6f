/**
 * The status API's shell: an HTTP API with IAM authorisation on every route, in front of the
 * status-api function, with access logs and default throttling. Reads and the one write (incident
 * notes) are separate routes, so IAM can grant them separately:
 *
 *   read   execute-api:Invoke on  <api-arn>/$default/GET/...      (every GET route)
 *   write  execute-api:Invoke on  <api-arn>/$default/POST/v1/incidents/<any id>/notes
 *
 * The exact ARNs are stack outputs (`readArn`, `notesArn`).
 */
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** The routes, each with what it is for. All of them require IAM (SigV4) authorisation. */
export const STATUS_API_ROUTES = [
  { path: '/v1/{proxy+}', method: apigw.HttpMethod.GET, access: 'read' },
  { path: '/v1/incidents/{id}/notes', method: apigw.HttpMethod.POST, access: 'write' },
  { path: '/', method: apigw.HttpMethod.GET, access: 'read' },
  { path: '/assets/{proxy+}', method: apigw.HttpMethod.GET, access: 'read' },
] as const;

/** Props of StatusApi. */
export interface StatusApiProps {
  /** Physical API name, e.g. handoff-dev-status. */
  readonly apiName: string;
  /** The status-api function answering every route. */
  readonly handler: lambda.IFunction;
  /**
   * Steady-state requests per second across the API (support staff, not customers).
   * @default 25
   */
  readonly rateLimit?: number;
  /**
   * Burst of requests allowed above the rate.
   * @default 50
   */
  readonly burstLimit?: number;
  /**
   * How long access logs are kept.
   * @default one year (who read or wrote what is an audit question)
   */
  readonly accessLogRetention?: logs.RetentionDays;
  /**
   * What happens to the access logs when the stack is deleted.
   * @default RETAIN
   */
  readonly accessLogRemovalPolicy?: RemovalPolicy;
}

/** The status API. */
export class StatusApi extends Construct {
  /** The HTTP API. */
  public readonly api: apigw.HttpApi;
  /** Its `$default` stage (auto-deployed, logged, throttled). */
  public readonly stage: apigw.HttpStage;
  /** Where its access logs go. */
  public readonly accessLogs: logs.LogGroup;
  /** Base URL of the API. */
  public readonly url: string;
  /** The execute-api ARN to grant for read access (every GET route). */
  public readonly readArn: string;
  /** The execute-api ARN to grant for adding incident notes (the only write). */
  public readonly notesArn: string;

  constructor(scope: Construct, id: string, props: StatusApiProps) {
    super(scope, id);
    this.api = new apigw.HttpApi(this, 'Api', {
      apiName: props.apiName,
      description: 'handoff status API: sync status, ownership, incidents (IAM-authorised)',
      createDefaultStage: false,
      defaultAuthorizer: new HttpIamAuthorizer(),
    });

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      logGroupName: `/aws/apigateway/${props.apiName}`,
      retention: props.accessLogRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: props.accessLogRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimit ?? 25, burstLimit: props.burstLimit ?? 50 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        // Who called what and how it went; no source IP or user agent (personal data), no bodies.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            caller: '$context.identity.userArn',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
          }),
        ),
      },
    });

    // One API-scoped invoke permission instead of one per route.
    const integration = new HttpLambdaIntegration('StatusApiIntegration', props.handler, {
      scopePermissionToRoute: false,
    });
    for (const route of STATUS_API_ROUTES) {
      this.api.addRoutes({ path: route.path, methods: [route.method], integration });
    }

    this.url = this.stage.url;
    const stack = Stack.of(this);
    const executeApi = (resourceName: string) =>
      stack.formatArn({ service: 'execute-api', resource: this.api.apiId, resourceName });
    this.readArn = executeApi('$default/GET/*');
    this.notesArn = executeApi('$default/POST/v1/incidents/*/notes');
  }
}
