/**
 * Builds a target's body from an event with a contract's declared mapping: each field is a
 * JMESPath expression over the event, or a nested mapping.
 */
import { evaluate } from './jmespath.js';
import type { Mapping } from './types.js';

/** A mapping field that could not be computed; support-safe (names the field, not the value). */
export class MappingError extends Error {
  override readonly name = 'MappingError';
}

/** Applies a mapping to an event. Fields whose expression yields null are sent as null. */
export function applyMapping(mapping: Mapping, event: unknown, path = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, spec] of Object.entries(mapping)) {
    const fieldPath = path ? `${path}.${field}` : field;
    if (typeof spec === 'string') {
      try {
        out[field] = evaluate(spec, event) ?? null;
      } catch {
        throw new MappingError(`mapping field ${fieldPath} (${spec}) cannot be computed from this event`);
      }
    } else {
      out[field] = applyMapping(spec, event, fieldPath);
    }
  }
  return out;
}

/** Every JMESPath expression in a mapping, with the field it fills. */
export function mappingExpressions(
  mapping: Mapping,
  path = '',
): Array<{ field: string; expression: string }> {
  return Object.entries(mapping).flatMap(([field, spec]) => {
    const fieldPath = path ? `${path}.${field}` : field;
    return typeof spec === 'string'
      ? [{ field: fieldPath, expression: spec }]
      : mappingExpressions(spec, fieldPath);
  });
}
