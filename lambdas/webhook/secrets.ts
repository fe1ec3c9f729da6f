/**
 * The receiver's signing secrets: one, or two while rotating. Each is a value reference (literal,
 * environment variable, or Secrets Manager secret with an optional JSON key), read once per
 * execution environment and kept for SECRET_TTL_MS. When a signature matches none of them, the
 * secrets are read again (at most every REFRESH_AFTER_MISMATCH_MS), so a value changed in place is
 * picked up within seconds without letting bad requests drive Secrets Manager calls.
 *
 * A secret that cannot be read or used is reported and left out; the receiver fails only when no
 * secret is left (a rotation whose new secret is not created yet keeps working on the old one).
 * When Secrets Manager fails after a successful read, the secrets read last stay in use.
 */
import type { ValueRef, WebhookSignature } from '../../lib/model/types.js';
import { checkSecret } from '../../lib/webhooks/signing.js';
import type { SecretReader } from '../commons/aws.js';
import { WebhookSecretError } from './errors.js';

/** How long secrets are trusted before they are read again. */
export const SECRET_TTL_MS = 5 * 60_000;
/** The shortest time between two re-reads triggered by signatures that match no secret. */
export const REFRESH_AFTER_MISMATCH_MS = 30_000;

export interface WebhookSecretsDeps {
  refs: readonly ValueRef[];
  signature: WebhookSignature;
  /** Where `{ env: NAME }` references are read (process.env on Lambda). */
  env: Readonly<Record<string, string | undefined>>;
  /** Secrets Manager, or the local layer's secrets file; undefined when none is configured. */
  reader?: SecretReader;
  now: () => number;
}

/** The usable secrets, and what was wrong with the others (support-safe: names, never values). */
export interface LoadedSecrets {
  values: string[];
  problems: string[];
  /** When they were read (epoch ms). */
  loadedAt: number;
}

export class WebhookSecrets {
  private cached: LoadedSecrets | undefined;
  /** When the secrets store was last asked (epoch ms), successfully or not. */
  private lastAttempt = Number.NEGATIVE_INFINITY;
  private loading: Promise<LoadedSecrets> | undefined;

  constructor(private readonly deps: WebhookSecretsDeps) {}

  /**
   * The secrets to verify with, from the cache while it is fresh. `fresh` is true when this call
   * asked the store (the caller logs `problems` then, once per read instead of per request). When
   * the store fails but secrets were read before, those stay in use and the store is asked again
   * after REFRESH_AFTER_MISMATCH_MS. Throws WebhookSecretError when no secret can be used.
   */
  async current(): Promise<LoadedSecrets & { fresh: boolean }> {
    const now = this.deps.now();
    const cached = this.cached;
    if (
      cached &&
      (now - cached.loadedAt < SECRET_TTL_MS || now - this.lastAttempt < REFRESH_AFTER_MISMATCH_MS)
    )
      return { ...cached, fresh: false };
    try {
      return { ...(await this.load()), fresh: true };
    } catch (error) {
      if (!cached) throw error;
      const problem = `the secrets could not be read again; using the ones read at ${new Date(cached.loadedAt).toISOString()} (${error instanceof Error ? error.message : String(error)})`;
      return { ...cached, problems: [...cached.problems, problem], fresh: true };
    }
  }

  /**
   * Reads the secrets again after a signature matched none of them, unless the store was asked
   * less than REFRESH_AFTER_MISMATCH_MS ago; undefined when not re-read or when the read failed.
   */
  async refreshAfterMismatch(): Promise<(LoadedSecrets & { fresh: true }) | undefined> {
    if (this.deps.now() - this.lastAttempt < REFRESH_AFTER_MISMATCH_MS) return undefined;
    try {
      return { ...(await this.load()), fresh: true };
    } catch {
      return undefined; // the cached secrets stay; current() reports the store's failure
    }
  }

  private async load(): Promise<LoadedSecrets> {
    this.lastAttempt = this.deps.now();
    // Concurrent requests (the local layer) share one read.
    this.loading ??= this.read().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async read(): Promise<LoadedSecrets> {
    const values: string[] = [];
    const problems: string[] = [];
    const causes: unknown[] = [];
    for (const [index, ref] of this.deps.refs.entries()) {
      const label = `secret ${index + 1} of ${this.deps.refs.length} (${describeRef(ref)})`;
      try {
        const value = await this.resolve(ref);
        const unusable = checkSecret(this.deps.signature, value);
        if (unusable) problems.push(`${label} cannot be used: ${unusable}`);
        else values.push(value);
      } catch (error) {
        causes.push(error);
        problems.push(`${label} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (values.length === 0)
      throw new WebhookSecretError(`no signing secret can be used: ${problems.join('; ')}`, {
        cause: causes[0],
      });
    const loaded = { values, problems, loadedAt: this.deps.now() };
    this.cached = loaded;
    return loaded;
  }

  private async resolve(ref: ValueRef): Promise<string> {
    if (typeof ref === 'string') return ref;
    if ('env' in ref) {
      const value = this.deps.env[ref.env];
      if (!value) throw new Error(`environment variable ${ref.env} is not set`);
      return value;
    }
    if (!this.deps.reader) throw new Error('no secrets store is configured');
    let text: string;
    try {
      text = await this.deps.reader.read(ref.secret);
    } catch (error) {
      throw new Error(`${(error as { name?: string }).name ?? 'Error'} from the secrets store`, {
        cause: error,
      });
    }
    if (ref.key === undefined) return text;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error(`the secret is not JSON, but the contract reads its key "${ref.key}"`);
    }
    const value = (parsed as Record<string, unknown> | null)?.[ref.key];
    if (typeof value !== 'string' || value === '')
      throw new Error(`the secret has no string key "${ref.key}"`);
    return value;
  }
}

/** A reference as operators see it in the contract; never its value. */
export function describeRef(ref: ValueRef): string {
  if (typeof ref === 'string') return 'a literal in the contract';
  if ('env' in ref) return `env ${ref.env}`;
  return ref.key === undefined ? `secret ${ref.secret}` : `secret ${ref.secret}, key ${ref.key}`;
}
