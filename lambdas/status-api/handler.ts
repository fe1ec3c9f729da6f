/**
 * The status API's Lambda handler: middy wiring only. Middleware first (Powertools logger context,
 * then errors mapped to JSON problem responses), handler last. The local layer imports this file
 * with its own dependencies; index.ts builds them for Lambda.
 */
import { setMaxListeners } from 'node:events';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { route, type StatusApiDeps } from './api.js';
import { DependencyUnavailableError, StatusApiError } from './errors.js';
import { errorResponse, jsonResponse, readRequest } from './http.js';

/** Answers before Lambda's own timeout, so callers get a 503 instead of a bare gateway error. */
export const TIMEOUT_EARLY_MS = 1000;

/** Builds the handler for API Gateway HTTP API (payload 2.0) events. */
export function createStatusApiHandler(deps: StatusApiDeps) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>({
    timeoutEarlyInMillis: TIMEOUT_EARLY_MS,
  })
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(problemResponses(deps.logger))
    .handler(async (event, _context, { signal }) => {
      const started = Date.now();
      const request = readRequest(event);
      deps.logger.appendKeys({ method: request.method, apiRequestId: request.requestId });
      // One signal per invocation, aborted with middy's: the contract list runs dozens of calls on it.
      const controller = new AbortController();
      setMaxListeners(64, controller.signal);
      const abort = () => controller.abort();
      signal.addEventListener('abort', abort, { once: true });
      const { route: matched, response } = await route(deps, request, controller.signal).finally(() =>
        signal.removeEventListener('abort', abort),
      );
      // The route template, never the path: paths carry entity ids.
      deps.logger.info('answered', {
        route: `${matched.method} ${matched.path}`,
        status: response.statusCode,
        durationMs: Date.now() - started,
      });
      return response;
    });
}

/**
 * Turns every error into a JSON problem response: StatusApiErrors as they are (4xx, 503), middy's
 * early timeout as 503, anything else as a 500 that says nothing about its cause. Client errors are
 * logged at info with the code only (never the input); server errors at error with the cause.
 */
export function problemResponses(
  logger: Logger,
): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context> {
  return {
    onError: async (request) => {
      const requestId = apiRequestId(request.event);
      const error = request.error;
      if (error instanceof StatusApiError && error.status < 500) {
        logger.info('rejected', { status: error.status, code: error.code });
        request.response = errorResponse(error, requestId);
        return;
      }
      if (error instanceof StatusApiError) {
        logger.error('dependency failed', { status: error.status, code: error.code, error: causeOf(error) });
        request.response = errorResponse(error, requestId);
        return;
      }
      if (error?.name === 'TimeoutError') {
        logger.error('timed out before answering');
        request.response = errorResponse(new DependencyUnavailableError('the status API', error), requestId);
        return;
      }
      logger.error('unexpected error', { error: causeOf(error) });
      request.response = jsonResponse(500, {
        error: {
          code: 'internal_error',
          message: 'the status API failed to answer; try again, and quote the requestId if it persists',
          ...(requestId ? { requestId } : {}),
        },
      });
    },
  };
}

function apiRequestId(event: APIGatewayProxyEventV2 | undefined): string | undefined {
  const id = event?.requestContext?.requestId;
  return typeof id === 'string' ? id : undefined;
}

/** The error to log: its cause when it wraps one (the SDK error), else itself. */
function causeOf(error: Error | null | undefined): Error {
  if (!error) return new Error('unknown error');
  return error.cause instanceof Error ? error.cause : error;
}
