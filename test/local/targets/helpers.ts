/** Example targets on a fresh data folder, and small clients for them. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  type ExampleTargets,
  type ExampleTargetsOptions,
  startExampleTargets,
} from '../../../lib/local/targets/index.js';

/** Credentials the test targets accept. */
export const CREDENTIALS = {
  helpdeskToken: 'helpdesk-token-test',
  crmToken: 'crm-token-test',
  billingApiKey: 'billing-key-test',
  analyticsBus: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-secret-test' },
} as const satisfies ExampleTargetsOptions['credentials'];

/** A fresh temporary folder. */
export function tempDir(prefix = 'handoff-targets-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Running targets plus the folder they keep state in and the errors they reported. */
export interface TestTargets {
  targets: ExampleTargets;
  dir: string;
  errors: unknown[];
  /** Closes the targets; keeps the folder (restart tests reopen it). */
  stop(): Promise<void>;
  /** Closes the targets and removes the folder. */
  close(): Promise<void>;
}

/** Starts targets on `dir` (a new folder by default). */
export async function startTestTargets(
  options: Partial<ExampleTargetsOptions> & { dir?: string } = {},
): Promise<TestTargets> {
  const dir = options.dir ?? tempDir();
  const errors: unknown[] = [];
  const targets = await startExampleTargets({
    credentials: CREDENTIALS,
    onError: (e) => errors.push(e),
    ...options,
    dataDir: dir,
  });
  return {
    targets,
    dir,
    errors,
    stop: () => targets.close(),
    async close() {
      await targets.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Headers handoff sends to the helpdesk for one delivery. */
export function helpdeskHeaders(
  version: number | string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    authorization: `Bearer ${CREDENTIALS.helpdeskToken}`,
    'content-type': 'application/json',
    'x-handoff-version': String(version),
    'x-handoff-event-id': `evt-${version}`,
    'x-handoff-contract': 'crm-customer-to-helpdesk',
    ...extra,
  };
}

/** PUTs a JSON body to a helpdesk user, as handoff would. */
export function putUser(
  targets: ExampleTargets,
  id: string,
  version: number,
  body: Record<string, unknown> = { name: 'Ada Lovelace', crmVersion: version },
): Promise<Response> {
  return fetch(`${targets.systems.helpdesk}/api/v2/users/${id}`, {
    method: 'PUT',
    headers: helpdeskHeaders(version),
    body: JSON.stringify(body),
  });
}

/** An EventBridge client for the bus, without retries so faults surface at once. */
export function busClient(
  targets: ExampleTargets,
  credentials: { accessKeyId: string; secretAccessKey: string } = CREDENTIALS.analyticsBus,
): EventBridgeClient {
  return new EventBridgeClient({
    endpoint: targets.systems.analyticsBus,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
  });
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
