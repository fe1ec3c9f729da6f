/**
 * Resolves the contract's value references (literal, environment variable, Secrets Manager) into
 * values, caching secrets per container so a warm function does not call Secrets Manager per event.
 * A missing variable or secret is a config failure: the owning team must set it.
 */
import type { ValueRef } from '../../lib/model/types.js';
import type { SecretReader } from '../commons/aws.js';
import { ConfigSyncError, TransientSyncError } from './errors.js';

/** How long a secret is trusted before it is read again (rotation without redeploying). */
export const SECRET_TTL_MS = 5 * 60_000;

export interface ValueResolverDeps {
  env: Record<string, string | undefined>;
  /** Secrets Manager, or a local stand-in; undefined when no secrets can be read. */
  secrets?: SecretReader;
  now(): number;
}

export interface ResolvedValue {
  value: string;
  /** When a secret was fetched (epoch ms); undefined for literals and environment values. */
  fetchedAt?: number;
}

export class ValueResolver {
  private readonly cache = new Map<string, { secret: string; fetchedAt: number }>();

  constructor(private readonly deps: ValueResolverDeps) {}

  /** Resolves a reference; `what` names it in messages ("helpdesk-api url"). */
  async resolve(ref: ValueRef, what: string): Promise<ResolvedValue> {
    if (typeof ref === 'string') return { value: ref };
    if ('env' in ref) {
      const value = this.deps.env[ref.env];
      if (!value)
        throw new ConfigSyncError(
          'missing-endpoint',
          `${what} is not configured: environment variable ${ref.env} is not set`,
        );
      return { value };
    }
    const { secret, fetchedAt } = await this.secret(ref.secret, what);
    if (ref.key === undefined) return { value: secret, fetchedAt };
    let parsed: unknown;
    try {
      parsed = JSON.parse(secret);
    } catch {
      throw new ConfigSyncError(
        'bad-secret',
        `${what}: secret ${ref.secret} is not JSON, but the contract reads its key "${ref.key}"`,
      );
    }
    const value = (parsed as Record<string, unknown> | null)?.[ref.key];
    if (typeof value !== 'string' || value === '') {
      throw new ConfigSyncError('bad-secret', `${what}: secret ${ref.secret} has no string key "${ref.key}"`);
    }
    return { value, fetchedAt };
  }

  /** Forgets a cached secret, e.g. after the target rejected it (it may have been rotated). */
  forget(ref: ValueRef): void {
    if (typeof ref === 'object' && 'secret' in ref) this.cache.delete(ref.secret);
  }

  private async secret(name: string, what: string): Promise<{ secret: string; fetchedAt: number }> {
    const now = this.deps.now();
    const cached = this.cache.get(name);
    if (cached && now - cached.fetchedAt < SECRET_TTL_MS) return cached;
    if (!this.deps.secrets)
      throw new ConfigSyncError(
        'missing-secret',
        `${what}: secret ${name} cannot be read (no secrets store configured)`,
      );
    try {
      const secret = await this.deps.secrets.read(name);
      const entry = { secret, fetchedAt: now };
      this.cache.set(name, entry);
      return entry;
    } catch (error) {
      if (error instanceof ConfigSyncError) throw error;
      const errorName = (error as { name?: string }).name ?? '';
      if (/ResourceNotFound|AccessDenied|DecryptionFailure|InvalidRequest/.test(errorName)) {
        throw new ConfigSyncError('missing-secret', `${what}: secret ${name} cannot be read (${errorName})`, {
          cause: error,
        });
      }
      throw new TransientSyncError(
        'secrets-unavailable',
        `${what}: Secrets Manager did not answer (${errorName || 'network'})`,
        { cause: error },
      );
    }
  }
}
