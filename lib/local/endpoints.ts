/**
 * `<data>/endpoints.json`: where a running local layer listens, so the CLI (`handoff dlq --local`),
 * `npm run demo` and tests find it. Written when the layer is ready, removed when it stops.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LocalEndpoints {
  /** EventBridge-compatible ingress (PutEvents) for handoff's bus. */
  events: string;
  /** The status API (and the support page) on the same port. */
  statusApi: string;
  dynamodb: string;
  sqs: string;
  /** The example target systems' admin and inspection API, when started. */
  targets?: string;
  /** handoff's bus name locally. */
  busName: string;
  region: string;
  stage: string;
  pid: number;
  startedAt: string;
  timeScale: number;
}

export const ENDPOINTS_FILE = 'endpoints.json';

/** Writes the file atomically (a reader never sees half of it). */
export function writeEndpoints(dataDir: string, endpoints: LocalEndpoints): void {
  const file = join(dataDir, ENDPOINTS_FILE);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(endpoints, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** Reads the endpoints of a running layer, or explains why there are none. */
export function readEndpoints(dataDir: string): LocalEndpoints {
  const file = join(dataDir, ENDPOINTS_FILE);
  if (!existsSync(file)) {
    throw new Error(
      `no local layer is running with data folder ${dataDir} (${file} is missing): start one with \`npm start\` or \`./bin/handoff local --data ${dataDir}\``,
    );
  }
  const endpoints = JSON.parse(readFileSync(file, 'utf8')) as LocalEndpoints;
  if (!isAlive(endpoints.pid)) {
    throw new Error(
      `the local layer that wrote ${file} (pid ${endpoints.pid}) is not running: start it again`,
    );
  }
  return endpoints;
}

export function removeEndpoints(dataDir: string): void {
  rmSync(join(dataDir, ENDPOINTS_FILE), { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
