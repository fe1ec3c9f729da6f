/**
 * Where things are: the project root (for runbooks and cdk.json) and the defaults users expect.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The handoff project root (the folder holding package.json, runbooks/ and contracts/). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Runbook base URL used when none is configured: the runbooks folder on disk. */
export const LOCAL_RUNBOOK_BASE = 'runbooks';

/** Reads a context value from the project's cdk.json, so the CLI's plan matches `cdk synth`. */
export function cdkContext(key: string): unknown {
  const file = join(PROJECT_ROOT, 'cdk.json');
  if (!existsSync(file)) return undefined;
  try {
    const json = JSON.parse(readFileSync(file, 'utf8')) as { context?: Record<string, unknown> };
    return json.context?.[key];
  } catch {
    return undefined;
  }
}

/** The contracts folder: the flag, else ./contracts, else the project's own examples. */
export function defaultContractsDir(flag: string | undefined): string {
  if (flag) return resolve(flag);
  const here = resolve('contracts');
  return existsSync(here) ? here : join(PROJECT_ROOT, 'contracts');
}

/** The runbook base URL from cdk.json, or the local runbooks folder. */
export function defaultRunbookBaseUrl(flag: string | undefined): string {
  if (flag) return flag;
  const fromCdk = cdkContext('runbookBaseUrl');
  return typeof fromCdk === 'string' && fromCdk ? fromCdk : LOCAL_RUNBOOK_BASE;
}
