/**
 * One of the plan's Lambda functions: TypeScript bundled locally by esbuild (ESM, minified, arm64,
 * newest Node.js), its own log group with retention, its own role holding only the plan's grants,
 * its environment resolved from the plan, and its runtime plan compiled in with esbuild `define`.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import {
  Annotations,
  AssetHashType,
  DockerImage,
  Duration,
  type ILocalBundling,
  RemovalPolicy,
  Validations,
} from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type BuildOptions, buildSync } from 'esbuild';
import { runtimePlanDefine } from '../plan/runtime.js';
import type { EnvValue, FunctionPlan, Plan } from '../plan/types.js';
import type { CoreResources } from './core-resources.js';
import { HandoffInfraError, PlanRenderError } from './errors.js';
import { accessStatements } from './function-access.js';
import { PROJECT_ROOT } from './project.js';

/** The newest Node.js runtime the installed CDK offers, and the esbuild target matching it. */
export const HANDOFF_RUNTIME = lambda.Runtime.NODEJS_24_X;
export const HANDOFF_ESBUILD_TARGET = 'node24';

/** Lambda's limits on asynchronous-invocation settings. */
const ASYNC_LIMITS = { attempts: [0, 2], maxEventAgeSeconds: [60, 21_600] } as const;

/**
 * ESM bundles have no `require`; a CommonJS dependency that calls it (directly or through
 * esbuild's shim) needs one. Powertools documents this banner for ESM bundles.
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __handoffCreateRequire } from 'node:module';const require = __handoffCreateRequire(import.meta.url);";

/** Props of HandoffFunction. */
export interface HandoffFunctionProps {
  /** The function as the plan describes it (name, entry, timeout, memory, environment, access, async). */
  readonly fn: FunctionPlan;
  /** The whole plan: the function's runtime plan is derived from it and bundled in. */
  readonly plan: Plan;
  /** The shared resources the environment and grants refer to. */
  readonly resources: CoreResources;
  /**
   * Deploy-time values of `{ deployParameter }` environment variables and `{ env }` bus ARNs
   * (CDK context `endpoints`). A missing value still synthesises, with a warning.
   * @default {} (every deploy parameter is reported missing)
   */
  readonly endpoints?: Readonly<Record<string, string>>;
  /**
   * Folder `fn.entry` is relative to; also where esbuild resolves packages and tsconfig.json.
   * @default the handoff project root
   */
  readonly projectRoot?: string;
  /**
   * Source file to bundle instead of `fn.entry`, absolute or relative to `projectRoot`. For tests
   * that must synthesise before a handler exists; a deployment always uses the plan's entry.
   * @default fn.entry
   */
  readonly entry?: string;
  /**
   * How long the function's logs are kept.
   * @default one month; three months in prod
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the log group when the function is removed.
   * @default DESTROY; RETAIN in prod
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * A handoff Lambda function rendered from the plan. Everything the plan decides is forced; the
 * props only say where values and files come from.
 */
export class HandoffFunction extends Construct {
  /** The function. */
  public readonly function: lambda.Function;
  /** Its execution role: CloudWatch Logs for its own log group plus the plan's grants, nothing else. */
  public readonly role: iam.Role;
  /** Its log group, `/aws/lambda/<name>`. */
  public readonly logGroup: logs.LogGroup;
  /** Deploy parameters that had no value in `endpoints` (the handler reports config failures). */
  public readonly missingParameters: string[];

  constructor(scope: Construct, id: string, props: HandoffFunctionProps) {
    super(scope, id);
    const { fn, plan, resources } = props;
    const endpoints = props.endpoints ?? {};
    const prod = plan.stage === 'prod';
    const projectRoot = props.projectRoot ?? PROJECT_ROOT;
    const entry = resolveEntry(projectRoot, props.entry ?? fn.entry);
    validate(fn, entry);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName: `/aws/lambda/${fn.name}`,
      retention:
        props.logRetention ?? (prod ? logs.RetentionDays.THREE_MONTHS : logs.RetentionDays.ONE_MONTH),
      removalPolicy: props.logRemovalPolicy ?? (prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY),
    });

    // An own role instead of the AWSLambdaBasicExecutionRole managed policy, which lets a
    // function create log groups and write to any of them.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `handoff ${fn.name}: its own logs and the grants the plan lists`,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        // The log group's Arn attribute ends in ":*": the streams of this one group.
        resources: [this.logGroup.logGroupArn],
      }),
    );

    const { environment, missing } = resolveEnvironment(fn.environment, resources, endpoints);
    this.missingParameters = missing;

    this.function = new lambda.Function(this, 'Function', {
      functionName: fn.name,
      description: fn.description,
      code: bundledCode(projectRoot, entry, runtimePlanDefine(plan, fn)),
      handler: 'index.handler',
      runtime: HANDOFF_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: fn.memoryMb,
      timeout: Duration.seconds(fn.timeoutSeconds),
      role: this.role,
      logGroup: this.logGroup,
      environment,
      // The plan caps some functions (one redrive at a time, so queue walks cannot hide each other's messages).
      ...(fn.reservedConcurrency !== undefined
        ? { reservedConcurrentExecutions: fn.reservedConcurrency }
        : {}),
      ...(fn.async
        ? {
            retryAttempts: fn.async.retry.attempts,
            maxEventAge: Duration.seconds(fn.async.retry.maxEventAgeSeconds),
            onFailure: new DeadLetterDestination(resources.queue(fn.async.onFailureQueue)),
          }
        : {}),
    });

    const access = accessStatements(withDestinationGrant(fn), resources, endpoints);
    for (const statement of access.statements) this.role.addToPrincipalPolicy(statement);
    for (const warning of access.warnings) {
      Annotations.of(this).addWarningV2('@handoff/infra:unresolvedGrant', `${fn.name}: ${warning}`);
    }
    if (access.wildcardMetrics) {
      const policy = this.role.node.tryFindChild('DefaultPolicy');
      if (policy) {
        Validations.of(policy).acknowledge({
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason:
            'cloudwatch:GetMetricData has no resource-level permissions; the statement allows that one read-only action only.',
        });
      }
    }
    if (missing.length > 0) {
      Annotations.of(this).addWarningV2(
        '@handoff/infra:missingEndpoint',
        `${fn.name}: ${missing.join(', ')} ${missing.length === 1 ? 'has' : 'have'} no value in the endpoints context; the handler will classify its events as config failures (dead letters) until set, e.g. -c endpoints='{"${missing[0]}":"https://..."}'`,
      );
    }
  }
}

/** Bundling a function's entry failed (a TypeScript or resolution error): printed without a stack. */
export class BundlingError extends HandoffInfraError {
  override readonly name = 'BundlingError';
}

/**
 * esbuild's options for a handoff function: one ESM file `index.mjs`, minified, for the Lambda
 * runtime's Node.js, any AWS SDK v3 client left to the runtime, `define` replacing globals (the runtime plan).
 */
export function esbuildOptions(
  projectRoot: string,
  entry: string,
  define: Record<string, string>,
): BuildOptions {
  return {
    entryPoints: [entry],
    absWorkingDir: projectRoot,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: HANDOFF_ESBUILD_TARGET,
    minify: true,
    mainFields: ['module', 'main'],
    banner: { js: ESM_REQUIRE_BANNER },
    // The functions call AWS through commons/aws-json.ts and import no SDK client. Should one come
    // back, it takes the runtime's copy rather than growing the bundle (and its cold start shows in
    // `npm run bench`). @aws-sdk/util-dynamodb is bundled: small, no imports of its own, and the
    // marshalling our tests compare must not change with the runtime's version.
    external: ['@aws-sdk/client-*', '@aws-sdk/lib-*'],
    tsconfig: join(projectRoot, 'tsconfig.json'),
    define,
    logLevel: 'silent',
  };
}

/**
 * Local esbuild through its in-process API. NodejsFunction's bundler starts `npx esbuild` once per
 * function (1-2 s each: minutes for a hundred contracts) and passes `define` on the command line,
 * which Linux caps at 128 KiB per argument: the platform functions' runtime plan (every contract
 * and alarm) passes that at about a dozen contracts. Same options, no process, no size limit.
 */
export class EsbuildLocalBundling implements ILocalBundling {
  constructor(private readonly options: BuildOptions) {}

  tryBundle(outputDir: string): boolean {
    try {
      buildSync({ ...this.options, outfile: join(outputDir, 'index.mjs') });
    } catch (error) {
      const errors =
        typeof error === 'object' && error !== null && 'errors' in error && Array.isArray(error.errors)
          ? (error.errors as Array<{ text?: string; location?: { file?: string; line?: number } | null }>)
          : [];
      const detail = errors
        .slice(0, 5)
        .map((e) => `${e.location?.file ?? '?'}:${e.location?.line ?? '?'} ${e.text ?? ''}`)
        .join('; ');
      throw new BundlingError(
        `esbuild could not bundle ${this.options.entryPoints}: ${detail || String(error)}`,
        {
          cause: error,
        },
      );
    }
    // Never fall back to Docker: a local failure is reported above, not retried in a container.
    return true;
  }
}

/** The function's code: bundled locally at synth, or skipped when the stack is not being bundled. */
export function bundledCode(projectRoot: string, entry: string, define: Record<string, string>): lambda.Code {
  return lambda.Code.fromAsset(projectRoot, {
    // The bundle's own hash: a function is redeployed exactly when its code or runtime plan changes.
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      local: new EsbuildLocalBundling(esbuildOptions(projectRoot, entry, define)),
      // Required by the API, never used: EsbuildLocalBundling always bundles or throws.
      image: DockerImage.fromRegistry('handoff-bundles-locally-only'),
    },
  });
}

/**
 * Lambda's on-failure destination on the tier's dead-letter queue. Unlike SqsDestination it grants
 * nothing itself: the role's sqs:SendMessage comes from the access list (withDestinationGrant), so
 * the function gets no GetQueueAttributes or GetQueueUrl it does not use.
 */
export class DeadLetterDestination implements lambda.IDestination {
  constructor(private readonly queue: sqs.IQueue) {}

  bind(): lambda.DestinationConfig {
    return { destination: this.queue.queueArn };
  }
}

/** The plan's access list, plus sqs:SendMessage on the on-failure queue if the plan left it out. */
export function withDestinationGrant(fn: FunctionPlan): FunctionPlan['access'] {
  const queue = fn.async?.onFailureQueue;
  if (!queue) return fn.access;
  const granted = fn.access.some(
    (a) => a.kind === 'queue' && a.queue === queue && a.actions.includes('send'),
  );
  return granted ? fn.access : [...fn.access, { kind: 'queue', queue, actions: ['send'] }];
}

/** Resolves the plan's environment; deploy parameters without a value are left out and reported. */
export function resolveEnvironment(
  env: Record<string, EnvValue>,
  resources: CoreResources,
  endpoints: Readonly<Record<string, string>>,
): { environment: Record<string, string>; missing: string[] } {
  const environment: Record<string, string> = {};
  const missing: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if ('value' in value) environment[name] = value.value;
    else if ('tableName' in value) environment[name] = resources.table(value.tableName).tableName;
    else if ('queueUrl' in value) environment[name] = resources.queue(value.queueUrl).queueUrl;
    else if ('busName' in value) environment[name] = resources.bus.eventBusName;
    else {
      const given = endpoints[value.deployParameter];
      if (given === undefined) missing.push(value.deployParameter);
      else environment[name] = given;
    }
  }
  return { environment, missing };
}

function resolveEntry(projectRoot: string, entry: string): string {
  return isAbsolute(entry) ? entry : join(projectRoot, entry);
}

/** What Lambda would reject in a function's asynchronous-invocation settings, one line per problem. */
export function functionProblems(fn: FunctionPlan): string[] {
  const problems: string[] = [];
  if (fn.async) {
    const { attempts, maxEventAgeSeconds } = fn.async.retry;
    if (attempts < ASYNC_LIMITS.attempts[0] || attempts > ASYNC_LIMITS.attempts[1])
      problems.push(`async retry attempts ${attempts} is outside Lambda's 0-2`);
    if (
      maxEventAgeSeconds < ASYNC_LIMITS.maxEventAgeSeconds[0] ||
      maxEventAgeSeconds > ASYNC_LIMITS.maxEventAgeSeconds[1]
    )
      problems.push(`async max event age ${maxEventAgeSeconds}s is outside Lambda's 60s-6h`);
  }
  return problems.map((p) => `function ${fn.name}: ${p}`);
}

function validate(fn: FunctionPlan, entry: string): void {
  const problems = [
    ...(existsSync(entry) ? [] : [`function ${fn.name}: entry ${entry} does not exist`]),
    ...functionProblems(fn),
  ];
  if (problems.length > 0) throw new PlanRenderError(problems.join('; '));
}
