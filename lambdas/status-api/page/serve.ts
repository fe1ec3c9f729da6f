/**
 * How the status API serves the support page (server side; the browser code is app.ts): GET / is
 * the HTML under a strict Content-Security-Policy (no inline scripts or styles, nothing from other
 * origins), revalidated on every load; GET /assets/<name>.<hash>.<ext> is a built script or style
 * sheet, cached for a year (its name changes whenever its content does). Bodies come from the
 * generated assets module, so no filesystem is read.
 */
import { brotliDecompressSync } from 'node:zlib';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { PAGE_ASSETS, PAGE_HTML, type PageAsset } from '../assets.js';
import { NotFoundError } from '../errors.js';

/** The page's Content-Security-Policy: its own scripts, styles and API only. */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** Headers every page and asset response carries. */
const COMMON_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
  'cross-origin-resource-policy': 'same-origin',
};

/** Cache-Control of hashed assets: a year, never revalidated (a new build has new names). */
export const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Whether a request for `/` wants the page: browsers send `Accept: text/html`; a request naming
 * no HTML type (an API client) gets the API's JSON 404 instead of a page it cannot read.
 */
export function wantsPage(headers: Record<string, string>): boolean {
  const accept = headers.accept;
  if (!accept) return false;
  return accept
    .split(',')
    .map((part) => part.split(';')[0]?.trim().toLowerCase())
    .some((type) => type === 'text/html' || type === 'text/*' || type === '*/*');
}

/** The page (200, or 304 when the browser holds this version). */
export function pageResponse(headers: Record<string, string>): APIGatewayProxyStructuredResultV2 {
  return fileResponse(PAGE_HTML, headers, {
    'cache-control': 'no-cache',
    'content-security-policy': PAGE_CSP,
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), interest-cohort=()',
  });
}

/** A built asset by its served name; 404 for any other name (e.g. one from before a deploy). */
export function assetResponse(
  file: string,
  headers: Record<string, string>,
): APIGatewayProxyStructuredResultV2 {
  const asset = Object.hasOwn(PAGE_ASSETS, file) ? PAGE_ASSETS[file] : undefined;
  if (!asset)
    throw new NotFoundError(
      'asset_not_found',
      'no such page asset; reload the page to get the current version',
    );
  return fileResponse(asset, headers, { 'cache-control': IMMUTABLE });
}

/** Whether an Accept-Encoding header accepts br (and does not refuse it with q=0). */
export function acceptsBrotli(acceptEncoding: string | undefined): boolean {
  return (acceptEncoding ?? '').split(',').some((part) => {
    const [coding, ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    return coding === 'br' && (q === undefined || Number(q.slice(2)) > 0);
  });
}

function fileResponse(
  file: PageAsset,
  requestHeaders: Record<string, string>,
  extra: Record<string, string>,
): APIGatewayProxyStructuredResultV2 {
  // Stored brotli-compressed: sent as is to browsers that accept br (all of them over HTTPS),
  // decompressed for the rest. Each encoding has its own entity tag.
  const brotli = acceptsBrotli(requestHeaders['accept-encoding']);
  const etag = brotli ? `"${file.hash}.br"` : `"${file.hash}"`;
  const headers = { ...COMMON_HEADERS, ...extra, etag, vary: 'accept-encoding' };
  const known = requestHeaders['if-none-match']?.split(',').map((t) => t.trim().replace(/^W\//, ''));
  if (known?.includes(etag) || known?.includes('*')) return { statusCode: 304, headers };
  return {
    statusCode: 200,
    headers: {
      ...headers,
      'content-type': file.contentType,
      ...(brotli ? { 'content-encoding': 'br' } : {}),
    },
    body: brotli ? file.brotli : brotliDecompressSync(Buffer.from(file.brotli, 'base64')).toString('base64'),
    isBase64Encoded: true,
  };
}
