/**
 * The page's only way to the data: GET requests to the status API with URLs relative to the page
 * (`v1/...`), so it works at the root, behind an API Gateway stage path or under a proxy's prefix.
 * Failures become one of two errors with a message support can act on.
 */

/** Something went wrong fetching an answer; `message` is written for the person at the page. */
export class PageLoadError extends Error {
  override readonly name: string = 'PageLoadError';
}

/** The API answered with a problem: its own message (the API never echoes unsafe input), code and request id. */
export class ApiProblemError extends PageLoadError {
  override readonly name = 'ApiProblemError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | undefined,
  ) {
    super(message);
  }
}

/** The API could not be reached at all (network, VPN, proxy sign-in). */
export class UnreachableError extends PageLoadError {
  override readonly name = 'UnreachableError';
}

/** How long one request may take before the page gives up on it. */
export const REQUEST_TIMEOUT_MS = 15_000;

/** GETs `v1/<path>` and returns its JSON; throws ApiProblemError or UnreachableError. */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  let response: Response;
  try {
    response = await fetch(`v1/${path}`, {
      headers: { accept: 'application/json' },
      credentials: 'same-origin',
      cache: 'no-store',
      signal: combined,
    });
  } catch (cause) {
    if (signal?.aborted) throw cause; // superseded by a newer request: not an error to show
    const timedOut = timeout.aborted;
    throw new UnreachableError(
      timedOut
        ? `The status API did not answer within ${REQUEST_TIMEOUT_MS / 1000} seconds. Try again in a minute; if it keeps happening, tell the team that runs handoff.`
        : 'The status API could not be reached. Check your network or VPN connection (and that you are signed in to the proxy), then try again.',
      { cause },
    );
  }
  const text = await response.text().catch(() => '');
  const body = parse(text);
  if (response.ok) {
    if (body === undefined)
      throw new PageLoadError(
        `The status API sent an answer this page cannot read (HTTP ${response.status}). Reload the page; if it persists, tell the team that runs handoff.`,
      );
    return body as T;
  }
  throw problemOf(response.status, body);
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The error for a non-2xx answer: the API's own problem when it sent one, else a plain explanation. */
export function problemOf(status: number, body: unknown): PageLoadError {
  const error = (body as { error?: { code?: unknown; message?: unknown; requestId?: unknown } } | undefined)
    ?.error;
  if (error && typeof error.message === 'string' && typeof error.code === 'string') {
    return new ApiProblemError(
      status,
      error.code,
      error.message,
      typeof error.requestId === 'string' ? error.requestId : undefined,
    );
  }
  if (status === 401 || status === 403)
    return new ApiProblemError(
      status,
      'forbidden',
      'Access denied: the status API did not accept your credentials. Sign in again (through the proxy your team uses), or ask the team that runs handoff for read access.',
      undefined,
    );
  if (status === 429)
    return new ApiProblemError(
      status,
      'throttled',
      'The status API is busy (too many requests). Wait a minute and try again.',
      undefined,
    );
  return new ApiProblemError(
    status,
    `http_${status}`,
    `The status API failed to answer (HTTP ${status}). Try again in a minute; if it keeps happening, tell the team that runs handoff.`,
    undefined,
  );
}
