/**
 * The local layer's embedded DynamoDB: dynalite on its own worker thread, reached over HTTP like
 * DynamoDB itself. dynalite does all its request parsing, validation and expression evaluation in
 * JavaScript; on the layer's event loop that work competed with ingress, the invoker and the
 * handlers (a profile of the bench put a fifth of the loop's time in dynalite). On a thread of its
 * own it runs in parallel with them, and an error dynalite throws where nothing can catch it ends
 * that thread, not the layer.
 */
import type { EventLoopUtilization } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

/** The embedded DynamoDB could not start or stopped unexpectedly. */
export class EmbeddedDynamoError extends Error {
  override readonly name = 'EmbeddedDynamoError';
  constructor(
    message: string,
    /** LevelDB's or the socket's error code, when there is one (e.g. LEVEL_DATABASE_NOT_OPEN, EADDRINUSE). */
    readonly code?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface EmbeddedDynamoOptions {
  /** Folder of the LevelDB store; omitted keeps the tables in memory. */
  path?: string;
  /**
   * Port to listen on (127.0.0.1).
   * @default 0: a free one
   */
  port?: number;
  /** Called once if the thread fails after start-up; requests then fail to connect. */
  onError?: (error: EmbeddedDynamoError) => void;
  /**
   * How long `close` waits for dynalite to finish pending writes before ending the thread.
   * @default 10000
   */
  closeTimeoutMs?: number;
  /** The worker script (tests start one that fails on purpose). @default ./dynamo-worker.cjs */
  workerFile?: URL;
}

/** A running embedded DynamoDB. */
export interface EmbeddedDynamo {
  /** Its endpoint, e.g. http://127.0.0.1:41234. */
  url: string;
  port: number;
  /**
   * Resolves once the tables are ACTIVE. CreateTable answers while a table is still CREATING, as
   * DynamoDB's does; writes to it fail with ResourceNotFoundException until it is ACTIVE.
   */
  whenActive(tableNames: string[], timeoutMs?: number): Promise<void>;
  /** The thread's event-loop time since it started (idle and active, ms). */
  eventLoopUtilization(): EventLoopUtilization;
  /** Closes the server and the store (releasing the folder), then ends the thread. */
  close(): Promise<void>;
}

type WorkerMessage =
  | { type: 'ready'; port: number }
  | { type: 'failed'; message: string; code?: string }
  | { type: 'closed'; error?: string };

const WORKER_FILE = new URL('./dynamo-worker.cjs', import.meta.url);

/** Starts dynalite on a worker thread; resolves once it listens, rejects with EmbeddedDynamoError. */
export async function startEmbeddedDynamo(options: EmbeddedDynamoOptions = {}): Promise<EmbeddedDynamo> {
  let worker: Worker;
  try {
    worker = new Worker(options.workerFile ?? WORKER_FILE, {
      workerData: { path: options.path, host: '127.0.0.1', port: options.port ?? 0 },
      // Only the profiling flags carry over: the worker is plain JavaScript (a TypeScript loader such
      // as tsx's --import would only slow its start) and workers refuse process-wide V8 flags.
      execArgv: profilingFlags(process.execArgv),
      // dynalite prints nothing unless asked; anything it does print is not the layer's output.
      stdout: true,
      stderr: true,
    });
  } catch (error) {
    throw new EmbeddedDynamoError(
      `the embedded DynamoDB thread could not start: ${message(error)}`,
      undefined,
      {
        cause: error,
      },
    );
  }
  return run(worker, options);
}

function run(worker: Worker, options: EmbeddedDynamoOptions): Promise<EmbeddedDynamo> {
  worker.stdout.resume();
  worker.stderr.resume();
  let closing = false;
  let started = false;
  let reported = false;
  return new Promise<EmbeddedDynamo>((resolve, reject) => {
    // One report per failure: a crash shows as 'error' and then 'exit'; a start that failed ends
    // the thread on purpose, which is no news either.
    const fail = (error: EmbeddedDynamoError) => {
      if (closing || reported) return;
      reported = true;
      if (!started) {
        started = true;
        closing = true;
        void worker.terminate();
        reject(error);
      } else options.onError?.(error);
    };
    worker.on('error', (error) =>
      fail(
        new EmbeddedDynamoError(`the embedded DynamoDB failed: ${error.message}`, undefined, {
          cause: error,
        }),
      ),
    );
    worker.on('exit', (code) => {
      if (!closing) fail(new EmbeddedDynamoError(`the embedded DynamoDB stopped (exit code ${code})`));
    });
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'failed') fail(new EmbeddedDynamoError(message.message, message.code));
      if (message.type !== 'ready' || started) return;
      started = true;
      const closed = new Promise<void>((done) => {
        worker.on('message', (m: WorkerMessage) => {
          if (m.type === 'closed') done();
        });
        worker.once('exit', () => done());
      });
      resolve({
        url: `http://127.0.0.1:${message.port}`,
        port: message.port,
        whenActive: (tableNames, timeoutMs = 10_000) =>
          whenActive(`http://127.0.0.1:${message.port}`, tableNames, timeoutMs),
        eventLoopUtilization: () => worker.performance.eventLoopUtilization(),
        close: async () => {
          if (closing) return;
          closing = true;
          worker.postMessage({ type: 'close' });
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            closed,
            new Promise<void>((done) => {
              timer = setTimeout(done, options.closeTimeoutMs ?? 10_000);
            }),
          ]);
          clearTimeout(timer);
          await worker.terminate();
        },
      });
    });
  });
}

/** Polls DescribeTable until every table is ACTIVE; throws EmbeddedDynamoError at the deadline. */
async function whenActive(url: string, tableNames: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const name of tableNames) {
    for (;;) {
      const status = await tableStatus(url, name);
      if (status === 'ACTIVE') break;
      if (Date.now() > deadline)
        throw new EmbeddedDynamoError(
          `table ${name} of the embedded DynamoDB is ${status ?? 'missing'}, not ACTIVE, after ${timeoutMs} ms`,
        );
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/** A table's status, or undefined when it does not exist. dynalite checks a signature's form, not its value. */
async function tableStatus(url: string, tableName: string): Promise<string | undefined> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'DynamoDB_20120810.DescribeTable',
      'x-amz-date': '20260101T000000Z',
      authorization:
        'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0',
    },
    body: JSON.stringify({ TableName: tableName }),
  });
  const body = (await response.json()) as { Table?: { TableStatus?: string }; __type?: string };
  if (response.ok) return body.Table?.TableStatus;
  if (body.__type?.endsWith('ResourceNotFoundException')) return undefined;
  throw new EmbeddedDynamoError(
    `DescribeTable ${tableName} failed with ${response.status} ${body.__type ?? ''}`,
  );
}

/** The flags of process.execArgv that profile (--cpu-prof, --heap-prof and their options). */
function profilingFlags(execArgv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] ?? '';
    if (!/^--(cpu|heap)-prof(-[a-z]+)?(=|$)/.test(arg)) continue;
    out.push(arg);
    // --cpu-prof-dir DIR: the option's value is the next argument.
    const next = execArgv[i + 1];
    if (/^--(cpu|heap)-prof-[a-z]+$/.test(arg) && next !== undefined) {
      out.push(next);
      i++;
    }
  }
  return out;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
