/**
 * Structural validation of the contract files against their JSON Schemas (the same schemas
 * editors use), with Ajv's errors turned into one clear message per field.
 */
import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { createAjv } from './ajv.js';
import { joinPath, type Problem } from './problems.js';
import type { YamlFile } from './yaml-file.js';

const require = createRequire(import.meta.url);

/** The kinds of file in a contracts folder, each with its schema. */
export type FileKind = 'systems' | 'teams' | 'tiers' | 'contract';

let validators: Record<FileKind, ValidateFunction> | undefined;

function getValidators(): Record<FileKind, ValidateFunction> {
  if (validators) return validators;
  const ajv = createAjv({ verbose: true });
  ajv.addSchema(require('./schema/common.schema.json'));
  validators = {
    systems: ajv.compile(require('./schema/systems.schema.json')),
    teams: ajv.compile(require('./schema/teams.schema.json')),
    tiers: ajv.compile(require('./schema/tiers.schema.json')),
    contract: ajv.compile(require('./schema/contract.schema.json')),
  };
  return validators;
}

/** Validates a file's data against its kind's schema; returns problems (empty when valid). */
export function checkStructure(kind: FileKind, yaml: YamlFile): Problem[] {
  const validate = getValidators()[kind];
  if (validate(yaml.data)) return [];
  return explain(validate.errors ?? [], yaml);
}

function explain(errors: ErrorObject[], yaml: YamlFile): Problem[] {
  // Errors under a failed oneOf/anyOf are alternatives, not separate mistakes: keep one message
  // for the field, built from the schema's description.
  const alternatives = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  const insideAlternative = (e: ErrorObject) =>
    alternatives.some(
      (alt) =>
        alt !== e &&
        e.instancePath.startsWith(alt.instancePath) &&
        e.schemaPath.startsWith(alt.schemaPath.replace(/\/(oneOf|anyOf)$/, '')),
    );

  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    if (error.keyword === 'if') continue; // "must match then schema": the then-branch errors say what is wrong
    if (error.keyword !== 'oneOf' && error.keyword !== 'anyOf' && insideAlternative(error)) continue;
    const segments = pointerSegments(error.instancePath);
    const problem = describe(error, segments, yaml);
    const key = `${problem.path}|${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return problems;
}

function describe(error: ErrorObject, segments: Array<string | number>, yaml: YamlFile): Problem {
  const path = segments.reduce<string>((acc, seg) => joinPath(acc, seg), '');
  const at = (extra?: string | number) => {
    const full = extra === undefined ? segments : [...segments, extra];
    return {
      file: yaml.file,
      line: yaml.lineOf(full),
      path: extra === undefined ? path : joinPath(path, extra),
    };
  };
  const shown = showValue(error.data);
  switch (error.keyword) {
    case 'required': {
      const missing = (error.params as { missingProperty: string }).missingProperty;
      return {
        ...at(),
        path: joinPath(path, missing),
        message: `is required${describeSchema(error, missing)}`,
      };
    }
    case 'additionalProperties': {
      const extra = (error.params as { additionalProperty: string }).additionalProperty;
      const allowed = Object.keys((error.parentSchema as { properties?: object })?.properties ?? {});
      return {
        ...at(extra),
        message: `is not a known field${allowed.length ? `; expected one of: ${allowed.join(', ')}` : ''}`,
      };
    }
    case 'enum':
      return {
        ...at(),
        message: `${shown} is not allowed; expected one of: ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'const':
      return {
        ...at(),
        message: `${shown} is not allowed; expected ${JSON.stringify((error.params as { allowedValue: unknown }).allowedValue)}`,
      };
    case 'type':
      return {
        ...at(),
        message: `${shown} has the wrong type; expected ${(error.params as { type: string }).type}`,
      };
    case 'pattern': {
      // The schema's description says the rule in words; the pattern is the fallback.
      const description = (error.parentSchema as { description?: string } | undefined)?.description;
      const pattern = (error.params as { pattern: string }).pattern;
      return {
        ...at(),
        message: `${shown} is not in the expected form; expected ${description ? lowerFirst(description).replace(/\.$/, '') : `text matching ${pattern}`}`,
      };
    }
    case 'minLength':
    case 'maxLength': {
      const limit = (error.params as { limit: number }).limit;
      const characters = `${limit} character${limit === 1 ? '' : 's'}`;
      return {
        ...at(),
        message:
          error.keyword === 'maxLength'
            ? `${shown} is too long; expected at most ${characters}`
            : limit === 1
              ? 'is empty; expected some text'
              : `${shown} is too short; expected at least ${characters}`,
      };
    }
    case 'minimum':
    case 'maximum': {
      const limit = (error.params as { limit: number }).limit;
      return {
        ...at(),
        message: `${shown} is too ${error.keyword === 'minimum' ? 'small' : 'large'}; expected ${error.keyword === 'minimum' ? 'at least' : 'at most'} ${limit}`,
      };
    }
    case 'minItems': {
      const limit = (error.params as { limit: number }).limit;
      return { ...at(), message: `needs at least ${limit} item${limit === 1 ? '' : 's'}` };
    }
    case 'format':
    case 'uniqueItems':
    case 'minProperties': {
      const description = (error.parentSchema as { description?: string } | undefined)?.description;
      return {
        ...at(),
        message: `${shown} ${error.message ?? 'is invalid'}${description ? ` (${description})` : ''}`,
      };
    }
    case 'oneOf':
    case 'anyOf': {
      const description = (error.parentSchema as { description?: string } | undefined)?.description;
      return {
        ...at(),
        message: `${shown} is not valid${description ? `: expected ${lowerFirst(description)}` : ''}`,
      };
    }
    default:
      return { ...at(), message: `${shown} ${error.message ?? 'is invalid'}` };
  }
}

function describeSchema(error: ErrorObject, property: string): string {
  const properties = (error.parentSchema as { properties?: Record<string, { description?: string }> })
    ?.properties;
  const description = properties?.[property]?.description;
  return description ? ` (${lowerFirst(description).replace(/\.$/, '')})` : '';
}

function pointerSegments(pointer: string): Array<string | number> {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/** Shows a value briefly; contract files hold no personal data, but keep messages short. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'the value';
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
