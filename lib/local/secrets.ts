/**
 * Local secrets: the values behind the contracts' `{ secret: ... }` references, kept in
 * `<data>/secrets.json` (created with random values on first start, editable by hand). The
 * handlers read them through the same SecretReader port they use for Secrets Manager on AWS.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { SecretReader } from '../../lambdas/commons/aws.js';
import type { Plan, ValueRef } from '../plan/types.js';

export type LocalSecrets = Record<string, string>;

/** Every secret reference in the plan's targets, with the JSON key it reads (if any). */
export function secretRefs(plan: Plan): Array<{ secret: string; key?: string }> {
  const refs: ValueRef[] = [];
  for (const c of plan.contracts) {
    if (c.target.adapter === 'http') {
      refs.push(c.target.url);
      if (c.target.auth.type === 'bearer') refs.push(c.target.auth.token);
      if (c.target.auth.type === 'header') refs.push(c.target.auth.value);
    } else {
      refs.push(c.target.busArn);
    }
  }
  return refs.filter((r): r is { secret: string; key?: string } => typeof r === 'object' && 'secret' in r);
}

/** Loads `<data>/secrets.json`, adding random values for any secret the plan needs and the file lacks. */
export function loadLocalSecrets(file: string, plan: Plan): LocalSecrets {
  const secrets: LocalSecrets = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as LocalSecrets)
    : {};
  let changed = false;
  for (const ref of secretRefs(plan))
    changed = fillLocalSecret(secrets, ref, () => `local-${randomBytes(12).toString('hex')}`) || changed;
  if (changed || !existsSync(file)) saveLocalSecrets(file, secrets);
  return secrets;
}

/**
 * Gives a secret reference a generated value in `secrets` unless it has one: the whole secret, or
 * its `key` inside a JSON secret. A value the user put there is never changed (one that is not JSON
 * is left for the function to report as a config failure). True when it added a value.
 */
export function fillLocalSecret(
  secrets: LocalSecrets,
  ref: { secret: string; key?: string },
  generate: () => string,
): boolean {
  const existing = secrets[ref.secret];
  if (ref.key === undefined) {
    if (existing !== undefined) return false;
    secrets[ref.secret] = generate();
    return true;
  }
  let json: Record<string, unknown> = {};
  if (existing !== undefined) {
    try {
      json = JSON.parse(existing) as Record<string, unknown>;
    } catch {
      return false;
    }
  }
  if (typeof json[ref.key] === 'string') return false;
  json[ref.key] = generate();
  secrets[ref.secret] = JSON.stringify(json);
  return true;
}

/** Writes the local secrets file, readable by its owner only. */
export function saveLocalSecrets(file: string, secrets: LocalSecrets): void {
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
}

/** The value a reference resolves to locally (for handing credentials to the example targets). */
export function resolveLocalSecret(secrets: LocalSecrets, ref: ValueRef): string | undefined {
  if (typeof ref === 'string') return ref;
  if ('env' in ref) return undefined;
  const value = secrets[ref.secret];
  if (value === undefined || ref.key === undefined) return value;
  try {
    const json = JSON.parse(value) as Record<string, unknown>;
    return typeof json[ref.key] === 'string' ? (json[ref.key] as string) : undefined;
  } catch {
    return undefined;
  }
}

/** A SecretReader over the local secrets; unknown names fail like Secrets Manager's ResourceNotFound. */
export function localSecretReader(secrets: LocalSecrets): SecretReader {
  return {
    async read(name) {
      const value = secrets[name];
      if (value === undefined)
        throw Object.assign(new Error(`secret ${name} is not in secrets.json`), {
          name: 'ResourceNotFoundException',
        });
      return value;
    },
  };
}
