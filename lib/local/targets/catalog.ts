/**
 * The example target systems and the API surface each one offers: exactly the resource paths the
 * example contracts (`contracts/integrations/*.yaml`) write to. A path outside it answers 404, the
 * way a real SaaS API would, so a contract with a mistyped path fails visibly instead of filling a
 * catch-all.
 */

/** The HTTP systems, by the system ids of `contracts/systems.yaml`. */
export const HTTP_SYSTEM_IDS = ['helpdesk', 'crm', 'billing'] as const;
/** An HTTP stand-in's system id. */
export type HttpSystemId = (typeof HTTP_SYSTEM_IDS)[number];

/** The analytics bus's system id (`contracts/systems.yaml`). */
export const BUS_SYSTEM_ID = 'analytics';
/** Every stand-in's system id. */
export const SYSTEM_IDS = [...HTTP_SYSTEM_IDS, BUS_SYSTEM_ID] as const;
/** A stand-in's system id. */
export type SystemId = (typeof SYSTEM_IDS)[number];

/** How an HTTP stand-in authenticates callers. */
export type AuthScheme = { kind: 'bearer' } | { kind: 'header'; header: string };

/** One HTTP stand-in. */
export interface HttpSystemSpec {
  id: HttpSystemId;
  /** What it imitates, for the index page. */
  title: string;
  /** Path prefix on the shared server, e.g. /helpdesk. */
  prefix: string;
  auth: AuthScheme;
  /** Resource path templates under the prefix; `{id}` is one non-empty path segment. */
  routes: readonly string[];
}

/** Methods that write a resource; GET reads it back. */
export const WRITE_METHODS = ['PUT', 'PATCH', 'POST'] as const;

/** The HTTP stand-ins. */
export const HTTP_SYSTEMS: Readonly<Record<HttpSystemId, HttpSystemSpec>> = {
  helpdesk: {
    id: 'helpdesk',
    title: 'Helpdesk (Zendesk-like)',
    prefix: '/helpdesk',
    auth: { kind: 'bearer' },
    routes: ['/api/v2/users/{id}', '/api/v2/organizations/{id}/subscription'],
  },
  crm: {
    id: 'crm',
    title: 'CRM (Salesforce-like)',
    prefix: '/crm',
    auth: { kind: 'bearer' },
    routes: [
      '/services/data/accounts/{id}/billing',
      '/services/data/accounts/{id}/usage',
      '/services/data/activities/{id}',
    ],
  },
  billing: {
    id: 'billing',
    title: 'Billing (Stripe-like)',
    prefix: '/billing',
    auth: { kind: 'header', header: 'x-api-key' },
    routes: ['/v1/customers/{id}/billing-contact'],
  },
};

/** Path of the analytics bus's PutEvents endpoint on the shared server. */
export const BUS_PREFIX = '/analytics-bus';

/** True for a known system id. */
export function isSystemId(value: string): value is SystemId {
  return (SYSTEM_IDS as readonly string[]).includes(value);
}

/** True for an HTTP stand-in's system id. */
export function isHttpSystemId(value: string): value is HttpSystemId {
  return (HTTP_SYSTEM_IDS as readonly string[]).includes(value);
}

/** The route a path (under the system's prefix, without query) matches, with its `{id}`. */
export function matchRoute(spec: HttpSystemSpec, path: string): { route: string; id: string } | undefined {
  const segments = path.split('/');
  for (const route of spec.routes) {
    const parts = route.split('/');
    if (parts.length !== segments.length) continue;
    let id: string | undefined;
    let matched = true;
    for (const [i, part] of parts.entries()) {
      const segment = segments[i] ?? '';
      if (part === '{id}') {
        if (segment === '') {
          matched = false;
          break;
        }
        id = safeDecode(segment);
      } else if (part !== segment) {
        matched = false;
        break;
      }
    }
    if (matched && id !== undefined) return { route, id };
  }
  return undefined;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
