/**
 * Checks that a contract's `schema` is itself a valid JSON Schema (draft 2020-12, or draft-07
 * when it says so). Tooling only: the handlers use the small validator in detail-validator.ts.
 */
import type { Ajv } from 'ajv';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import { createAjv, createAjv2020 } from './ajv.js';

let ajv2020: Ajv2020 | undefined;
let ajv07: Ajv | undefined;

function getAjv07(): Ajv {
  if (!ajv07) ajv07 = createAjv();
  return ajv07;
}

function getAjv2020(): Ajv2020 {
  if (!ajv2020) ajv2020 = createAjv2020();
  return ajv2020;
}

/** Returns why a detail schema is not a usable JSON Schema; empty when it is. */
export function checkJsonSchema(schema: Record<string, unknown>): string[] {
  const draft07 = typeof schema.$schema === 'string' && schema.$schema.includes('draft-07');
  const ajv = draft07 ? getAjv07() : getAjv2020();
  const copy = { ...schema };
  delete copy.$id; // contracts may share ids; compile each in isolation
  if (!ajv.validateSchema(copy)) {
    // One message per place in the schema: alternatives (anyOf) are joined, not listed apart.
    const byPath = new Map<string, Set<string>>();
    for (const e of ajv.errors ?? []) {
      if (e.keyword === 'anyOf' || e.keyword === 'oneOf') continue;
      const path = e.instancePath || '(root)';
      byPath.set(path, (byPath.get(path) ?? new Set()).add(describe(e.message, e.params)));
    }
    return [...byPath.entries()].map(([path, messages]) => `${path} ${[...messages].join(', or ')}`);
  }
  try {
    ajv.compile(copy);
    return [];
  } catch (error) {
    return [error instanceof Error ? error.message : String(error)];
  }
}

function describe(message: string | undefined, params: Record<string, unknown>): string {
  if (Array.isArray(params.allowedValues))
    return `must be one of ${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  return message ?? 'is invalid';
}
