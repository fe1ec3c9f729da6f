/**
 * GET /v1/entities/{type}/{id}: support's question, answered by one call, against dynalite with the
 * records the sync handler writes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityContractStatus, EntityStatus } from '../../lambdas/status-api/entities.js';
import { type Api, NOW, seedEstate, startApi } from './fixtures.js';

let api: Api;

beforeAll(async () => {
  api = await startApi();
  await seedEstate(api);
});

afterAll(async () => {
  await api.close();
});

async function entity(type: string, id: string): Promise<EntityStatus> {
  const response = await api.call('GET', `/v1/entities/${type}/${id}`);
  expect(response.status).toBe(200);
  return response.json as unknown as EntityStatus;
}

function on(status: EntityStatus, contractId: string): EntityContractStatus {
  const found = status.contracts.find((c) => c.contractId === contractId);
  if (!found) throw new Error(`no ${contractId} in the answer`);
  return found;
}

describe('support asks: "is customer 42 in sync, and what do I do?"', () => {
  it('answers with one verdict, the most urgent contract first, and a next action in plain words', async () => {
    // Prepare: the seeded estate (customer 42 is in sync, retrying, failed, stale and degraded).
    // Act
    const answer = await entity('customer', '42');

    // Assess: one call says it is not in sync, what is wrong where, and what to do first.
    expect(answer.verdict.inSync).toBe(false);
    expect(answer.verdict.state).toBe('failed');
    expect(answer.verdict.summary).toBe(
      'Customer 42 is not fully in sync: 1 failed (crm-billing-contact-to-billing), 1 stale (crm-customer-to-helpdesk), 1 degraded (billing-subscription-to-helpdesk), 1 retrying (billing-invoice-to-crm); 1 in sync.',
    );
    // The stale critical contract comes before the failed standard one: same urgency, higher tier.
    expect(answer.verdict.contractId).toBe('crm-customer-to-helpdesk');
    expect(answer.verdict.nextAction).toMatch(
      /^Start with crm-customer-to-helpdesk \(Helpdesk \(Zendesk\)\): This change has waited 30 minutes, longer than the 10 minutes promised for crm-customer-to-helpdesk\. Escalate now to Support Tooling \(#support-tools-oncall, PagerDuty service "Support Tooling"\)/,
    );
    expect(answer.contracts.map((c) => [c.contractId, c.state])).toEqual([
      ['crm-customer-to-helpdesk', 'stale'],
      ['crm-billing-contact-to-billing', 'failed'],
      ['billing-subscription-to-helpdesk', 'degraded'],
      ['billing-invoice-to-crm', 'retrying'],
      ['product-usage-to-crm', 'in_sync'],
    ]);
    expect(answer.verdict.counts).toEqual({
      in_sync: 1,
      retrying: 1,
      degraded: 1,
      stale: 1,
      failed: 1,
      unknown: 0,
    });
  });

  it('tells support not to re-enter a retrying change, until when handoff retries, and the fallback', async () => {
    // Act
    const retrying = on(await entity('customer', '42'), 'billing-invoice-to-crm');

    // Assess: first failure 13:59:30; Lambda retries after ~1 and ~2 more minutes.
    expect(retrying.retry).toEqual({
      attempts: 1,
      maxAttempts: 3,
      nextTryAround: '2026-11-30T14:00:30.000Z',
      retriesEndAround: '2026-11-30T14:02:30.000Z',
      latestRetryBy: '2026-11-30T14:59:30.000Z',
    });
    expect(retrying.nextAction).toBe(
      'Do not re-enter the change: handoff is retrying it (next try about 14:00 UTC, until about 14:02 UTC). If it still fails then, it goes to the dead-letter queue for Revenue Systems to redrive. If the customer is waiting, use the fallback: Before contacting a customer about money, check the invoice in the billing dashboard.',
    );
    expect(retrying.freshness).toMatchObject({ sloSeconds: 3600, withinSlo: true, waitingSeconds: 30 });
    expect(retrying.lastFailure).toMatchObject({
      class: 'transient',
      reason: 'HTTP 503 from crm-api',
      attempts: 1,
    });
    expect(retrying.runbook?.url).toBe('https://runbooks.example.com/runbooks/handler-errors.md');
  });

  it('says a permanently rejected change will not be retried, who fixes it, and what to tell the customer', async () => {
    // Act
    const failed = on(await entity('customer', '42'), 'crm-billing-contact-to-billing');

    // Assess
    expect(failed.state).toBe('failed');
    expect(failed.lastFailure).toEqual({
      at: '2026-11-30T12:00:00.000Z',
      class: 'permanent',
      summary: "The change was rejected as invalid by Billing (Stripe) or by handoff's checks.",
      reason: 'HTTP 422 from billing-api: address.country is not a valid country code',
      attempts: 1,
    });
    expect(failed.nextAction).toContain("was rejected by Billing (Stripe) or by handoff's checks");
    expect(failed.nextAction).toContain('will not be retried. Ask Billing Engineering (#billing-oncall');
    expect(failed.nextAction).toContain(
      'If the customer asks, say the change is saved in CRM (Salesforce) but has not reached Billing (Stripe) yet.',
    );
    expect(failed.owner).toMatchObject({ id: 'billing-eng', name: 'Billing Engineering', onDuty: true });
    expect(failed.escalation.map((t) => t.id)).toEqual(['revenue-systems']);
    expect(failed.runbook?.url).toBe('https://runbooks.example.com/runbooks/schema-rejections.md');
    // Failed two hours ago on a one-hour SLO: out of SLO, though no longer retried (so not "stale").
    expect(failed.freshness).toMatchObject({ withinSlo: false, waitingSeconds: 7200, sloSeconds: 3600 });
    expect(failed.customerImpact).toMatch(/^Invoices go to the previous billing contact/);
  });

  it('names the degraded target, who is handling it, and that it is redriven on recovery', async () => {
    // Act
    const degraded = on(await entity('customer', '42'), 'billing-subscription-to-helpdesk');

    // Assess
    expect(degraded.state).toBe('degraded');
    // Its one failure was at 13:55: the retries due at about 13:56 and 13:58 are late.
    expect(degraded.nextAction).toMatch(
      /^Helpdesk \(Zendesk\) is failing for handoff since 13:52 UTC \(8 minutes\); Support Tooling \(#support-tools-oncall, PagerDuty service "Support Tooling"\) is handling it\. Do not re-enter the change: handoff is retrying it \(its retries are running late; Lambda keeps trying until 19:55 UTC at the latest\)/,
    );
    expect(degraded.nextAction).toContain(
      'and sends it again automatically when Helpdesk (Zendesk) recovers',
    );
    expect(degraded.runbook?.title).toBe('Target system degraded');
  });

  it('marks a change stale once it waited longer than the SLO, by the clock', async () => {
    // Prepare: at 13:35 the change pending since 13:30 had waited 5 minutes, within the 10-minute SLO.
    const original = api.clock.now;
    api.clock.now = new Date('2026-11-30T13:35:00.000Z');
    try {
      // Act
      const early = on(await entity('customer', '42'), 'crm-customer-to-helpdesk');
      api.clock.now = original;
      const late = on(await entity('customer', '42'), 'crm-customer-to-helpdesk');

      // Assess
      expect(early.state).toBe('retrying');
      expect(early.freshness.withinSlo).toBe(true);
      expect(late.state).toBe('stale');
      expect(late.freshness).toMatchObject({ withinSlo: false, waitingSeconds: 1800, sloSeconds: 600 });
      expect(late.runbook?.url).toBe('https://runbooks.example.com/runbooks/staleness.md');
    } finally {
      api.clock.now = original;
    }
  });

  it('says nothing is to be done for an in-sync contract, with when it was delivered', async () => {
    // Act
    const inSync = on(await entity('customer', '42'), 'product-usage-to-crm');

    // Assess
    expect(inSync.nextAction).toBe(
      'Nothing to do: the latest change to customer 42 reached CRM (Salesforce) at 06:00 UTC (8 hours ago).',
    );
    expect(inSync.freshness).toMatchObject({
      lastSyncedAt: '2026-11-30T06:00:00.000Z',
      lastSyncedAgeSeconds: 28_800,
    });
    expect(inSync.lastFailure).toBeNull();
    expect(inSync.runbook).toBeNull();
  });
});

describe('entities handoff has never seen', () => {
  it('answers unknown for every contract and says the id may be wrong', async () => {
    // Act
    const answer = await entity('customer', 'never-seen-1');

    // Assess
    expect(answer.verdict.state).toBe('unknown');
    expect(answer.contracts).toHaveLength(5);
    expect(answer.contracts.every((c) => c.state === 'unknown')).toBe(true);
    expect(answer.contracts[0]?.nextAction).toMatch(
      /^handoff has no record of customer never-seen-1 for .+: either no change was ever sent from .+, or the id is wrong\./,
    );
    expect(answer.verdict.nextAction).toMatch(/^Check the customer id/);
  });

  it('is in sync when every contract that saw the entity delivered it, and says the others never saw it', async () => {
    // Act
    const answer = await entity('ticket', '9001');

    // Assess
    expect(answer.verdict).toMatchObject({ state: 'in_sync', inSync: true, contractId: null });
    expect(answer.verdict.summary).toBe(
      'Ticket 9001 is in sync in all 1 contract that carried a change for it. 1 other contract has never seen a change for it.',
    );
  });

  it('explains a failed transient change waiting for redrive', async () => {
    // Act
    const answer = await entity('ticket', '9002');
    const failed = on(answer, 'helpdesk-csat-to-analytics');

    // Assess: best-effort has no auto-redrive, so people must redrive it.
    expect(failed.state).toBe('failed');
    expect(failed.nextAction).toContain(
      'handoff gave up because Customer analytics kept failing (ThrottlingException from analytics-bus); the change is waiting in the dead-letter queue. Ask Product Data (#product-data) to redrive it',
    );
    expect(failed.runbook?.url).toBe('https://runbooks.example.com/runbooks/dead-letters.md');
  });
});

describe('the owner is off duty', () => {
  it('sends support to the first team on duty in the escalation path, and says why', async () => {
    // Prepare: Saturday 14:00 UTC; Revenue Systems works Mon-Fri 08:00-18:00 Europe/London.
    const original = api.clock.now;
    api.clock.now = new Date('2026-12-05T14:00:00.000Z');
    try {
      // Act
      const answer = await entity('customer', '55');
      const failed = on(answer, 'billing-invoice-to-crm');

      // Assess
      expect(failed.owner).toMatchObject({ id: 'revenue-systems', onDuty: false });
      expect(failed.nextAction).toContain(
        'Tell Billing Engineering (#billing-oncall, PagerDuty service "Billing") (Revenue Systems, the owner, is off duty now: Mon-Fri 08:00-18:00 Europe/London) now.',
      );
    } finally {
      api.clock.now = original;
    }
  });
});

it('answers from the same clock the whole way through (checkedAt is now)', async () => {
  // Act
  const answer = await entity('customer', '42');

  // Assess
  expect(answer.checkedAt).toBe(NOW.toISOString());
});
