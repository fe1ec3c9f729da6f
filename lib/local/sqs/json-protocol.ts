/**
 * The AWS JSON 1.0 protocol, which @aws-sdk/client-sqs v3 and current AWS CLIs speak:
 * `POST /` with `X-Amz-Target: AmazonSQS.<Operation>` and a JSON body. Errors carry `__type`
 * (`com.amazonaws.sqs#<Code>`) and the `x-amzn-query-error: <query code>;Sender` header, which
 * the SDK (SQS is `awsQueryCompatible`) reads first to name the error it throws.
 */
import type { SqsApiError } from './errors.js';

/** The content type of JSON 1.0 requests and responses. */
export const JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';
const TARGET_PREFIX = 'AmazonSQS.';

/** An HTTP answer. */
export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The operation an `X-Amz-Target` header names, or undefined if it is not SQS's. */
export function operationFromTarget(target: string): string | undefined {
  return target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
}

/** Parses a JSON 1.0 request body; an empty body is an empty request. Throws SyntaxError. */
export function parseJsonBody(body: string): unknown {
  return body.trim() === '' ? {} : JSON.parse(body);
}

/** A successful JSON 1.0 answer. */
export function jsonResponse(output: Record<string, unknown>): WireResponse {
  return { status: 200, headers: { 'content-type': JSON_CONTENT_TYPE }, body: JSON.stringify(output) };
}

/** An error in SQS's JSON shape. */
export function jsonError(error: SqsApiError): WireResponse {
  return {
    status: error.status,
    headers: {
      'content-type': JSON_CONTENT_TYPE,
      'x-amzn-query-error': `${error.queryCode};${error.senderFault ? 'Sender' : 'Receiver'}`,
    },
    body: JSON.stringify({ __type: `com.amazonaws.sqs#${error.code}`, message: error.message }),
  };
}
