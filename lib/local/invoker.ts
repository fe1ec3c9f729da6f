/**
 * Asynchronous invocation, as EventBridge and Lambda do it, over the journal:
 *
 * 1. Delivery (EventBridge → the function): if the function cannot take the event, EventBridge
 *    retries with exponential back-off within the rule target's retry policy (attempts, maximum
 *    event age), then puts the event in the tier's dead-letter queue with its RULE_ARN,
 *    TARGET_ARN, ERROR_CODE and ERROR_MESSAGE attributes.
 * 2. Execution (Lambda's asynchronous queue): a failed run is retried after one minute, then after
 *    two more (up to the function's retry attempts), within its maximum event age; then Lambda's
 *    on-failure destination receives a destination record (RetriesExhausted or EventAgeExceeded).
 *
 * Times come from the plan, which `--time-scale` has already scaled. The layer emits the metrics
 * AWS would (AWS/Events and AWS/Lambda), so the plan's alarms see the same signals.
 */
import type { DestinationRecord } from '../../lambdas/commons/dead-letters.js';
import type { FunctionPlan, Plan, RoutePlan } from '../plan/types.js';
import type { LocalFunction } from './functions.js';
import { MinHeap } from './heap.js';
import type { Invocation, Journal } from './journal.js';
import type { MetricStore } from './metrics.js';

/** Lambda waits this long before each retry of a failed asynchronous run (seconds, unscaled). */
export const LAMBDA_RETRY_DELAYS_SECONDS = [60, 120] as const;

/** Sends a message to a dead-letter queue by name; resolves when stored. */
export type QueueSender = (
  queueName: string,
  body: string,
  attributes: Record<string, string>,
) => Promise<void>;

export interface InvokerOptions {
  plan: Plan;
  timeScale: number;
  journal: Journal;
  functions: Map<string, LocalFunction>;
  metrics: MetricStore;
  sendToQueue: QueueSender;
  /** Invocations running at once across all functions. */
  maxInFlight?: number;
  now?: () => number;
  /** Called when an invocation ends (for the live view and tests). */
  onSettled?: (invocation: Invocation, outcome: 'succeeded' | 'dead-lettered' | 'lost') => void;
  /** Called for errors the invoker cannot attribute to an invocation (logged by the layer). */
  onError?: (error: unknown) => void;
}

export class Invoker {
  private readonly queue = new MinHeap<Invocation>((i) => i.dueAt);
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly routes: Map<string, RoutePlan>;
  private readonly now: () => number;
  private readonly idle: Array<() => void> = [];

  constructor(private readonly options: InvokerOptions) {
    this.routes = new Map(options.plan.routes.map((r) => [r.ruleName, r]));
    this.now = options.now ?? Date.now;
  }

  /** Adds invocations that are already in the journal. */
  enqueue(invocations: Invocation[]): void {
    for (const invocation of invocations) this.queue.push(invocation);
    this.schedule(0);
  }

  /** Invocations not yet settled (queued and running). */
  pending(): number {
    return this.queue.size + this.inFlight;
  }

  /** Waiting for a retry (at least one failed attempt). */
  retrying(functionName?: string): number {
    return this.queue
      .values()
      .filter(
        (i) =>
          (i.attempts > 0 || i.deliveryAttempts > 0) && (!functionName || i.functionName === functionName),
      ).length;
  }

  /** Resolves when nothing is queued or running. */
  whenIdle(): Promise<void> {
    if (this.pending() === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.pump(), Math.max(0, delayMs));
  }

  private pump(): void {
    const max = this.options.maxInFlight ?? 64;
    const now = this.now();
    while (this.inFlight < max && (this.queue.peek()?.dueAt ?? Number.POSITIVE_INFINITY) <= now) {
      const invocation = this.queue.pop();
      if (!invocation) break;
      this.inFlight++;
      this.process(invocation)
        .catch((error: unknown) => this.options.onError?.(error))
        .finally(() => {
          this.inFlight--;
          this.schedule(0);
          if (this.pending() === 0) for (const resolve of this.idle.splice(0)) resolve();
        });
    }
    const next = this.queue.peek();
    if (next && this.inFlight < max) this.schedule(next.dueAt - now);
  }

  private async process(invocation: Invocation): Promise<void> {
    const fn = this.options.functions.get(invocation.functionName);
    const now = this.now();
    const route = invocation.ruleName ? this.routes.get(invocation.ruleName) : undefined;
    const eventsDims = invocation.ruleName
      ? { EventBusName: invocation.busName, RuleName: invocation.ruleName }
      : undefined;

    // 1. EventBridge hands the event to the function.
    if (invocation.attempts === 0) {
      if (!fn?.isAvailable()) {
        invocation.deliveryAttempts++;
        const policy = route?.retry ?? { attempts: 185, maxEventAgeSeconds: 86_400 };
        const tooOld = now - invocation.receivedAt > policy.maxEventAgeSeconds * 1000;
        if (invocation.deliveryAttempts > policy.attempts || tooOld) {
          await this.deliveryFailed(
            invocation,
            route,
            fn ? 'Lambda.ServiceException' : 'ResourceNotFound',
            fn ? 'the function did not accept the event' : 'the function does not exist',
          );
          return;
        }
        // EventBridge backs off exponentially with jitter; scaled like every other duration.
        const backoffSeconds =
          Math.min(300, 2 ** Math.min(invocation.deliveryAttempts, 8)) * (0.5 + Math.random() / 2);
        invocation.dueAt = now + (backoffSeconds * 1000) / this.options.timeScale;
        invocation.lastError = { type: 'DeliveryFailed', message: 'the function did not accept the event' };
        await this.options.journal.update(invocation);
        this.enqueue([invocation]);
        return;
      }
      if (eventsDims) this.options.metrics.record('AWS/Events', 'Invocations', eventsDims, 1);
    }
    if (!fn) return;

    // 2. Lambda runs it, retrying failed runs on its own schedule.
    const retry = fn.plan.async?.retry ?? { attempts: 2, maxEventAgeSeconds: 21_600 };
    if (now - invocation.receivedAt > retry.maxEventAgeSeconds * 1000) {
      await this.destination(invocation, fn.plan, 'EventAgeExceeded', undefined);
      return;
    }
    const result = await fn.invoke(invocation.event, invocation.id);
    invocation.attempts++;
    const lambdaDims = { FunctionName: fn.plan.name };
    this.options.metrics.record('AWS/Lambda', 'Invocations', lambdaDims, 1);
    this.options.metrics.record('AWS/Lambda', 'Duration', lambdaDims, result.durationMs);
    if (result.ok) {
      this.options.metrics.record('AWS/Lambda', 'Errors', lambdaDims, 0);
      await this.options.journal.complete(invocation.id);
      this.options.onSettled?.(invocation, 'succeeded');
      return;
    }
    this.options.metrics.record('AWS/Lambda', 'Errors', lambdaDims, 1);
    invocation.lastError = { type: result.errorType, message: result.errorMessage };
    if (invocation.attempts > retry.attempts) {
      await this.destination(invocation, fn.plan, 'RetriesExhausted', result);
      return;
    }
    const delaySeconds =
      LAMBDA_RETRY_DELAYS_SECONDS[
        Math.min(invocation.attempts - 1, LAMBDA_RETRY_DELAYS_SECONDS.length - 1)
      ] ?? 120;
    invocation.dueAt = this.now() + (delaySeconds * 1000) / this.options.timeScale;
    await this.options.journal.update(invocation);
    this.enqueue([invocation]);
  }

  /** EventBridge gives up: the rule target's dead-letter queue gets the event. */
  private async deliveryFailed(
    invocation: Invocation,
    route: RoutePlan | undefined,
    code: string,
    message: string,
  ): Promise<void> {
    const dims = invocation.ruleName
      ? { EventBusName: invocation.busName, RuleName: invocation.ruleName }
      : undefined;
    if (!route) {
      if (dims) this.options.metrics.record('AWS/Events', 'FailedInvocations', dims, 1);
      await this.options.journal.complete(invocation.id);
      this.options.onSettled?.(invocation, 'lost');
      return;
    }
    const region = 'us-east-1';
    const account = '000000000000';
    try {
      await this.options.sendToQueue(route.deadLetterQueue, JSON.stringify(invocation.event), {
        RULE_ARN: `arn:aws:events:${region}:${account}:rule/${route.busName}/${route.ruleName}`,
        TARGET_ARN: `arn:aws:lambda:${region}:${account}:function:${route.functionName}`,
        ERROR_CODE: code,
        ERROR_MESSAGE: message,
      });
      if (dims) this.options.metrics.record('AWS/Events', 'InvocationsSentToDlq', dims, 1);
      await this.options.journal.complete(invocation.id);
      this.options.onSettled?.(invocation, 'dead-lettered');
    } catch (error) {
      // The queue refused it: keep the invocation and try again later, as EventBridge would not.
      if (dims) this.options.metrics.record('AWS/Events', 'InvocationsFailedToBeSentToDlq', dims, 1);
      this.options.onError?.(error);
      invocation.dueAt = this.now() + 5000 / this.options.timeScale;
      await this.options.journal.update(invocation);
      this.enqueue([invocation]);
    }
  }

  /** Lambda gives up: the on-failure destination (the tier's dead-letter queue) gets a record. */
  private async destination(
    invocation: Invocation,
    fn: FunctionPlan,
    condition: 'RetriesExhausted' | 'EventAgeExceeded',
    result: { errorType: string; errorMessage: string } | undefined,
  ): Promise<void> {
    const queue = fn.async?.onFailureQueue;
    const record: DestinationRecord = {
      version: '1.0',
      timestamp: new Date(this.now()).toISOString(),
      requestContext: {
        requestId: invocation.id,
        functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${fn.name}:$LATEST`,
        condition,
        approximateInvokeCount: invocation.attempts,
      },
      requestPayload: invocation.event,
      responseContext: {
        statusCode: 200,
        executedVersion: '$LATEST',
        ...(result ? { functionError: 'Unhandled' } : {}),
      },
      responsePayload: result ? { errorType: result.errorType, errorMessage: result.errorMessage } : null,
    };
    if (!queue) {
      await this.options.journal.complete(invocation.id);
      this.options.onSettled?.(invocation, 'lost');
      return;
    }
    try {
      await this.options.sendToQueue(queue, JSON.stringify(record), {});
      await this.options.journal.complete(invocation.id);
      this.options.onSettled?.(invocation, 'dead-lettered');
    } catch (error) {
      this.options.metrics.record('AWS/Lambda', 'DestinationDeliveryFailures', { FunctionName: fn.name }, 1);
      this.options.onError?.(error);
      invocation.dueAt = this.now() + 5000 / this.options.timeScale;
      await this.options.journal.update(invocation);
      this.enqueue([invocation]);
    }
  }
}
