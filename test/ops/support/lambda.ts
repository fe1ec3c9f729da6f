/** A Lambda context and captured Powertools output for invoking handlers in tests. */
import type { Context } from 'aws-lambda';
import { createLogger, createMetrics } from '../../../lambdas/commons/powertools.js';

/** A context like Lambda's; `remainingMs` is what getRemainingTimeInMillis answers. */
export function lambdaContext(functionName: string, remainingMs = 60_000): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/11/30/[$LATEST]abcdef',
    getRemainingTimeInMillis: () => remainingMs,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** A logger whose JSON lines are kept in `lines` instead of printed. */
export function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ output: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

/** Metrics whose EMF records are kept in `records` instead of printed. */
export function capturedMetrics(namespace: string) {
  const records: Array<Record<string, unknown>> = [];
  const metrics = createMetrics(namespace, {
    output: (line) => records.push(JSON.parse(line) as Record<string, unknown>),
  });
  return { metrics, records };
}
