/** A local SQS server on a fresh data folder, with an SDK client pointed at it. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import { openSqsStore, type SqsServer, type SqsStore, startSqsServer } from '../../../lib/local/sqs/index.js';

export interface LocalSqs {
  dir: string;
  store: SqsStore;
  server: SqsServer;
  client: SQSClient;
  /** Errors the server reported through onError (tests assert there are none). */
  serverErrors: unknown[];
  close(): Promise<void>;
}

/** A client for `endpoint` with dummy credentials and no retries, so errors surface at once. */
export function sqsClient(endpoint: string): SQSClient {
  return new SQSClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
}

/** A fresh temporary folder. */
export function tempDir(prefix = 'handoff-sqs-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startLocalSqs(options: { clock?: () => number } = {}): Promise<LocalSqs> {
  const dir = tempDir();
  const store = await openSqsStore({ dir, ...(options.clock ? { clock: options.clock } : {}) });
  const serverErrors: unknown[] = [];
  const server = await startSqsServer({ store, onError: (e) => serverErrors.push(e) });
  const client = sqsClient(server.url);
  return {
    dir,
    store,
    server,
    client,
    serverErrors,
    async close() {
      client.destroy();
      await server.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error as Error & Record<string, unknown>;
    throw new Error(`rejected with a non-error: ${String(error)}`);
  }
  throw new Error('expected a rejection, but the promise resolved');
}
