/**
 * The deploy configuration: CDK context keys read by `bin/app.ts`, validated in one pass so a
 * wrong `-c` flag fails synth with every mistake listed, each naming the key and what is expected.
 *
 *   stage               dev | prod | ... (STAGE_PATTERN)
 *   contracts           the contracts folder (default `contracts`)
 *   runbookBaseUrl      https URL of the published `runbooks/` folder
 *   endpoints           {"HELPDESK_API_URL":"https://..."}: deploy-time values of `{ env: ... }` references
 *   alarmSubscriptions  {"page":["https://events.pagerduty.com/..."],"ticket":["team@example.com"]}
 */
import { resolve } from 'node:path';
import { SEVERITIES, type Severity } from '../model/types.js';
import { STAGE_PATTERN } from '../plan/names.js';
import { ConfigurationError } from './errors.js';

/** Where one severity's alarm notifications go. */
export interface AlarmSubscription {
  kind: 'email' | 'https';
  endpoint: string;
}

/** Subscriptions per severity topic; a severity without entries has no subscribers. */
export type AlarmSubscriptions = Partial<Record<Severity, AlarmSubscription[]>>;

/** The validated deploy configuration. */
export interface DeployContext {
  stage: string;
  /** Absolute path of the contracts folder. */
  contractsDir: string;
  runbookBaseUrl: string;
  /** Deploy-time values of `{ env: NAME }` references, by NAME. */
  endpoints: Record<string, string>;
  alarmSubscriptions: AlarmSubscriptions;
}

/** The context keys handoff reads (anything else in cdk.json is CDK's own). */
export const CONTEXT_KEYS = {
  stage: 'stage',
  contracts: 'contracts',
  runbookBaseUrl: 'runbookBaseUrl',
  endpoints: 'endpoints',
  alarmSubscriptions: 'alarmSubscriptions',
} as const;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Reads and validates the deploy configuration. `get` returns a context value (cdk.json values
 * arrive as JSON, `-c key=value` values as strings). Throws ConfigurationError listing every problem.
 */
export function readDeployContext(get: (key: string) => unknown, cwd: string = process.cwd()): DeployContext {
  const problems: string[] = [];

  const stageValue = get(CONTEXT_KEYS.stage) ?? 'dev';
  const stage = typeof stageValue === 'string' ? stageValue : '';
  if (!STAGE_PATTERN.test(stage)) {
    problems.push(
      `stage ${JSON.stringify(stageValue)}: expected 2-8 lower-case letters or digits starting with a letter (e.g. -c stage=dev or -c stage=prod)`,
    );
  }

  const contractsValue = get(CONTEXT_KEYS.contracts) ?? 'contracts';
  if (typeof contractsValue !== 'string' || contractsValue.trim() === '') {
    problems.push(
      `contracts ${JSON.stringify(contractsValue)}: expected a folder path (e.g. -c contracts=contracts)`,
    );
  }
  const contractsDir = resolve(cwd, typeof contractsValue === 'string' ? contractsValue : 'contracts');

  const runbookValue = get(CONTEXT_KEYS.runbookBaseUrl);
  const runbookBaseUrl = typeof runbookValue === 'string' ? runbookValue.replace(/\/+$/, '') : '';
  if (!isHttpsUrl(runbookBaseUrl)) {
    problems.push(
      `runbookBaseUrl ${JSON.stringify(runbookValue ?? null)}: expected the https:// URL where the runbooks/ folder is published (e.g. -c runbookBaseUrl=https://github.com/acme/handoff/blob/main/runbooks), so every alarm links to a page on-call can open`,
    );
  }

  const endpoints = parseEndpoints(get(CONTEXT_KEYS.endpoints), problems);
  const alarmSubscriptions = parseAlarmSubscriptions(get(CONTEXT_KEYS.alarmSubscriptions), problems);

  if (problems.length > 0) throw new ConfigurationError(problems);
  return { stage, contractsDir, runbookBaseUrl, endpoints, alarmSubscriptions };
}

/** Parses `endpoints`: a JSON object (or its JSON text) of environment-variable names to strings. */
export function parseEndpoints(value: unknown, problems: string[]): Record<string, string> {
  const object = jsonObject(CONTEXT_KEYS.endpoints, value, problems, '{"HELPDESK_API_URL":"https://..."}');
  const endpoints: Record<string, string> = {};
  for (const [name, entry] of Object.entries(object ?? {})) {
    if (!ENV_NAME.test(name)) {
      problems.push(
        `endpoints.${name}: not an environment variable name; expected letters, digits and underscores (the name a contract uses in { env: NAME })`,
      );
    } else if (typeof entry !== 'string' || entry.trim() === '') {
      problems.push(
        `endpoints.${name}: expected a non-empty string (a URL or an ARN), got ${describe(entry)}`,
      );
    } else {
      endpoints[name] = entry.trim();
    }
  }
  return endpoints;
}

/** Parses `alarmSubscriptions`: per severity, a list of email addresses and https URLs. */
export function parseAlarmSubscriptions(value: unknown, problems: string[]): AlarmSubscriptions {
  const object = jsonObject(
    CONTEXT_KEYS.alarmSubscriptions,
    value,
    problems,
    '{"page":["https://events.pagerduty.com/..."],"ticket":["team@example.com"]}',
  );
  const subscriptions: AlarmSubscriptions = {};
  for (const [severity, entries] of Object.entries(object ?? {})) {
    if (!(SEVERITIES as readonly string[]).includes(severity)) {
      problems.push(
        `alarmSubscriptions.${severity}: not a severity; expected one of ${SEVERITIES.join(', ')}`,
      );
      continue;
    }
    if (!Array.isArray(entries)) {
      problems.push(
        `alarmSubscriptions.${severity}: expected a list of email addresses and https:// URLs, got ${describe(entries)}`,
      );
      continue;
    }
    const list: AlarmSubscription[] = [];
    entries.forEach((entry: unknown, index) => {
      const where = `alarmSubscriptions.${severity}[${index}]`;
      if (typeof entry !== 'string') {
        problems.push(`${where}: expected an email address or an https:// URL, got ${describe(entry)}`);
      } else if (EMAIL.test(entry)) {
        list.push({ kind: 'email', endpoint: entry });
      } else if (isHttpsUrl(entry)) {
        list.push({ kind: 'https', endpoint: entry });
      } else if (/^http:\/\//i.test(entry)) {
        problems.push(`${where} (${mask(entry)}): plain http is not allowed; expected an https:// URL`);
      } else {
        problems.push(`${where} (${mask(entry)}): is neither an email address nor an https:// URL`);
      }
    });
    subscriptions[severity as Severity] = list;
  }
  return subscriptions;
}

/** True for an absolute https URL. */
export function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}

function jsonObject(
  key: string,
  value: unknown,
  problems: string[],
  example: string,
): Record<string, unknown> | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      problems.push(`${key}: not valid JSON (${reason}); expected an object such as -c ${key}='${example}'`);
      return undefined;
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    problems.push(`${key}: expected a JSON object such as ${example}, got ${describe(parsed)}`);
    return undefined;
  }
  return parsed as Record<string, unknown>;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'string' ? JSON.stringify(value) : `a ${typeof value}`;
}

/** Enough of a subscription entry to find it, without echoing an address or an integration key. */
function mask(entry: string): string {
  return entry.length <= 8 ? JSON.stringify(entry) : `"${entry.slice(0, 8)}…", ${entry.length} characters`;
}
