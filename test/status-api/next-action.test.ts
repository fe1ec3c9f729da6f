/** The pure parts: retry timing, team hours, durations in words, and next actions per state. */
import { describe, expect, it } from 'vitest';
import { nextAction, retryOutlook, runbookModeFor } from '../../lambdas/status-api/next-action.js';
import {
  clockText,
  durationText,
  onDuty,
  supportSafe,
  type TeamView,
} from '../../lambdas/status-api/views.js';

const tiers = {
  critical: {
    retries: {
      eventBridge: { attempts: 185, maxEventAgeSeconds: 86_400 },
      lambda: { attempts: 2, maxEventAgeSeconds: 21_600 },
    },
  },
  bestEffort: {
    retries: {
      eventBridge: { attempts: 3, maxEventAgeSeconds: 900 },
      lambda: { attempts: 0, maxEventAgeSeconds: 300 },
    },
  },
  shortAge: {
    retries: {
      eventBridge: { attempts: 3, maxEventAgeSeconds: 900 },
      lambda: { attempts: 2, maxEventAgeSeconds: 120 },
    },
  },
};

describe('retryOutlook', () => {
  it('follows Lambda: a retry about 1 minute after the first failure, another about 2 minutes later', () => {
    // Act
    const first = retryOutlook(
      {
        attempts: 1,
        failedAt: '2026-11-30T14:00:00.000Z',
        updatedAt: '2026-11-30T14:00:00.000Z',
        pendingSince: '2026-11-30T14:00:00.000Z',
      },
      tiers.critical,
    );
    const second = retryOutlook(
      {
        attempts: 2,
        failedAt: '2026-11-30T14:01:00.000Z',
        updatedAt: '2026-11-30T14:01:00.000Z',
        pendingSince: '2026-11-30T14:00:00.000Z',
      },
      tiers.critical,
    );
    const last = retryOutlook(
      {
        attempts: 3,
        failedAt: '2026-11-30T14:03:00.000Z',
        updatedAt: '2026-11-30T14:03:00.000Z',
        pendingSince: '2026-11-30T14:00:00.000Z',
      },
      tiers.critical,
    );

    // Assess
    expect(first).toMatchObject({
      nextTryAround: '2026-11-30T14:01:00.000Z',
      retriesEndAround: '2026-11-30T14:03:00.000Z',
      maxAttempts: 3,
    });
    expect(second).toMatchObject({
      nextTryAround: '2026-11-30T14:03:00.000Z',
      retriesEndAround: '2026-11-30T14:03:00.000Z',
    });
    expect(last).toMatchObject({ nextTryAround: null, latestRetryBy: '2026-11-30T20:00:00.000Z' });
  });

  it('has no retry for a tier without handler retries, and never goes past the maximum event age', () => {
    // Act
    const none = retryOutlook(
      {
        attempts: 1,
        failedAt: '2026-11-30T14:00:00.000Z',
        updatedAt: '2026-11-30T14:00:00.000Z',
        pendingSince: '2026-11-30T14:00:00.000Z',
      },
      tiers.bestEffort,
    );
    const capped = retryOutlook(
      {
        attempts: 1,
        failedAt: '2026-11-30T14:00:30.000Z',
        updatedAt: '2026-11-30T14:00:30.000Z',
        pendingSince: '2026-11-30T14:00:00.000Z',
      },
      tiers.shortAge,
    );

    // Assess
    expect(none).toMatchObject({ maxAttempts: 1, nextTryAround: null });
    expect(capped).toMatchObject({
      nextTryAround: '2026-11-30T14:01:30.000Z',
      retriesEndAround: '2026-11-30T14:02:00.000Z',
    });
  });
});

describe('onDuty', () => {
  it.each([
    ['24x7', '2026-12-05T03:00:00Z', true],
    ['Mon-Fri 08:00-18:00 Europe/London', '2026-11-30T14:00:00Z', true],
    ['Mon-Fri 08:00-18:00 Europe/London', '2026-11-30T18:30:00Z', false],
    ['Mon-Fri 08:00-18:00 Europe/London', '2026-12-05T14:00:00Z', false],
    // British Summer Time: 07:30 UTC is 08:30 in London.
    ['Mon-Fri 08:00-18:00 Europe/London', '2026-07-01T07:30:00Z', true],
    ['Mon-Fri 09:00-17:00 America/New_York', '2026-11-30T14:30:00Z', true],
    ['Sat 22:00-06:00 UTC', '2026-12-05T23:00:00Z', true],
    ['Fri-Mon 09:00-17:00 UTC', '2026-12-06T10:00:00Z', true],
    ['Fri-Mon 09:00-17:00 UTC', '2026-12-02T10:00:00Z', false],
    ['business hours', '2026-11-30T14:00:00Z', null],
    ['Mon-Fri 08:00-18:00 Mars/Olympus', '2026-11-30T14:00:00Z', null],
  ])('%s at %s is %s', (hours, now, expected) => {
    // Act
    const result = onDuty(hours, new Date(now));

    // Assess
    expect(result).toBe(expected);
  });
});

describe('words', () => {
  it.each([
    [30, 'less than a minute'],
    [60, '1 minute'],
    [1500, '25 minutes'],
    [3600, '1 hour'],
    [7500, '2 hours 5 minutes'],
    [90_000, '1 day 1 hour'],
  ])('%i seconds is "%s"', (seconds, words) => {
    // Assess
    expect(durationText(seconds)).toBe(words);
  });

  it('gives the date only when it is not today', () => {
    // Prepare
    const now = new Date('2026-11-30T14:00:00Z');

    // Assess
    expect(clockText(new Date('2026-11-30T14:10:59Z'), now)).toBe('14:10 UTC');
    expect(clockText(new Date('2026-12-01T00:10:00Z'), now)).toBe('00:10 UTC on 2026-12-01');
  });

  it('keeps stored reasons support-safe: no control characters, no email addresses, bounded', () => {
    // Assess
    expect(supportSafe('HTTP 400:\n user bob@example.com\u0000 rejected')).toBe(
      'HTTP 400:  user [email removed]  rejected',
    );
    expect(supportSafe('x'.repeat(500))).toHaveLength(300);
  });
});

describe('nextAction', () => {
  const team = (id: string, onDutyNow: boolean | null): TeamView => ({
    id,
    name: id === 'owner' ? 'Owner Team' : 'Backup Team',
    oncallChannel: `#${id}`,
    pager: null,
    email: `${id}@example.com`,
    hours: 'Mon-Fri 08:00-18:00 Europe/London',
    onDuty: onDutyNow,
  });
  const base = {
    entity: { type: 'customer', id: '42' },
    contract: { id: 'crm-customer-to-helpdesk', fallback: 'Answer from the CRM', stalenessSloSeconds: 600 },
    tier: { autoRedrive: true },
    health: undefined,
    source: { id: 'crm', name: 'CRM' },
    target: { id: 'helpdesk', name: 'Helpdesk' },
    path: [team('owner', true), team('backup', true)],
    retry: undefined,
    reason: 'HTTP 401 from helpdesk-api',
    now: new Date('2026-11-30T14:00:00Z'),
  };

  it('tells support to involve the owner to fix configuration, and that every change fails meanwhile', () => {
    // Act
    const text = nextAction({
      ...base,
      state: 'failed',
      record: {
        attempts: 1,
        failureClass: 'config',
        failureReason: 'HTTP 401 from helpdesk-api',
        pendingSince: '2026-11-30T13:00:00Z',
        syncedAt: undefined,
      },
    });

    // Assess
    expect(text).toBe(
      'handoff cannot deliver to Helpdesk with its current configuration (HTTP 401 from helpdesk-api): every change on crm-customer-to-helpdesk fails until Owner Team fixes the endpoint or credentials. Tell Owner Team (#owner) now. Do not re-enter the change: it is sent again from the dead-letter queue once the configuration is fixed. If the customer asks, say the change is saved in CRM but has not reached Helpdesk yet. If the customer is waiting, use the fallback: Answer from the CRM.',
    );
  });

  it('escalates a stale change to the first team on duty when the owner is off', () => {
    // Act
    const text = nextAction({
      ...base,
      state: 'stale',
      path: [team('owner', false), team('backup', true)],
      record: {
        attempts: 3,
        failureClass: 'transient',
        failureReason: undefined,
        pendingSince: '2026-11-30T13:30:00Z',
        syncedAt: undefined,
      },
    });

    // Assess
    expect(text).toContain(
      'Escalate now to Backup Team (#backup) (Owner Team, the owner, is off duty now: Mon-Fri 08:00-18:00 Europe/London), quoting contract crm-customer-to-helpdesk and customer 42.',
    );
  });

  it('says a transient dead letter is redriven automatically only while the contract is degraded on an auto-redrive tier', () => {
    // Prepare
    const record = {
      attempts: 3,
      failureClass: 'transient' as const,
      failureReason: undefined,
      pendingSince: '2026-11-30T13:30:00Z',
      syncedAt: undefined,
    };

    // Act
    const degraded = nextAction({
      ...base,
      state: 'failed',
      record,
      health: { degradedSince: '2026-11-30T13:00:00Z' },
    });
    const healthy = nextAction({ ...base, state: 'failed', record });

    // Assess
    expect(degraded).toContain('It is sent again automatically when Helpdesk recovers.');
    expect(healthy).toContain('Ask Owner Team (#owner) to redrive it once Helpdesk works again.');
    expect(healthy).toContain('handoff gave up after 3 attempts because Helpdesk kept failing');
  });

  it('points each state at its runbook page, and none while nothing is wrong', () => {
    // Assess
    expect(runbookModeFor('in_sync', undefined)).toBeNull();
    expect(runbookModeFor('unknown', undefined)).toBeNull();
    expect(runbookModeFor('failed', 'config')).toBe('config-errors');
    expect(runbookModeFor('failed', 'transient')).toBe('dead-letters');
    expect(runbookModeFor('degraded', 'transient')).toBe('target-degraded');
  });
});
