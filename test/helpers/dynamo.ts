/**
 * A real DynamoDB API for tests: dynalite in-process on a random port, with the plan's tables
 * (keys and indexes from buildTables), the lean document client the functions use, a count of the
 * requests that reached dynalite per operation (by their X-Amz-Target header), and a way to make
 * chosen operations fail before they are sent (a crash at that point).
 */
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import {
  AWS_SERVICES,
  type AwsClientOptions,
  AwsJsonClient,
  type AwsTransport,
  httpTransport,
} from '../../lambdas/commons/aws-json.js';
import { type DynamoDoc, dynamoDoc } from '../../lambdas/commons/dynamo-doc.js';
import { createTableInput } from '../../lib/local/dynamo-tables.js';
import type { TablesPlan } from '../../lib/plan/types.js';

/** Decides whether an operation fails before it is sent: the error to throw, or undefined. */
export type FaultRule = (operation: DocOperation, input: Record<string, unknown>) => Error | undefined;
export type DocOperation = keyof DynamoDoc;

export interface TestDynamo {
  endpoint: string;
  /** Options for another lean client against this dynalite (uncounted). */
  clientOptions: AwsClientOptions;
  /** The document client functions get: counted, and subject to `failWhen`. */
  doc: DynamoDoc;
  /** Requests that reached dynalite per operation (GetItem, PutItem, UpdateItem, Query...). */
  calls: Record<string, number>;
  resetCalls(): void;
  /** Adds a fault rule; returns a function that removes it. */
  failWhen(rule: FaultRule): () => void;
  close(): Promise<void>;
}

/** Counts each request by its X-Amz-Target operation, then sends it. */
export function countingTransport(calls: Record<string, number>): AwsTransport {
  return (request) => {
    const operation = request.headers['x-amz-target']?.split('.')[1] ?? 'unknown';
    calls[operation] = (calls[operation] ?? 0) + 1;
    return httpTransport(request);
  };
}

/** Starts dynalite and creates the given tables. */
export async function startDynamo(tables: TablesPlan): Promise<TestDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientOptions: AwsClientOptions = {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  const admin = new AwsJsonClient(AWS_SERVICES.dynamodb, clientOptions);
  for (const table of [tables.syncState, tables.operations])
    await admin.call('CreateTable', createTableInput(table));
  const calls: Record<string, number> = {};
  const rules = new Set<FaultRule>();
  const inner = dynamoDoc({ ...clientOptions, transport: countingTransport(calls) });
  const guarded = <K extends DocOperation>(operation: K): DynamoDoc[K] =>
    (async (input: Record<string, unknown>, options?: unknown) => {
      for (const rule of rules) {
        const error = rule(operation, input);
        if (error) throw error;
      }
      return (inner[operation] as (i: unknown, o?: unknown) => Promise<unknown>)(input, options);
    }) as unknown as DynamoDoc[K];
  const doc: DynamoDoc = {
    get: guarded('get'),
    put: guarded('put'),
    update: guarded('update'),
    delete: guarded('delete'),
    query: guarded('query'),
    scan: guarded('scan'),
    batchGet: guarded('batchGet'),
    batchWrite: guarded('batchWrite'),
  };
  return {
    endpoint,
    clientOptions,
    doc,
    calls,
    resetCalls: () => {
      for (const key of Object.keys(calls)) delete calls[key];
    },
    failWhen: (rule) => {
      rules.add(rule);
      return () => rules.delete(rule);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export { createTableInput } from '../../lib/local/dynamo-tables.js';
