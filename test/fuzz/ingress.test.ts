/**
 * PutEvents, called directly with hostile requests and entries. An independent statement of
 * EventBridge's rules decides which entries must be accepted; accepted entries must be routed
 * exactly as the pattern matcher says, and rejected ones must create no invocation.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type IngressOptions, putEvents, type WireResponse } from '../../lib/local/ingress.js';
import type { Invocation } from '../../lib/local/journal.js';
import { MetricStore } from '../../lib/local/metrics.js';
import { Router } from '../../lib/local/router.js';
import { matchesPattern } from '../../lib/patterns/index.js';
import type { EventPattern } from '../../lib/patterns/types.js';
import { exampleEstate, examplePlan } from '../helpers/estate.js';
import {
  anyValue,
  deepJsonText,
  fuzz,
  leak,
  longString,
  nastyJson,
  nastyKey,
  nastyObject,
  nastyString,
} from './arbitraries.js';

const plan = examplePlan();
const BUS = plan.bus.name;
const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const router = new Router(plan);
const rules = [...plan.routes, ...plan.internalRoutes];
/** PutEvents processes JSON up to 1000 levels deep, and the event wraps the detail in one level. */
const MAX_DETAIL_DEPTH = 999;
const samples = exampleEstate().contracts.flatMap((c) => c.samples.map((s) => s.event));

/** One call to putEvents with recording dependencies. */
async function call(
  input: unknown,
  options: { failAccept?: boolean } = {},
): Promise<{ response: WireResponse; accepted: Invocation[][]; metrics: MetricStore }> {
  const accepted: Invocation[][] = [];
  const metrics = new MetricStore(60_000, () => 0);
  const deps: IngressOptions = {
    busName: BUS,
    account: ACCOUNT,
    region: REGION,
    route: (busName, event) => router.route(busName, event),
    accept: async (invocations) => {
      if (options.failAccept) throw new Error('disk full');
      accepted.push(invocations);
    },
    metrics,
    now: () => Date.parse('2026-11-30T14:00:00.000Z'),
  };
  const response = await putEvents(input, deps);
  return { response, accepted, metrics };
}

// ---------------------------------------------------------------------------------------------
// The rules, stated independently of the implementation
// ---------------------------------------------------------------------------------------------

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
const utf8 = (v: unknown) => (typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : 0);

/** The request-level verdict: the 400 it must get, or undefined when entries are judged one by one. */
function requestProblem(input: unknown): string | undefined {
  if (!isObject(input)) return 'not an object';
  const entries = input.Entries;
  if (!Array.isArray(entries)) return 'no Entries list';
  if (entries.length < 1 || entries.length > 10) return 'Entries must hold 1-10 entries';
  const size = entries.reduce<number>((total, e) => {
    if (!isObject(e)) return total;
    const resources = Array.isArray(e.Resources) ? e.Resources.reduce<number>((n, r) => n + utf8(r), 0) : 0;
    return (
      total +
      (e.Time !== undefined ? 14 : 0) +
      utf8(e.Source) +
      utf8(e.DetailType) +
      utf8(e.Detail) +
      resources
    );
  }, 0);
  return size > 256 * 1024 ? 'over 256 KB' : undefined;
}

function nesting(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop() as [unknown, number];
    deepest = Math.max(deepest, d);
    if (d > MAX_DETAIL_DEPTH) return d;
    for (const child of Object.values(v as object))
      if (child !== null && typeof child === 'object') stack.push([child, d + 1]);
  }
  return deepest;
}

/** Bus an entry names, resolved; undefined for a bus handoff does not have. */
function busOf(value: unknown): string | undefined {
  if (value === undefined || value === '' || value === 'default') return 'default';
  if (typeof value !== 'string') return undefined;
  const name = value.startsWith('arn:') ? value.slice(value.lastIndexOf('/') + 1) : value;
  return name === BUS || name === 'default' ? name : undefined;
}

/** Error codes an entry may get (any of them, when it breaks several rules); empty when it must be accepted. */
function entryErrors(raw: unknown): Set<string> {
  const errors = new Set<string>();
  if (!isObject(raw)) return errors.add('InvalidArgument');
  const required = (v: unknown) => typeof v === 'string' && v.length > 0;
  if (!required(raw.Source) || !required(raw.DetailType) || !required(raw.Detail))
    errors.add('InvalidArgument');
  if (typeof raw.Source === 'string' && raw.Source.length > 256) errors.add('InvalidArgument');
  if (typeof raw.DetailType === 'string' && raw.DetailType.length > 128) errors.add('InvalidArgument');
  if (typeof raw.Detail === 'string' && raw.Detail.length > 0) {
    let detail: unknown;
    try {
      detail = JSON.parse(raw.Detail);
    } catch {
      errors.add('MalformedDetail');
    }
    if (!errors.has('MalformedDetail') && (!isObject(detail) || nesting(detail) > MAX_DETAIL_DEPTH))
      errors.add('MalformedDetail');
  }
  if (busOf(raw.EventBusName) === undefined) errors.add('InvalidArgument');
  if (
    raw.Resources !== undefined &&
    !(Array.isArray(raw.Resources) && raw.Resources.every((r) => typeof r === 'string'))
  )
    errors.add('InvalidArgument');
  if (raw.Time !== undefined) {
    const ms =
      typeof raw.Time === 'number'
        ? raw.Time * 1000
        : typeof raw.Time === 'string'
          ? Date.parse(raw.Time)
          : Number.NaN;
    // A time JavaScript's Date cannot hold (beyond ±8.64e15 ms) is not a time.
    if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) errors.add('InvalidArgument');
  }
  return errors;
}

/** The rules an event on a bus matches, by the matcher itself (one pattern at a time). */
function expectedRules(busName: string, event: Record<string, unknown>): string[] {
  return rules
    .filter((r) => r.busName === busName && matchesPattern(r.pattern as EventPattern, event))
    .map((r) => r.ruleName)
    .sort();
}

/** The event an accepted entry becomes (time and id aside, which no pattern of the plan reads). */
function eventOf(entry: Record<string, unknown>): Record<string, unknown> {
  return {
    version: '0',
    id: 'rebuilt',
    'detail-type': entry.DetailType,
    source: entry.Source,
    account: ACCOUNT,
    time: '2026-11-30T14:00:00Z',
    region: REGION,
    resources: entry.Resources ?? [],
    detail: JSON.parse(entry.Detail as string),
  };
}

/** MatchedEvents recorded over every rule of the plan. */
function matchedEvents(metrics: MetricStore): number {
  return rules.reduce(
    (n, r) =>
      n + metrics.total('AWS/Events', 'MatchedEvents', { EventBusName: r.busName, RuleName: r.ruleName }),
    0,
  );
}

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

const sampleEntry = fc.constantFrom(...samples).map((event) => ({
  EventBusName: BUS,
  Source: event.source as string,
  DetailType: event['detail-type'] as string,
  Detail: JSON.stringify(event.detail),
}));

const missing = fc.constant(undefined);
const wrongType = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(nastyJson, { maxLength: 2 }),
  nastyObject,
);

const source = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...samples.map((e) => e.source as string)) },
  { weight: 2, arbitrary: nastyString },
  { weight: 1, arbitrary: longString(250, 300) },
  { weight: 1, arbitrary: fc.oneof(missing, wrongType) },
);
const detailType = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...samples.map((e) => e['detail-type'] as string)) },
  { weight: 2, arbitrary: nastyString },
  { weight: 1, arbitrary: longString(120, 140) },
  { weight: 1, arbitrary: fc.oneof(missing, wrongType) },
);
const detail = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...samples.map((e) => JSON.stringify(e.detail))) },
  { weight: 3, arbitrary: nastyObject.map((o) => JSON.stringify(o)) },
  { weight: 2, arbitrary: nastyJson.map((v) => JSON.stringify(v) ?? 'undefined') },
  { weight: 2, arbitrary: nastyString },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.integer({ min: 990, max: 1300 }),
        fc.constantFrom('object', 'array', 'mixed') as fc.Arbitrary<'object' | 'array' | 'mixed'>,
      )
      .map(([depth, kind]) => `{"deep":${deepJsonText(depth, kind)}}`),
  },
  { weight: 1, arbitrary: longString(60_000, 90_000).map((s) => JSON.stringify({ note: s })) },
  { weight: 1, arbitrary: fc.oneof(missing, wrongType) },
);
const bus = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(BUS, 'default', '', `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${BUS}`),
  },
  { weight: 1, arbitrary: missing },
  {
    weight: 2,
    arbitrary: fc.oneof(
      nastyString,
      fc.constant('handoff-prod'),
      fc.constant(`arn:aws:events:${REGION}:${ACCOUNT}:event-bus/other`),
    ),
  },
  { weight: 1, arbitrary: wrongType },
);
const resources = fc.oneof(
  { weight: 3, arbitrary: missing },
  { weight: 2, arbitrary: fc.array(nastyString, { maxLength: 3 }) },
  {
    weight: 1,
    arbitrary: fc.oneof(nastyString, wrongType, fc.array(nastyJson, { minLength: 1, maxLength: 3 })),
  },
);
const time = fc.oneof(
  { weight: 3, arbitrary: missing },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 4_000_000_000 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '2026-11-30T13:59:00Z',
      '2026-11-30',
      'yesterday',
      '',
      '+275760-09-13T00:00:00.000Z',
    ),
  },
  {
    weight: 2,
    arbitrary: fc.oneof(
      fc.double(),
      fc.constantFrom(8.64e12, 8.64e12 + 1, -8.64e12 - 1, 1e20, -1e20, 1e308, Number.MAX_SAFE_INTEGER),
      nastyString,
      wrongType,
    ),
  },
);

/** An entry: a sample with some fields replaced, removed or added, or anything at all. */
const entry: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 1, arbitrary: sampleEntry },
  {
    weight: 6,
    arbitrary: fc
      .tuple(
        sampleEntry,
        fc.record(
          {
            EventBusName: bus,
            Source: source,
            DetailType: detailType,
            Detail: detail,
            Resources: resources,
            Time: time,
          },
          { requiredKeys: [] },
        ),
        fc.array(fc.tuple(nastyKey, nastyJson), { maxLength: 2 }),
      )
      .map(([base, changes, extra]) => {
        const merged: Record<string, unknown> = Object.fromEntries([...extra, ...Object.entries(base)]);
        for (const [key, value] of Object.entries(changes)) {
          if (value === undefined) delete merged[key];
          else merged[key] = value;
        }
        return merged;
      }),
  },
  { weight: 1, arbitrary: anyValue },
);

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

function assertWireShape(response: WireResponse, input: unknown): void {
  expect(leak(JSON.stringify(response.body))).toBeUndefined();
  const problem = requestProblem(input);
  if (problem !== undefined) {
    expect(response.status, `a request with ${problem} is a 400`).toBe(400);
    expect(response.body).toEqual({ __type: 'ValidationException', message: expect.any(String) });
    return;
  }
  expect(response.status).toBe(200);
  const entries = (input as { Entries: unknown[] }).Entries;
  const results = response.body.Entries as Array<Record<string, unknown>>;
  expect(results).toHaveLength(entries.length);
  expect(response.body.FailedEntryCount).toBe(results.filter((r) => 'ErrorCode' in r).length);
  for (const result of results) {
    if ('ErrorCode' in result)
      expect(result).toEqual({ ErrorCode: expect.any(String), ErrorMessage: expect.any(String) });
    else expect(result).toEqual({ EventId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  }
}

describe('PutEvents with hostile input (direct)', () => {
  it('answers any request value with 200 and per-entry results, or a 400 ValidationException; never throws', async () => {
    // Prepare
    const request = fc.oneof(
      { weight: 2, arbitrary: anyValue },
      { weight: 2, arbitrary: fc.record({ Entries: anyValue }, { requiredKeys: [] }) },
      { weight: 3, arbitrary: fc.record({ Entries: fc.array(anyValue, { maxLength: 12 }) }) },
    );
    await fuzz(
      fc.asyncProperty(request, async (input) => {
        // Act
        const { response, accepted } = await call(input);
        // Assess
        assertWireShape(response, input);
        if (response.status === 400) expect(accepted).toEqual([]);
      }),
      300,
    );
  });

  it('accepts exactly the entries EventBridge accepts, routes them as the matcher says, and nothing else', async () => {
    // Prepare
    const request = fc.array(entry, { minLength: 1, maxLength: 10 }).map((Entries) => ({ Entries }));
    const seen = { rejected: 0, accepted: 0, routed: 0 };
    await fuzz(
      fc.asyncProperty(request, async (input) => {
        // Act
        const { response, accepted, metrics } = await call(input);
        // Assess: shape
        assertWireShape(response, input);
        if (response.status === 400) {
          expect(accepted).toEqual([]);
          return;
        }
        // Assess: verdicts entry by entry
        const results = response.body.Entries as Array<{ EventId?: string; ErrorCode?: string }>;
        const invocations = accepted.flat();
        expect(accepted.length).toBeLessThanOrEqual(1);
        const acceptedIds = new Set<string>();
        input.Entries.forEach((raw, i) => {
          const result = results[i];
          const errors = entryErrors(raw);
          if (errors.size > 0) {
            expect(result?.ErrorCode, `entry ${i} must be rejected with one of ${[...errors]}`).toBeDefined();
            expect([...errors]).toContain(result?.ErrorCode);
            seen.rejected++;
            return;
          }
          expect(result?.EventId, `entry ${i} must be accepted, got ${JSON.stringify(result)}`).toBeDefined();
          const eventId = result?.EventId ?? '';
          acceptedIds.add(eventId);
          seen.accepted++;
          const e = raw as Record<string, unknown>;
          const mine = invocations.filter((inv) => inv.event.id === eventId);
          const event = mine[0]?.event;
          // Every invocation of one entry carries the same, faithful event.
          for (const inv of mine) {
            expect(inv.event).toBe(event);
            expect(inv.busName).toBe(busOf(e.EventBusName));
          }
          if (event) {
            expect(event).toMatchObject({
              version: '0',
              id: eventId,
              source: e.Source,
              'detail-type': e.DetailType,
              account: ACCOUNT,
              region: REGION,
              resources: e.Resources ?? [],
            });
            expect(JSON.stringify(event.detail)).toBe(JSON.stringify(JSON.parse(e.Detail as string)));
            expect(event.time).toMatch(/^[+-]?\d{4,6}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
          }
          // Routed exactly as the matcher says: the event (or the one it would be), against every rule.
          expect(mine.map((inv) => inv.ruleName).sort()).toEqual(
            expectedRules(busOf(e.EventBusName) ?? '', event ?? eventOf(e)),
          );
        });
        // Rejected entries create nothing: every invocation belongs to an accepted entry.
        for (const inv of invocations) expect(acceptedIds.has(inv.event.id as string)).toBe(true);
        // Each invocation counted once as a matched event (AWS/Events MatchedEvents).
        expect(matchedEvents(metrics)).toBe(invocations.length);
        seen.routed += invocations.length;
      }),
      400,
    );
    // The generator reaches every outcome (the property is not vacuous).
    expect(seen.rejected).toBeGreaterThan(200);
    expect(seen.accepted).toBeGreaterThan(200);
    expect(seen.routed).toBeGreaterThan(50);
  });

  it('routes Detail up to 999 levels deep and rejects anything deeper (1000 with the envelope), whatever it is made of', async () => {
    // Prepare: depths near the limit, and far beyond it (past the 1100 of older documentation).
    const depth = fc.oneof(fc.integer({ min: 990, max: 1010 }), fc.integer({ min: 1, max: 20_000 }));
    const kind = fc.constantFrom('object', 'array', 'mixed') as fc.Arbitrary<'object' | 'array' | 'mixed'>;
    await fuzz(
      fc.asyncProperty(depth, kind, async (inner, shape) => {
        // Act: the detail object is one level more than what it holds.
        const { response, accepted } = await call({
          Entries: [
            {
              EventBusName: BUS,
              Source: 'handoff.crm',
              DetailType: 'Customer Updated',
              Detail: `{"status":"active","x":${deepJsonText(inner, shape)}}`,
            },
          ],
        });
        // Assess
        if (inner + 1 > MAX_DETAIL_DEPTH) {
          expect(response.body.Entries).toEqual([
            { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
          ]);
          expect(accepted).toEqual([]);
        } else {
          expect(response.body.FailedEntryCount).toBe(0);
          expect(accepted.flat().map((i) => i.ruleName)).toEqual(['handoff-dev-crm-customer-to-helpdesk']);
        }
      }),
      40,
    );
  });

  it('acknowledges nothing when the journal cannot record: every entry fails with a retryable code', async () => {
    // Prepare
    const request = fc.array(entry, { minLength: 1, maxLength: 10 }).map((Entries) => ({ Entries }));
    await fuzz(
      fc.asyncProperty(request, async (input) => {
        // Act
        const { response, metrics } = await call(input, { failAccept: true });
        // Assess
        assertWireShape(response, input);
        if (response.status !== 200) return;
        const results = response.body.Entries as Array<Record<string, unknown>>;
        // Would any accepted entry have matched a rule (and so needed the journal)?
        const needsJournal = input.Entries.some(
          (raw) =>
            entryErrors(raw).size === 0 &&
            expectedRules(
              busOf((raw as Record<string, unknown>).EventBusName) ?? '',
              eventOf(raw as Record<string, unknown>),
            ).length > 0,
        );
        if (needsJournal) {
          // Nothing acknowledged: every entry fails with a retryable code, none counted as matched.
          expect(response.body.FailedEntryCount).toBe(input.Entries.length);
          expect(results.every((r) => r.ErrorCode === 'InternalFailure')).toBe(true);
          expect(matchedEvents(metrics)).toBe(0);
        } else {
          // The journal was not needed: the answer is the usual one.
          expect(results.filter((r) => r.ErrorCode === 'InternalFailure')).toEqual([]);
        }
      }),
      150,
    );
  });
});
