/**
 * The status API's routes: exact paths with `{param}` segments, one method each. Reads are all
 * `GET /v1/...`; the only write is `POST /v1/incidents/{id}/notes`, a separate route so IAM can
 * grant it separately. The OpenAPI document lists the same routes (a test keeps them equal).
 * The support page (`GET /` and its assets) is served by the same function but is not part of the
 * JSON API: its routes are PAGE_ROUTES, outside the document.
 */
import { BadRequestError, MethodNotAllowedError, NotFoundError, safeToken } from './errors.js';

/** Names of the routes. */
export type RouteId =
  | 'entity'
  | 'contracts'
  | 'contract'
  | 'priorities'
  | 'incidents'
  | 'incident'
  | 'incidentNotes'
  | 'ownership'
  | 'openapi'
  | 'meta'
  | 'page'
  | 'asset';

/** One route: method, path template and the query parameters it accepts. */
export interface RouteDef {
  id: RouteId;
  /** OpenAPI-style path template. */
  path: string;
  method: 'GET' | 'POST';
  /** Query parameters the route accepts; any other is a 400. */
  query: readonly string[];
}

/** Every route the status API serves. */
export const ROUTES: readonly RouteDef[] = [
  { id: 'entity', path: '/v1/entities/{type}/{id}', method: 'GET', query: [] },
  { id: 'contracts', path: '/v1/contracts', method: 'GET', query: [] },
  { id: 'contract', path: '/v1/contracts/{id}', method: 'GET', query: [] },
  { id: 'priorities', path: '/v1/priorities', method: 'GET', query: [] },
  { id: 'incidents', path: '/v1/incidents', method: 'GET', query: ['state', 'limit', 'cursor'] },
  { id: 'incident', path: '/v1/incidents/{id}', method: 'GET', query: [] },
  { id: 'incidentNotes', path: '/v1/incidents/{id}/notes', method: 'POST', query: [] },
  { id: 'ownership', path: '/v1/ownership', method: 'GET', query: [] },
  { id: 'openapi', path: '/v1/openapi.json', method: 'GET', query: [] },
  { id: 'meta', path: '/v1/meta', method: 'GET', query: [] },
];

/** The support page and its built assets (see page/serve.ts). */
export const PAGE_ROUTES: readonly RouteDef[] = [
  { id: 'page', path: '/', method: 'GET', query: [] },
  { id: 'asset', path: '/assets/{file}', method: 'GET', query: [] },
];

/** Everything the status API function answers: the JSON API and the page. */
export const ALL_ROUTES: readonly RouteDef[] = [...ROUTES, ...PAGE_ROUTES];

/** A matched route and its raw path parameters. */
export interface RouteMatch {
  route: RouteDef;
  /** Raw (decoded, not yet validated) path parameters. */
  params: Record<string, string>;
}

/** Finds the route for a path and method: 404 for an unknown path, 405 (with Allow) for a wrong method. */
export function matchRoute(
  method: string,
  segments: readonly string[],
  query: Record<string, string>,
  routes: readonly RouteDef[] = ROUTES,
): RouteMatch {
  const matches = routes
    .map((route) => ({ route, params: matchPath(route.path, segments) }))
    .filter((m): m is RouteMatch => m.params !== undefined);
  if (matches.length === 0)
    throw new NotFoundError('route_not_found', 'no such path; the API is described at GET /v1/openapi.json');
  const match = matches.find((m) => m.route.method === method);
  if (!match) {
    throw new MethodNotAllowedError(
      method,
      matches.map((m) => m.route.method),
    );
  }
  const unknown = Object.keys(query).filter((name) => !match.route.query.includes(name));
  if (unknown.length > 0) {
    const allowed = match.route.query.length > 0 ? `; allowed: ${match.route.query.join(', ')}` : '';
    throw new BadRequestError(
      'invalid_query',
      `unknown query parameter ${unknown.map(safeToken).join(', ')}${allowed}`,
    );
  }
  return match;
}

function matchPath(template: string, segments: readonly string[]): Record<string, string> | undefined {
  const parts = template.split('/').slice(1);
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of parts.entries()) {
    const segment = segments[i] ?? '';
    const param = /^\{(\w+)\}$/.exec(part)?.[1];
    if (param) params[param] = segment;
    else if (part !== segment) return undefined;
  }
  return params;
}
