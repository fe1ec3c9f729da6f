/**
 * Validates an event's `detail` against its contract's JSON Schema. Used by `validate` (samples)
 * and by the Lambda handlers at run time; it is small (no code generation, no eval), so it keeps
 * the handler bundles lean, and both places give the same answer.
 */
import { Validator } from '@cfworker/json-schema';

/** One way a `detail` fails its schema, with the path inside `detail` and no value echoed. */
export interface DetailViolation {
  path: string;
  message: string;
}

/** A compiled detail validator for one contract. */
export interface DetailValidator {
  validate(detail: unknown): DetailViolation[];
}

/** Builds a validator for a contract's detail schema (draft 2020-12 unless the schema says otherwise). */
export function createDetailValidator(schema: Record<string, unknown>): DetailValidator {
  const draft = typeof schema.$schema === 'string' && schema.$schema.includes('draft-07') ? '7' : '2020-12';
  const validator = new Validator(schema as ConstructorParameters<typeof Validator>[0], draft, false);
  return {
    validate(detail: unknown): DetailViolation[] {
      const result = validator.validate(detail);
      if (result.valid) return [];
      // cfworker reports a chain (outer keyword first); the innermost errors are the useful ones.
      const seen = new Set<string>();
      const violations: DetailViolation[] = [];
      for (const error of result.errors) {
        if (
          ['properties', 'allOf', 'items', '$ref', 'anyOf', 'oneOf', 'if', 'then', 'else'].includes(
            error.keyword,
          )
        )
          continue;
        const path = pointerToPath(error.instanceLocation);
        const message = safeMessage(error.keyword, error.error).replace(/\.$/, '');
        const key = `${path}|${message}`;
        if (seen.has(key)) continue;
        seen.add(key);
        violations.push({ path, message });
      }
      return violations.length > 0
        ? violations
        : [{ path: 'detail', message: 'does not match the contract schema' }];
    },
  };
}

function pointerToPath(pointer: string): string {
  const parts = pointer
    .replace(/^#/, '')
    .split('/')
    .filter((part) => part !== '')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  return parts.reduce(
    (path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : `${path}.${part}`),
    'detail',
  );
}

/** cfworker messages quote the offending value; keep the keyword's meaning but drop values (personal data). */
function safeMessage(keyword: string, message: string): string {
  switch (keyword) {
    case 'required':
      return message.replace(/^Instance does not have required property/, 'is missing required property');
    case 'type':
      return message.replace(/^Instance type "[^"]*" is invalid\. Expected/, 'has the wrong type; expected');
    case 'additionalProperties':
    case 'unevaluatedProperties':
      return message.replace(
        /^Property "([^"]*)" does not match additional properties schema\./,
        'has an unexpected property "$1"',
      );
    default:
      return `does not satisfy "${keyword}" in the contract schema`;
  }
}
