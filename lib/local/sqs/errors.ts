/**
 * Errors of the local SQS server. `SqsApiError` is what an SQS client sees: SQS's error code, the
 * query-protocol code the AWS SDKs read from `x-amzn-query-error`, the HTTP status and whether the
 * caller was at fault. Messages never quote message bodies or attribute values (personal data).
 */

/** Base class of every error this module throws. */
export class SqsError extends Error {
  override readonly name: string = 'SqsError';
}

/** How an SQS error code is spelled in the query protocol and which HTTP status carries it. */
interface ErrorShape {
  queryCode: string;
  status: number;
  /** true: the caller's fault (`Sender`); false: the server's (`Receiver`). */
  sender: boolean;
}

/**
 * SQS's error codes with the query-compatible code and status the SDK models declare
 * (`awsQueryError` traits in @aws-sdk/client-sqs), plus the common AWS errors SQS returns.
 */
const SHAPES = {
  QueueDoesNotExist: { queryCode: 'AWS.SimpleQueueService.NonExistentQueue', status: 400, sender: true },
  QueueNameExists: { queryCode: 'QueueAlreadyExists', status: 400, sender: true },
  ReceiptHandleIsInvalid: { queryCode: 'ReceiptHandleIsInvalid', status: 404, sender: true },
  InvalidAddress: { queryCode: 'InvalidAddress', status: 404, sender: true },
  MessageNotInflight: { queryCode: 'AWS.SimpleQueueService.MessageNotInflight', status: 400, sender: true },
  PurgeQueueInProgress: {
    queryCode: 'AWS.SimpleQueueService.PurgeQueueInProgress',
    status: 403,
    sender: true,
  },
  BatchEntryIdsNotDistinct: {
    queryCode: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
    status: 400,
    sender: true,
  },
  BatchRequestTooLong: { queryCode: 'AWS.SimpleQueueService.BatchRequestTooLong', status: 400, sender: true },
  EmptyBatchRequest: { queryCode: 'AWS.SimpleQueueService.EmptyBatchRequest', status: 400, sender: true },
  InvalidBatchEntryId: { queryCode: 'AWS.SimpleQueueService.InvalidBatchEntryId', status: 400, sender: true },
  TooManyEntriesInBatchRequest: {
    queryCode: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
    status: 400,
    sender: true,
  },
  UnsupportedOperation: {
    queryCode: 'AWS.SimpleQueueService.UnsupportedOperation',
    status: 400,
    sender: true,
  },
  InvalidAttributeName: { queryCode: 'InvalidAttributeName', status: 400, sender: true },
  InvalidAttributeValue: { queryCode: 'InvalidAttributeValue', status: 400, sender: true },
  InvalidMessageContents: { queryCode: 'InvalidMessageContents', status: 400, sender: true },
  InvalidParameterValue: { queryCode: 'InvalidParameterValue', status: 400, sender: true },
  MissingParameter: { queryCode: 'MissingParameter', status: 400, sender: true },
  InvalidAction: { queryCode: 'InvalidAction', status: 400, sender: true },
  MissingAction: { queryCode: 'MissingAction', status: 400, sender: true },
  SerializationException: { queryCode: 'SerializationException', status: 400, sender: true },
  UnknownOperationException: { queryCode: 'UnknownOperationException', status: 400, sender: true },
  RequestEntityTooLarge: { queryCode: 'RequestEntityTooLarge', status: 413, sender: true },
  ServiceUnavailable: { queryCode: 'ServiceUnavailable', status: 503, sender: false },
  InternalFailure: { queryCode: 'InternalFailure', status: 500, sender: false },
} satisfies Record<string, ErrorShape>;

/** An SQS error code this server returns. */
export type SqsErrorCode = keyof typeof SHAPES;

/** An error an SQS client receives, in SQS's vocabulary. */
export class SqsApiError extends SqsError {
  override readonly name: string = 'SqsApiError';
  /** SQS's code, e.g. QueueDoesNotExist: the SDK's error name. */
  readonly code: SqsErrorCode;
  /** The query protocol's code, e.g. AWS.SimpleQueueService.NonExistentQueue. */
  readonly queryCode: string;
  readonly status: number;
  /** Whether the caller caused it (query `Type` Sender) or the server did (Receiver). */
  readonly senderFault: boolean;

  constructor(code: SqsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    const shape: ErrorShape = SHAPES[code];
    this.code = code;
    this.queryCode = shape.queryCode;
    this.status = shape.status;
    this.senderFault = shape.sender;
  }
}

/** The store was used after `close()`, or could not be opened. */
export class SqsStoreError extends SqsError {
  override readonly name: string = 'SqsStoreError';
}

/** Shorthands for the errors SQS returns most, with SQS's wording where clients may match on it. */
export const sqsErrors = {
  queueDoesNotExist: () =>
    new SqsApiError('QueueDoesNotExist', 'The specified queue does not exist for this wsdl version.'),
  missingParameter: (name: string) =>
    new SqsApiError('MissingParameter', `The request must contain the parameter ${name}.`),
  invalidParameter: (name: string, reason: string) =>
    new SqsApiError('InvalidParameterValue', `Value for parameter ${name} is invalid. Reason: ${reason}`),
  invalidValue: (name: string, value: string | number, reason: string) =>
    new SqsApiError(
      'InvalidParameterValue',
      `Value ${String(value).slice(0, 200)} for parameter ${name} is invalid. Reason: ${reason}`,
    ),
  receiptHandleIsInvalid: (handle: string) =>
    new SqsApiError(
      'ReceiptHandleIsInvalid',
      `The input receipt handle "${handle.slice(0, 200)}" is not a valid receipt handle.`,
    ),
};
