/**
 * The page's pure helpers, in Node: relative and exact times, state and health labels (text,
 * never colour alone), team reachability, the client-side id check (which must agree with the
 * API's), safe links and the hash routes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SupportState } from '../../lambdas/commons/sync-status.js';
import { StatusApiError } from '../../lambdas/status-api/errors.js';
import {
  clockTime,
  durationText,
  dutyText,
  healthLabel,
  idProblem,
  incidentLabel,
  isSafeLink,
  parseRoute,
  type Route,
  reachLine,
  relativeTime,
  routeHash,
  severityLabel,
  stateLabel,
  timeTitle,
  utcText,
} from '../../lambdas/status-api/page/format.js';
import { checkId, ID_PATTERN, MAX_ID_LENGTH } from '../../lambdas/status-api/validate.js';
import { durationText as apiDurationText } from '../../lambdas/status-api/views.js';

const NOW = new Date('2026-11-30T14:00:00.000Z');
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();

describe('relativeTime', () => {
  it.each([
    [0, 'just now'],
    [59, 'just now'],
    [60, '1 minute ago'],
    [12 * 60 + 30, '12 minutes ago'],
    [3599, '59 minutes ago'],
    [3600, '1 hour ago'],
    [5 * 3600 + 59 * 60, '5 hours ago'],
    [86_400, '1 day ago'],
    [3 * 86_400 + 7200, '3 days ago'],
    [-30, 'just now'],
    [-5 * 60, 'in 5 minutes'],
    [-2 * 3600, 'in 2 hours'],
  ])('%i seconds ago reads "%s"', (seconds, expected) => {
    // Act
    const text = relativeTime(ago(seconds), NOW);

    // Assess
    expect(text).toBe(expected);
  });

  it('says so when the time cannot be read', () => {
    // Act
    const text = relativeTime('yesterday-ish', NOW);

    // Assess
    expect(text).toBe('at an unknown time');
  });
});

describe('durationText', () => {
  it('words durations exactly as the API does', () => {
    // Act & Assess
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: -10, max: 200_000 }), fc.double({ min: 0, max: 1e7, noNaN: true })),
        (s) => {
          expect(durationText(s)).toBe(apiDurationText(s));
        },
      ),
      { numRuns: 1000 },
    );
    expect(durationText(600)).toBe('10 minutes');
    expect(durationText(7500)).toBe('2 hours 5 minutes');
  });
});

describe('exact times', () => {
  it('gives the exact time in UTC', () => {
    // Act
    const text = utcText('2026-11-30T14:10:05.123Z');

    // Assess
    expect(text).toBe('2026-11-30 14:10:05 UTC');
  });

  it('adds the viewer’s time when the viewer is not on UTC', () => {
    // Act
    const paris = timeTitle('2026-11-30T14:10:05Z', 'Europe/Paris');
    const utc = timeTitle('2026-11-30T14:10:05Z', 'UTC');

    // Assess
    expect(paris).toBe('2026-11-30 14:10:05 UTC (15:10:05 Europe/Paris)');
    expect(utc).toBe('2026-11-30 14:10:05 UTC');
  });

  it('falls back to UTC alone for an unknown zone or time', () => {
    // Act
    const zone = timeTitle('2026-11-30T14:10:05Z', 'Mars/Olympus_Mons');
    const time = timeTitle('not a time', 'Europe/Paris');

    // Assess
    expect(zone).toBe('2026-11-30 14:10:05 UTC');
    expect(time).toBe('unknown time');
  });

  it('gives a clock time in 24-hour form', () => {
    // Act
    const text = clockTime(new Date('2026-11-30T09:05:07Z'), 'UTC');

    // Assess
    expect(text).toBe('09:05:07');
  });
});

describe('labels', () => {
  const STATES: SupportState[] = ['in_sync', 'retrying', 'degraded', 'stale', 'failed', 'unknown'];

  it('gives every support state its own words and a symbol, so colour is never the only cue', () => {
    // Act
    const labels = STATES.map(stateLabel);

    // Assess
    expect(new Set(labels.map((l) => l.text)).size).toBe(STATES.length);
    expect(new Set(labels.map((l) => l.symbol)).size).toBeGreaterThan(2);
    expect(labels.map((l) => [l.text, l.tone])).toEqual([
      ['In sync', 'ok'],
      ['Retrying', 'warn'],
      ['Degraded: retrying', 'warn'],
      ['Stale: late', 'bad'],
      ['Failed: needs people', 'bad'],
      ['Not seen yet', 'neutral'],
    ]);
  });

  it('labels contract health and severities, and shows an unknown value as it is', () => {
    // Act
    const health = ['ok', 'degraded', 'stale', 'failing'].map((h) => healthLabel(h).text);
    const unknown = stateLabel('paused');
    const severities = ['page', 'ticket', 'digest'].map((s) => severityLabel(s));
    const resolved = incidentLabel({ state: 'resolved', severity: 'page' });
    const open = incidentLabel({ state: 'open', severity: 'page' });

    // Assess
    expect(health).toEqual(['Healthy', 'Degraded', 'Stale', 'Failing']);
    expect(unknown).toEqual({ text: 'paused', tone: 'neutral', symbol: '?' });
    expect(severities.map((s) => [s.text, s.tone])).toEqual([
      ['Page', 'bad'],
      ['Ticket', 'warn'],
      ['Digest', 'neutral'],
    ]);
    expect([open.text, resolved.text, resolved.tone]).toEqual(['Page', 'Resolved', 'ok']);
  });
});

describe('teams', () => {
  it('says whether a team answers now, with its hours when it does not', () => {
    // Act
    const on = dutyText({ onDuty: true, hours: '24x7' });
    const off = dutyText({ onDuty: false, hours: 'Mon-Fri 08:00-18:00 Europe/London' });
    const unknown = dutyText({ onDuty: null, hours: null });

    // Assess
    expect(on).toBe('on duty now');
    expect(off).toBe('off duty now (hours: Mon-Fri 08:00-18:00 Europe/London)');
    expect(unknown).toBe('hours unknown');
  });

  it('joins the ways to reach a team, skipping the missing ones', () => {
    // Act
    const both = reachLine({ oncallChannel: '#billing-oncall', pager: 'PagerDuty service "Billing"' });
    const one = reachLine({ oncallChannel: '#product-data', pager: null });

    // Assess
    expect(both).toBe('#billing-oncall · PagerDuty service "Billing"');
    expect(one).toBe('#product-data');
  });
});

describe('the id check', () => {
  const rule = {
    pattern: ID_PATTERN.source,
    maxLength: MAX_ID_LENGTH,
    description: 'letters, digits and . _ : @ + = ~ -',
  };

  it('explains each problem in words', () => {
    // Act
    const empty = idProblem('', rule);
    const long = idProblem('a'.repeat(257), rule);
    const markup = idProblem('<img src=x>', rule);
    const fine = idProblem('cus_42-A', rule);

    // Assess
    expect(empty).toBe('Enter an id.');
    expect(long).toBe('The id is too long: ids have at most 256 characters.');
    expect(markup).toBe('An id may only contain letters, digits and . _ : @ + = ~ -.');
    expect(fine).toBeUndefined();
  });

  it('agrees with the API: it refuses exactly the ids the API refuses as malformed', () => {
    // Prepare
    const apiRefuses = (id: string) => {
      try {
        checkId(id, 'entity_id');
        return false;
      } catch (error) {
        if (error instanceof StatusApiError) return true;
        throw error;
      }
    };
    const ids = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.stringMatching(/^[A-Za-z0-9._:@+=~-]{0,260}$/),
      fc.string({ unit: 'binary', maxLength: 20 }),
    );

    // Act & Assess
    fc.assert(
      fc.property(ids, (id) => {
        expect(idProblem(id, rule) !== undefined).toBe(apiRefuses(id));
      }),
      { numRuns: 500 },
    );
  });

  it('leaves the decision to the API when the rule cannot be read', () => {
    // Act
    const problem = idProblem('42', { ...rule, pattern: '(' });

    // Assess
    expect(problem).toBeUndefined();
  });
});

describe('links', () => {
  it.each([
    ['https://github.com/example-org/handoff/blob/main/runbooks/dead-letters.md', true],
    ['http://127.0.0.1:4750/runbooks/handler-errors.md#anchor', true],
    ['javascript:alert(1)', false],
    ['JaVaScRiPt:alert(1)', false],
    ['data:text/html,<script>alert(1)</script>', false],
    ['//evil.example/x', false],
    ['/runbooks/x.md', false],
    ['https://example.com/a b', false],
    ['https://', false],
  ])('%s may be a link: %s', (url, expected) => {
    // Act
    const safe = isSafeLink(url);

    // Assess
    expect(safe).toBe(expected);
  });
});

describe('hash routes', () => {
  it.each<[string, Route]>([
    ['', { view: 'home' }],
    ['#/', { view: 'home' }],
    ['#/entity/customer/42', { view: 'entity', type: 'customer', id: '42' }],
    ['#/entity/customer/cus%3A42%2B1', { view: 'entity', type: 'customer', id: 'cus:42+1' }],
    ['#/contracts', { view: 'contracts' }],
    ['#/incidents', { view: 'incidents', state: 'open' }],
    ['#/incidents/resolved', { view: 'incidents', state: 'resolved' }],
    ['#/incident/inc-1', { view: 'incident', id: 'inc-1' }],
    ['#/entity/customer', { view: 'not-found', hash: '#/entity/customer' }],
    ['#/entity/customer/42/extra', { view: 'not-found', hash: '#/entity/customer/42/extra' }],
    ['#/entity/customer/%E0%A4%A', { view: 'not-found', hash: '#/entity/customer/%E0%A4%A' }],
    ['#main', { view: 'not-found', hash: '#main' }],
  ])('%s is %j', (hash, route) => {
    // Act
    const parsed = parseRoute(hash);

    // Assess
    expect(parsed).toEqual(route);
  });

  it('writes routes that read back the same, whatever the id', () => {
    // Act & Assess
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.constantFrom('customer', 'ticket'),
        (id, type) => {
          const route: Route = { view: 'entity', type, id };
          expect(parseRoute(routeHash(route))).toEqual(route);
        },
      ),
    );
  });
});
