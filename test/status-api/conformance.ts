/**
 * Checks a real response against the OpenAPI document: the operation's documented status, its
 * JSON Schema (Ajv, draft 2020-12, formats on), and the headers every answer must carry.
 */
import type { ValidateFunction } from 'ajv';
import { OPENAPI_DOCUMENT } from '../../lambdas/status-api/openapi.js';
import { createAjv2020 } from '../../lib/model/ajv.js';

const DOCUMENT_ID = 'https://handoff.example/status-api/openapi.json';
const ajv = createAjv2020();
ajv.addSchema({ ...(OPENAPI_DOCUMENT as unknown as Record<string, unknown>), $id: DOCUMENT_ID });
const validators = new Map<string, ValidateFunction>();

/** A validator for a schema of the document, given as a JSON pointer (e.g. #/components/schemas/Error). */
export function validatorFor(pointer: string): ValidateFunction {
  let validate = validators.get(pointer);
  if (!validate) {
    validate = ajv.compile({ $ref: `${DOCUMENT_ID}${pointer}` });
    validators.set(pointer, validate);
  }
  return validate;
}

type Json = Record<string, unknown>;

const REQUIRED_HEADERS: Record<string, RegExp> = {
  'content-type': /^application\/json/,
  'cache-control': /^no-store$/,
  'x-content-type-options': /^nosniff$/,
  'strict-transport-security': /max-age=\d+/,
  'content-security-policy': /default-src 'none'/,
};

/** Problems of a response (empty when it conforms). */
export function checkConformance(
  method: string,
  path: string,
  response: { status: number; headers: Record<string, string>; json: unknown },
): string[] {
  const problems: string[] = [];
  for (const [name, pattern] of Object.entries(REQUIRED_HEADERS)) {
    if (!pattern.test(response.headers[name] ?? ''))
      problems.push(`header ${name} is ${response.headers[name]}`);
  }
  const pointer = responsePointer(method, path, response.status);
  if (typeof pointer !== 'string') return [...problems, pointer.problem];
  const validate = validatorFor(pointer);
  if (!validate(response.json)) {
    for (const e of validate.errors ?? [])
      problems.push(`${e.instancePath || '/'} ${e.message} (${e.schemaPath})`);
  }
  return problems;
}

/** The JSON pointer of the schema this response must match. */
function responsePointer(method: string, path: string, status: number): string | { problem: string } {
  const template = templateOf(path.split('?')[0] ?? '');
  const paths = OPENAPI_DOCUMENT.paths as unknown as Record<string, Record<string, Json>>;
  const operation = template ? paths[template]?.[method.toLowerCase()] : undefined;
  if (!template || !operation) {
    // No operation: only "no such path", "wrong method" and malformed paths are possible.
    return [400, 404, 405].includes(status)
      ? '#/components/schemas/Error'
      : { problem: `${method} ${path} has no documented operation but answered ${status}` };
  }
  const responses = operation.responses as Record<string, Json>;
  const key = responses[String(status)] ? String(status) : 'default';
  const documented = responses[key];
  if (!documented) return { problem: `${method} ${template} does not document status ${status}` };
  const resolved =
    typeof documented.$ref === 'string'
      ? (OPENAPI_DOCUMENT.components.responses as unknown as Record<string, Json>)[
          documented.$ref.split('/').at(-1) ?? ''
        ]
      : documented;
  if (!resolved) return { problem: `unresolvable response ${String(documented.$ref)}` };
  const content = resolved.content as Record<string, Json> | undefined;
  if (!content?.['application/json'])
    return { problem: `${method} ${template} ${status} has no JSON content` };
  return typeof documented.$ref === 'string'
    ? `#/components/responses/${documented.$ref.split('/').at(-1)}/content/application~1json/schema`
    : `#/paths/${encodeURIComponent(template.replaceAll('~', '~0').replaceAll('/', '~1'))}/${method.toLowerCase()}/responses/${key}/content/application~1json/schema`;
}

/** The document's path template a concrete path matches. */
export function templateOf(path: string): string | undefined {
  const segments = path.split('/').slice(1);
  if (segments.length > 1 && segments.at(-1) === '') segments.pop();
  return Object.keys(OPENAPI_DOCUMENT.paths).find((template) => {
    const parts = template.split('/').slice(1);
    return (
      parts.length === segments.length &&
      parts.every((part, i) => /^\{\w+\}$/.test(part) || part === segments[i])
    );
  });
}
