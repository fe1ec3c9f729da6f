/**
 * Reads an event's entity id and version with the contract's JMESPath expressions. A version is
 * a number, or an ISO-8601 timestamp (compared as epoch milliseconds), so "newer" means the same
 * thing everywhere.
 */
import { evaluate } from './jmespath.js';

/** The entity an event is about. */
export interface EntityRef {
  type: string;
  id: string;
  /** Comparable version: the number given, or epoch milliseconds of the timestamp given. */
  version: number;
}

/** Why an event's entity could not be read; support-safe (names the expression, never the value). */
export class EntityExtractionError extends Error {
  override readonly name = 'EntityExtractionError';
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
const MAX_ID_LENGTH = 256;

/** Normalises a version value; undefined when it is neither a finite number nor an ISO-8601 timestamp. */
export function normaliseVersion(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && ISO_8601.test(value)) {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/** Extracts the entity; throws EntityExtractionError when the id or version is missing or unusable. */
export function extractEntity(
  spec: { type: string; id: string; version: string },
  event: unknown,
): EntityRef {
  const rawId = safeEvaluate(spec.id, event, 'entity id');
  let id: string;
  if (typeof rawId === 'string' && rawId.length > 0) id = rawId;
  else if (typeof rawId === 'number' && Number.isFinite(rawId)) id = String(rawId);
  else throw new EntityExtractionError(`entity id (${spec.id}) is missing or not a string or number`);
  if (id.length > MAX_ID_LENGTH)
    throw new EntityExtractionError(`entity id (${spec.id}) is longer than ${MAX_ID_LENGTH} characters`);
  const rawVersion = safeEvaluate(spec.version, event, 'entity version');
  const version = normaliseVersion(rawVersion);
  if (version === undefined) {
    throw new EntityExtractionError(
      `entity version (${spec.version}) is missing or not a number or ISO-8601 timestamp`,
    );
  }
  return { type: spec.type, id, version };
}

function safeEvaluate(expression: string, event: unknown, what: string): unknown {
  try {
    return evaluate(expression, event);
  } catch {
    throw new EntityExtractionError(`${what} expression (${expression}) cannot be applied to this event`);
  }
}
