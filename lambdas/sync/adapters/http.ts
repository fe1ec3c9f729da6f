/**
 * The HTTP adapter: sends the mapped body to the target's endpoint, with its credentials, within
 * a timeout shorter than the function's, and maps the answer onto the failure taxonomy.
 *
 * Every request carries `X-Handoff-Version` (the entity version) and `Idempotency-Key`
 * (contract, entity, version), so a version-aware target can refuse older writes with 412
 * Precondition Failed (treated as "superseded") and deduplicate retries.
 *
 * Requests go through an HttpTransport (transport.ts: node:http(s) over kept-alive connections, no
 * redirects followed, the answer's body drained unread); tests pass their own to inject faults.
 */
import type { ContractPlan } from '../../../lib/plan/types.js';
import { type Deadline, deadline } from '../../commons/deadline.js';
import { ConfigSyncError, PermanentSyncError, TransientSyncError } from '../errors.js';
import type { ResolvedValue, ValueResolver } from '../values.js';
import type { HttpResponse, HttpTransport } from './transport.js';
import type { DeliveryRequest, DeliveryResult, TargetAdapter } from './types.js';

type HttpTarget = Extract<ContractPlan['target'], { adapter: 'http' }>;

/** A credential older than this is refreshed once when the target answers 401/403 (rotation). */
const REFRESH_AFTER_MS = 60_000;

export interface HttpAdapterDeps {
  values: ValueResolver;
  /** Sends the request (`httpTransport` on Lambda; tests pass their own to inject faults). */
  transport: HttpTransport;
  now(): number;
  userAgent: string;
}

/** Maps an HTTP status to the taxonomy; undefined means success. */
export function classifyStatus(
  status: number,
  system: string,
): TransientSyncError | PermanentSyncError | ConfigSyncError | 'superseded' | undefined {
  if (status >= 200 && status < 300) return undefined;
  if (status === 412) return 'superseded';
  const code = `http-${status}`;
  if (status === 401 || status === 403)
    return new ConfigSyncError(code, `${system} rejected handoff's credentials (HTTP ${status})`);
  if (status === 408 || status === 425 || status === 429 || status >= 500) {
    return new TransientSyncError(code, `${system} is unavailable or busy (HTTP ${status})`);
  }
  if (status >= 300 && status < 400)
    return new ConfigSyncError(
      code,
      `${system} redirected the request (HTTP ${status}); configure the final URL`,
    );
  return new PermanentSyncError(code, `${system} rejected the change (HTTP ${status})`);
}

export class HttpAdapter implements TargetAdapter {
  private baseUrl?: string;

  constructor(
    private readonly contract: ContractPlan & { target: HttpTarget },
    private readonly deps: HttpAdapterDeps,
  ) {}

  async prepare(): Promise<void> {
    const url = await this.deps.values.resolve(
      this.contract.target.url,
      `${this.contract.target.endpointId} url`,
    );
    try {
      const parsed = new URL(url.value);
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('protocol');
    } catch {
      throw new ConfigSyncError(
        'bad-endpoint',
        `${this.contract.target.endpointId} url is not an http(s) URL`,
      );
    }
    this.baseUrl = url.value.replace(/\/+$/, '');
    await this.credential();
  }

  async deliver(request: DeliveryRequest): Promise<DeliveryResult> {
    if (!this.baseUrl) await this.prepare();
    // One timeout for the whole delivery, a credential refresh and its second send included: the
    // claim's lease covers one target timeout, and a send that outlived it could overlap the next
    // version's send.
    const limit = deadline(this.contract.target.timeoutSeconds * 1000, request.signal);
    try {
      return await this.deliverWithin(request, limit);
    } finally {
      limit.clear();
    }
  }

  private async deliverWithin(request: DeliveryRequest, limit: Deadline): Promise<DeliveryResult> {
    const first = await this.send(request, await this.credential(), limit);
    if (
      first.kind === 'auth-rejected' &&
      first.credential.fetchedAt !== undefined &&
      this.deps.now() - first.credential.fetchedAt > REFRESH_AFTER_MS
    ) {
      // The secret may have been rotated since it was cached: read it again and retry once.
      this.forgetCredential();
      const second = await this.send(request, await this.credential(), limit);
      return this.finish(second);
    }
    return this.finish(first);
  }

  private finish(result: SendResult): DeliveryResult {
    if (result.kind === 'ok') return { outcome: 'delivered', status: result.status };
    if (result.kind === 'superseded') return { outcome: 'superseded', status: result.status };
    throw result.error;
  }

  private async send(request: DeliveryRequest, credential: Credential, limit: Deadline): Promise<SendResult> {
    const target = this.contract.target;
    const system = target.system;
    const url = `${this.baseUrl}${target.path.replace('{id}', encodeURIComponent(request.entity.id))}`;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      // The answer's body is drained unread, so any type will do (and fetch sent the same).
      accept: '*/*',
      'user-agent': this.deps.userAgent,
      'x-handoff-contract': this.contract.id,
      'x-handoff-version': String(request.entity.version),
      'x-handoff-event-id': String(request.event.id ?? ''),
      'idempotency-key': `${this.contract.id}:${request.entity.type}:${request.entity.id}:${request.entity.version}`,
    };
    if (credential.header) headers[credential.header.name] = credential.header.value;
    let response: HttpResponse;
    try {
      // The transport follows no redirects and drains the body (never read into logs).
      response = await this.deps.transport({
        url,
        method: target.method,
        headers,
        body: JSON.stringify(request.body),
        signal: limit.signal,
      });
    } catch (error) {
      if (limit.expired)
        return {
          kind: 'error',
          error: new TransientSyncError(
            'timeout',
            `${system} did not answer within ${target.timeoutSeconds}s`,
            { cause: error },
          ),
        };
      if (request.signal.aborted)
        return {
          kind: 'error',
          error: new TransientSyncError('out-of-time', `the handler ran out of time waiting for ${system}`, {
            cause: error,
          }),
        };
      const code = connectionCode(error).toLowerCase();
      return {
        kind: 'error',
        error: new TransientSyncError(`connection-${code}`, `${system} could not be reached (${code})`, {
          cause: error,
        }),
      };
    }
    const verdict = classifyStatus(response.status, system);
    if (verdict === undefined) return { kind: 'ok', status: response.status };
    if (verdict === 'superseded') return { kind: 'superseded', status: response.status };
    if (verdict instanceof ConfigSyncError && (response.status === 401 || response.status === 403)) {
      return { kind: 'auth-rejected', error: verdict, credential };
    }
    return { kind: 'error', error: verdict };
  }

  private async credential(): Promise<Credential> {
    const auth = this.contract.target.auth;
    const what = `${this.contract.target.endpointId} credentials`;
    if (auth.type === 'none') return {};
    if (auth.type === 'bearer') {
      const token = await this.deps.values.resolve(auth.token, what);
      return {
        header: { name: 'authorization', value: `Bearer ${token.value}` },
        fetchedAt: token.fetchedAt,
      };
    }
    const value: ResolvedValue = await this.deps.values.resolve(auth.value, what);
    return { header: { name: auth.header.toLowerCase(), value: value.value }, fetchedAt: value.fetchedAt };
  }

  private forgetCredential(): void {
    const auth = this.contract.target.auth;
    if (auth.type === 'bearer') this.deps.values.forget(auth.token);
    if (auth.type === 'header') this.deps.values.forget(auth.value);
  }
}

/** The system error code of a failed request (ECONNREFUSED...), its cause's, else `network`. */
function connectionCode(error: unknown): string {
  const failure = error as { code?: unknown; cause?: { code?: unknown } } | undefined;
  if (typeof failure?.code === 'string') return failure.code;
  if (typeof failure?.cause?.code === 'string') return failure.cause.code;
  return 'network';
}

interface Credential {
  header?: { name: string; value: string };
  fetchedAt?: number;
}

type SendResult =
  | { kind: 'ok'; status: number }
  | { kind: 'superseded'; status: number }
  | { kind: 'auth-rejected'; error: ConfigSyncError; credential: Credential }
  | { kind: 'error'; error: TransientSyncError | PermanentSyncError | ConfigSyncError };
