/**
 * One HTTP stand-in's answer to a request, decided from the request and what the resource holds
 * now. Checks run in the order a real API runs them: credentials (401), path (404), method (405),
 * JSON body (400), version header (400/428), then the version fence (412) when enabled. A write
 * is last-write-wins by arrival unless fencing is on.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { normaliseVersion } from '../../model/entity.js';
import { type HttpSystemSpec, matchRoute, WRITE_METHODS } from './catalog.js';
import { sameText } from './compare.js';
import type { StoredResource } from './store.js';

/** What a stand-in answers, and what it stores when the request is a write it accepts. */
export interface HttpDecision {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
  /** The version the request carried, when it carried a valid one. */
  version?: number;
  /** Set when the request is accepted as the path's new content. */
  write?: StoredResource;
}

/** A request to a stand-in, with its path relative to the system's prefix. */
export interface HttpSystemRequest {
  method: string;
  /** Path under the prefix, without the query string, e.g. /api/v2/users/42. */
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  receivedAt: string;
}

/** Headers handoff sends with every delivery (see lambdas/sync/adapters/http.ts). */
export const HANDOFF_HEADERS = {
  version: 'x-handoff-version',
  eventId: 'x-handoff-event-id',
  contract: 'x-handoff-contract',
} as const;

const MAX_HEADER_TEXT = 200;

/** Decides the answer. `stored` is what the path holds now; `credential` the expected secret. */
export function decideHttp(
  spec: HttpSystemSpec,
  request: HttpSystemRequest,
  options: { credential: string; fencing: boolean; stored: (path: string) => StoredResource | undefined },
): HttpDecision {
  const auth = checkCredential(spec, request.headers, options.credential);
  if (auth) return auth;

  const route = matchRoute(spec, request.path);
  if (!route)
    return fail(
      404,
      'not-found',
      `${spec.title} has no endpoint ${request.method} ${clip(request.path, 300)}; the example contracts use ${spec.routes.join(', ')} (with ${WRITE_METHODS.join(', ')} or GET)`,
    );

  if (request.method === 'GET') {
    const stored = options.stored(request.path);
    if (!stored) return fail(404, 'not-found', `nothing has been written to ${clip(request.path, 300)} yet`);
    return {
      status: 200,
      body: { id: route.id, path: request.path, version: stored.version ?? null, body: stored.body },
    };
  }
  if (!(WRITE_METHODS as readonly string[]).includes(request.method))
    return {
      ...fail(
        405,
        'method-not-allowed',
        `${request.method} is not supported on ${route.route}; use ${WRITE_METHODS.join(', ')} to write or GET to read`,
      ),
      headers: { allow: ['GET', ...WRITE_METHODS].join(', ') },
    };

  const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (contentType !== 'application/json' && !contentType.endsWith('+json'))
    return fail(
      400,
      'not-json',
      `the body must be JSON with Content-Type: application/json; got ${contentType === '' ? 'no content type' : clip(contentType, 80)}`,
    );
  let body: unknown;
  try {
    body = JSON.parse(request.body.toString('utf8'));
  } catch {
    return fail(400, 'invalid-json', 'the body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return fail(400, 'invalid-body', 'the body must be a JSON object');

  const header = headerText(request.headers[HANDOFF_HEADERS.version]);
  let version: number | undefined;
  if (header !== undefined) {
    version = parseVersion(header);
    if (version === undefined)
      return fail(
        400,
        'invalid-version',
        `${HANDOFF_HEADERS.version} must be a number or an ISO-8601 timestamp; got ${JSON.stringify(clip(header, 60))}`,
      );
  } else if (options.fencing) {
    return fail(
      428,
      'version-required',
      `this target refuses writes without ${HANDOFF_HEADERS.version} (fencing is on), so an unversioned write cannot overwrite a newer one`,
    );
  }

  const stored = options.stored(request.path);
  const versioned = version === undefined ? {} : { version };
  if (options.fencing && version !== undefined && stored?.version !== undefined && version < stored.version)
    return {
      ...fail(
        412,
        'stale-version',
        `${clip(request.path, 300)} holds version ${stored.version}, newer than version ${version}`,
      ),
      ...versioned,
    };

  const eventId = headerText(request.headers[HANDOFF_HEADERS.eventId]);
  const contract = headerText(request.headers[HANDOFF_HEADERS.contract]);
  return {
    status: stored ? 200 : 201,
    body: {
      id: route.id,
      path: request.path,
      version: version ?? null,
      result: stored ? 'updated' : 'created',
    },
    ...versioned,
    write: {
      ...versioned,
      body,
      receivedAt: request.receivedAt,
      method: request.method,
      ...(eventId ? { eventId: clip(eventId, MAX_HEADER_TEXT) } : {}),
      ...(contract ? { contract: clip(contract, MAX_HEADER_TEXT) } : {}),
    },
  };
}

/** A version header's comparable value: a number, or epoch ms of an ISO-8601 timestamp. */
export function parseVersion(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^-?\d+(\.\d+)?$/.test(trimmed)) {
    const value = Number(trimmed);
    return Number.isFinite(value) ? value : undefined;
  }
  return normaliseVersion(trimmed);
}

/** One header's text (the first, if repeated); undefined when absent or empty. */
export function headerText(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text === '' ? undefined : text;
}

function checkCredential(
  spec: HttpSystemSpec,
  headers: IncomingHttpHeaders,
  credential: string,
): HttpDecision | undefined {
  if (spec.auth.kind === 'bearer') {
    const header = headerText(headers.authorization);
    const token = header && /^bearer\s+/i.test(header) ? header.replace(/^bearer\s+/i, '').trim() : undefined;
    if (token !== undefined && sameText(token, credential)) return undefined;
    return {
      ...fail(
        401,
        'unauthorized',
        token === undefined
          ? `${spec.title} needs Authorization: Bearer <token>`
          : `${spec.title} does not accept this bearer token`,
      ),
      headers: {
        'www-authenticate': `Bearer realm="${spec.id}"${token === undefined ? '' : ', error="invalid_token"'}`,
      },
    };
  }
  const value = headerText(headers[spec.auth.header]);
  if (value !== undefined && sameText(value, credential)) return undefined;
  return fail(
    401,
    'unauthorized',
    value === undefined
      ? `${spec.title} needs the API key in the ${spec.auth.header} header`
      : `${spec.title} does not accept this API key`,
  );
}

function fail(status: number, error: string, message: string): HttpDecision {
  return { status, body: { error, message } };
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
