/**
 * Removes personal data from a copy of an event before anything is logged or stored for support.
 * Paths are dotted with `[*]` for every element of an array: `detail.contacts[*].phone`.
 */

/** The placeholder that replaces personal data. */
export const REDACTED = '[redacted]';

/** Returns a deep copy of `value` with every declared path replaced by a placeholder. */
export function redact<T>(value: T, paths: readonly string[]): T {
  if (paths.length === 0 || value === null || typeof value !== 'object') return value;
  const copy = structuredClone(value) as unknown;
  for (const path of paths) apply(copy, parsePath(path));
  return copy as T;
}

type Segment = { key: string } | { each: true };

/** Splits `a.b[*].c` into segments. */
export function parsePath(path: string): Segment[] {
  const segments: Segment[] = [];
  for (const part of path.split('.')) {
    const match = /^([^[\]]+)((?:\[\*\])*)$/.exec(part);
    if (!match || match[1] === undefined) continue;
    segments.push({ key: match[1] });
    const stars = (match[2] ?? '').length / 3;
    for (let i = 0; i < stars; i++) segments.push({ each: true });
  }
  return segments;
}

function apply(node: unknown, segments: Segment[]): void {
  const [head, ...rest] = segments;
  if (!head || node === null || typeof node !== 'object') return;
  if ('each' in head) {
    if (!Array.isArray(node)) return;
    for (let i = 0; i < node.length; i++) {
      if (rest.length === 0) node[i] = REDACTED;
      else apply(node[i], rest);
    }
    return;
  }
  const record = node as Record<string, unknown>;
  if (!(head.key in record)) return;
  if (rest.length === 0) record[head.key] = REDACTED;
  else apply(record[head.key], rest);
}
