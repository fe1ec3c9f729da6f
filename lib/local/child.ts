/**
 * `./bin/handoff local` in a child process, as a user runs it: for the scripts and tests that
 * measure it from outside, or kill -9 and restart it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../cli/project.js';
import { ENDPOINTS_FILE, type LocalEndpoints, readEndpoints, removeEndpoints } from './endpoints.js';

export interface LocalLayerChild {
  child: ChildProcess;
  endpoints: LocalEndpoints;
}

/**
 * Starts the layer on `dataDir` (`--port 0` and any extra `args`) and resolves once it has written
 * its endpoints file; throws with its stderr if it exits first or takes longer than `timeoutMs`.
 */
export async function spawnLocalLayer(options: {
  dataDir: string;
  args?: string[];
  env?: Record<string, string>;
  timeoutMs?: number;
}): Promise<LocalLayerChild> {
  const { dataDir } = options;
  removeEndpoints(dataDir);
  const child = spawn(
    join(PROJECT_ROOT, 'bin', 'handoff'),
    ['local', '--data', dataDir, '--port', '0', ...(options.args ?? [])],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...options.env } },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (!existsSync(join(dataDir, ENDPOINTS_FILE))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`the local layer did not start: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, endpoints: readEndpoints(dataDir) };
}
