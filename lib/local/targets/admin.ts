/**
 * The admin API under `/_admin`, for rehearsing incidents with curl and for the demo and soak
 * test to inspect what the stand-ins hold:
 *
 *   GET    /_admin/faults                 every system's fault
 *   PUT    /_admin/faults/<system>        set one: {"mode":"error","status":503}
 *   DELETE /_admin/faults/<system>        back to ok
 *   GET    /_admin/state/<system>         resources held (or events) and request counts
 *   DELETE /_admin/state/<system>         forget what a system holds
 *   GET    /_admin/requests/<system>?limit=N   the recent request log (no bodies)
 */
import { isSystemId, SYSTEM_IDS, type SystemId } from './catalog.js';
import { FaultSpecError } from './errors.js';
import type { FaultSpec } from './faults.js';
import type { BusState, HttpSystemState, RequestRecord } from './store.js';

/** A fault in force, as listed. */
export type FaultStatus = FaultSpec & { since?: string };

/** What the admin API needs from the running targets. */
export interface AdminOperations {
  faults(): Record<SystemId, FaultStatus>;
  setFault(system: SystemId, input: unknown): FaultSpec;
  clearFault(system: SystemId): void;
  state(system: SystemId): HttpSystemState | BusState;
  requests(system: SystemId, limit?: number): RequestRecord[];
  wipe(system: SystemId): void;
}

/** An admin answer. */
export interface AdminAnswer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

const MAX_LIMIT = 100_000;

/** Answers an admin request; `path` is the part after /_admin, `body` the raw request body. */
export function answerAdmin(
  ops: AdminOperations,
  request: { method: string; path: string; query: URLSearchParams; body: Buffer },
): AdminAnswer {
  const segments = request.path.split('/').filter((s) => s !== '');
  const [resource, system, ...rest] = segments;
  if (resource === undefined)
    return {
      status: 200,
      body: {
        endpoints: [
          'GET /_admin/faults',
          'PUT /_admin/faults/<system> {"mode":"ok|down|slow|error|flaky", ...}',
          'DELETE /_admin/faults/<system>',
          'GET /_admin/state/<system>',
          'DELETE /_admin/state/<system>',
          'GET /_admin/requests/<system>?limit=N',
        ],
        systems: [...SYSTEM_IDS],
      },
    };
  if (rest.length > 0 || !['faults', 'state', 'requests'].includes(resource))
    return notFound(`no admin endpoint ${request.method} /_admin${request.path}; see GET /_admin`);

  if (resource === 'faults' && system === undefined) {
    if (request.method !== 'GET') return notAllowed(request.method, 'GET');
    return { status: 200, body: { faults: ops.faults() } };
  }
  if (system === undefined) return notFound(`name a system: /_admin/${resource}/<${SYSTEM_IDS.join('|')}>`);
  if (!isSystemId(system))
    return notFound(
      `unknown system ${JSON.stringify(system.slice(0, 60))}; expected one of ${SYSTEM_IDS.join(', ')}`,
    );

  switch (resource) {
    case 'faults': {
      if (request.method === 'DELETE') {
        ops.clearFault(system);
        return { status: 200, body: { system, fault: { mode: 'ok' } } };
      }
      if (request.method !== 'PUT') return notAllowed(request.method, 'PUT, DELETE');
      const text = request.body.toString('utf8');
      if (text.trim() === '')
        return badRequest('send the fault as a JSON body, e.g. {"mode":"error","status":503}');
      let input: unknown;
      try {
        input = JSON.parse(text);
      } catch {
        return badRequest('the body is not valid JSON; send e.g. {"mode":"slow","delayMs":10000}');
      }
      try {
        return { status: 200, body: { system, fault: ops.setFault(system, input) } };
      } catch (error) {
        if (error instanceof FaultSpecError) return badRequest(error.message, 'invalid-fault');
        throw error;
      }
    }
    case 'state':
      if (request.method === 'DELETE') {
        ops.wipe(system);
        return { status: 200, body: { system, wiped: true } };
      }
      if (request.method !== 'GET') return notAllowed(request.method, 'GET, DELETE');
      return { status: 200, body: { system, ...ops.state(system) } };
    default: {
      if (request.method !== 'GET') return notAllowed(request.method, 'GET');
      const limitText = request.query.get('limit');
      let limit: number | undefined;
      if (limitText !== null) {
        limit = /^\d+$/.test(limitText) ? Number(limitText) : Number.NaN;
        if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
          return badRequest(
            `limit must be an integer from 1 to ${MAX_LIMIT}; got ${JSON.stringify(limitText.slice(0, 20))}`,
          );
      }
      return { status: 200, body: { system, requests: ops.requests(system, limit) } };
    }
  }
}

function badRequest(message: string, error = 'bad-request'): AdminAnswer {
  return { status: 400, body: { error, message } };
}

function notFound(message: string): AdminAnswer {
  return { status: 404, body: { error: 'not-found', message } };
}

function notAllowed(method: string, allow: string): AdminAnswer {
  return {
    status: 405,
    body: {
      error: 'method-not-allowed',
      message: `${method.slice(0, 20)} is not supported here; use ${allow}`,
    },
    headers: { allow },
  };
}
