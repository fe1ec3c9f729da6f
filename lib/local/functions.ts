/**
 * Local Lambda functions: each plan function runs in a pool of simulated execution environments.
 * An environment is created by the function's factory (cold start: fresh logger, metrics and
 * clients, like a new Lambda container) and runs one invocation at a time, so module-level state
 * in handlers behaves as on Lambda. Invocations get a Lambda-like context and the plan's timeout.
 */
import type { Context } from 'aws-lambda';
import type { FunctionPlan } from '../plan/types.js';

export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

/** Creates one execution environment's handler. */
export type HandlerFactory = () => LambdaHandler;

export type InvokeResult =
  | { ok: true; value: unknown; durationMs: number }
  | { ok: false; errorType: string; errorMessage: string; durationMs: number };

interface Environment {
  handler: LambdaHandler;
  busy: boolean;
}

/** Thrown when a handler runs past its function's timeout, as Lambda reports it. */
const TIMEOUT_ERROR = 'Sandbox.Timedout';

export class LocalFunction {
  private readonly environments: Environment[] = [];
  private readonly waiting: Array<(env: Environment) => void> = [];
  private available = true;
  /** Invocations started, environments created (cold starts), invocations running now. */
  readonly counters = { invocations: 0, coldStarts: 0, running: 0 };

  constructor(
    readonly plan: FunctionPlan,
    private readonly factory: HandlerFactory,
    private readonly maxEnvironments: number,
    private readonly arnPrefix = 'arn:aws:lambda:us-east-1:000000000000:function:',
  ) {}

  get arn(): string {
    return `${this.arnPrefix}${this.plan.name}`;
  }

  /** Whether EventBridge can hand events to this function (false rehearses a delivery failure). */
  isAvailable(): boolean {
    return this.available;
  }

  setAvailable(available: boolean): void {
    this.available = available;
  }

  /** Runs one invocation in a free environment (creating one if allowed), within the timeout. */
  async invoke(event: unknown, requestId: string): Promise<InvokeResult> {
    const environment = await this.acquire();
    const started = Date.now();
    const deadline = started + this.plan.timeoutSeconds * 1000;
    this.counters.invocations++;
    this.counters.running++;
    const context = {
      callbackWaitsForEmptyEventLoop: false,
      functionName: this.plan.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: this.arn,
      memoryLimitInMB: String(this.plan.memoryMb),
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${this.plan.name}`,
      logStreamName: 'local',
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    } as Context;
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    try {
      const value = await Promise.race([
        environment.handler(event, context),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            timedOut = true;
            reject(
              Object.assign(
                new Error(`Task timed out after ${this.plan.timeoutSeconds.toFixed(2)} seconds`),
                { name: TIMEOUT_ERROR },
              ),
            );
          }, this.plan.timeoutSeconds * 1000);
        }),
      ]);
      return { ok: true, value, durationMs: Date.now() - started };
    } catch (error) {
      const e = error as { name?: string; message?: string };
      return {
        ok: false,
        errorType: e.name ?? 'Error',
        errorMessage: e.message ?? String(error),
        durationMs: Date.now() - started,
      };
    } finally {
      clearTimeout(timer);
      this.counters.running--;
      // Lambda discards an environment whose invocation timed out; the next one starts cold.
      if (timedOut) this.environments.splice(this.environments.indexOf(environment), 1);
      this.release(environment, timedOut);
    }
  }

  private acquire(): Promise<Environment> {
    const free = this.environments.find((e) => !e.busy);
    if (free) {
      free.busy = true;
      return Promise.resolve(free);
    }
    if (this.environments.length < this.maxEnvironments) {
      const environment: Environment = { handler: this.factory(), busy: true };
      this.counters.coldStarts++;
      this.environments.push(environment);
      return Promise.resolve(environment);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(environment: Environment, discarded: boolean): void {
    const next = this.waiting.shift();
    if (!next) {
      environment.busy = false;
      return;
    }
    if (!discarded) {
      next(environment);
      return;
    }
    const fresh: Environment = { handler: this.factory(), busy: true };
    this.counters.coldStarts++;
    this.environments.push(fresh);
    next(fresh);
  }
}
