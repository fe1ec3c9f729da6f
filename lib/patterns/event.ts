/**
 * Flattens an event the way event-ruler does before matching: every leaf value becomes a field named by the
 * dot-joined keys leading to it (so {"a": {"b": 1}} and {"a.b": 1} are the same field), array elements add
 * their values to the same field name, and each value remembers which element of which array (of objects or
 * arrays) it came from, so that one match cannot combine fields taken from different elements of one array.
 */
import type { JsonNode } from './json.js';

/** A scalar JSON value of an event. */
export type Leaf = Exclude<JsonNode, { type: 'object' } | { type: 'array' }>;

/** Which element of which array a value sits in: [array id, element index] pairs, sorted by array id. */
export type Membership = readonly (readonly [number, number])[];

/** One value of a flattened field. */
export interface Occurrence {
  readonly leaf: Leaf;
  readonly membership: Membership;
}

/** Flattened field name to its values, in document order. */
export type FlatEvent = ReadonlyMap<string, readonly Occurrence[]>;

/**
 * Flattens an event object. `wanted` prunes the walk to names a pattern can use (a name is wanted if it is a
 * pattern field or a dot-prefix of one); pruning never changes a result, it only saves work.
 */
export function flattenEvent(
  event: Extract<JsonNode, { type: 'object' }>,
  wanted: (name: string) => boolean,
): FlatEvent {
  const fields = new Map<string, Occurrence[]>();
  let arrayCount = 0;
  const membership: [number, number][] = [];

  const add = (name: string, leaf: Leaf) => {
    const list = fields.get(name);
    const occurrence = { leaf, membership: membership.map(([id, index]) => [id, index] as const) };
    if (list === undefined) {
      fields.set(name, [occurrence]);
    } else {
      list.push(occurrence);
    }
  };

  const visitObject = (entries: readonly (readonly [string, JsonNode])[], prefix: string) => {
    // Duplicate keys: the last one wins, as with JSON.parse.
    const members = new Map<string, JsonNode>();
    for (const [key, value] of entries) {
      members.delete(key);
      members.set(key, value);
    }
    for (const [key, value] of members) {
      const name = prefix === '' ? key : `${prefix}.${key}`;
      if (wanted(name)) {
        visitValue(value, name);
      }
    }
  };

  const visitValue = (value: JsonNode, name: string) => {
    if (value.type === 'object') {
      visitObject(value.entries, name);
    } else if (value.type === 'array') {
      visitArray(value.items, name);
    } else {
      add(name, value);
    }
  };

  const visitArray = (items: readonly JsonNode[], name: string) => {
    const id = arrayCount++;
    items.forEach((item, index) => {
      // Only containers record their element index; scalars in an array just add values to the field.
      if (item.type === 'object' || item.type === 'array') {
        membership.push([id, index]);
        visitValue(item, name);
        membership.pop();
      } else {
        add(name, item);
      }
    });
  };

  visitObject(event.entries, '');
  return fields;
}

/**
 * Combines the array memberships of values used together in one match: undefined if they disagree on the
 * element of some array (array consistency), otherwise the union.
 */
export function mergeMembership(a: Membership, b: Membership): Membership | undefined {
  if (b.length === 0) {
    return a;
  }
  if (a.length === 0) {
    return b;
  }
  const merged: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (x !== undefined && (y === undefined || x[0] < y[0])) {
      merged.push([x[0], x[1]]);
      i++;
    } else if (y !== undefined && (x === undefined || y[0] < x[0])) {
      merged.push([y[0], y[1]]);
      j++;
    } else if (x !== undefined && y !== undefined) {
      if (x[1] !== y[1]) {
        return undefined;
      }
      merged.push([x[0], x[1]]);
      i++;
      j++;
    }
  }
  return merged;
}

/** A stable key for a membership, to de-duplicate partial matches. */
export function membershipKey(m: Membership): string {
  return m.map(([id, index]) => `${id}:${index}`).join(',');
}
