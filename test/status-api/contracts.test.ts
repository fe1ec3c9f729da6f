/**
 * GET /v1/contracts, /v1/contracts/{id} and /v1/priorities against dynalite with the sync
 * handler's records, incidents and a real SQS-protocol endpoint for the tier queue depths.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContractDetail, ContractSummary } from '../../lambdas/status-api/contracts.js';
import type { Priorities } from '../../lambdas/status-api/priorities.js';
import { type Api, at, INCIDENTS, seedEstate, startApi } from './fixtures.js';

let api: Api;

beforeAll(async () => {
  api = await startApi();
  await seedEstate(api);
});

afterAll(async () => {
  await api.close();
});

async function contracts(): Promise<{
  contracts: ContractSummary[];
  deadLetterQueues: Array<Record<string, unknown>>;
}> {
  const response = await api.call('GET', '/v1/contracts');
  expect(response.status).toBe(200);
  return response.json as unknown as {
    contracts: ContractSummary[];
    deadLetterQueues: Array<Record<string, unknown>>;
  };
}

describe('GET /v1/contracts', () => {
  it('lists every contract with health, tier, owner, incidents, dead letters and last success, worst first', async () => {
    // Act
    const answer = await contracts();

    // Assess
    // Worst health first, then tier, then id.
    expect(answer.contracts.map((c) => [c.id, c.health])).toEqual([
      ['billing-invoice-to-crm', 'failing'],
      ['crm-billing-contact-to-billing', 'failing'],
      ['helpdesk-csat-to-analytics', 'failing'],
      ['crm-customer-to-helpdesk', 'stale'],
      ['billing-subscription-to-helpdesk', 'degraded'],
      ['helpdesk-ticket-to-crm', 'ok'],
      ['product-usage-to-crm', 'ok'],
    ]);
    const subscription = answer.contracts.find((c) => c.id === 'billing-subscription-to-helpdesk');
    expect(subscription).toMatchObject({
      tier: 'critical',
      owner: { id: 'support-tools', name: 'Support Tooling', oncallChannel: '#support-tools-oncall' },
      openIncidents: 1,
      deadLettersWaiting: 0,
      countsComplete: true,
      lastSuccessAt: at(-20),
      degradedSince: at(-8),
      unsynced: { retrying: 0, degraded: 4, stale: 0, failed: 0, oldestPendingSince: at(-6) },
    });
    expect(subscription?.healthReasons).toEqual([
      'Helpdesk (Zendesk) is failing repeatedly (for 8 minutes)',
      'open incident: Target system degraded',
    ]);
    const invoices = answer.contracts.find((c) => c.id === 'billing-invoice-to-crm');
    expect(invoices).toMatchObject({
      health: 'failing',
      deadLettersWaiting: 1,
      unsynced: {
        retrying: 1,
        failed: 1,
        failedByClass: { config: 1, permanent: 0, transient: 0, unclassified: 0 },
      },
      lastSuccessAt: null,
    });
    const tickets = answer.contracts.find((c) => c.id === 'helpdesk-ticket-to-crm');
    expect(tickets).toMatchObject({ health: 'ok', healthReasons: [], lastSuccessAt: at(-90) });
  });

  it("adds each tier queue's ApproximateNumberOfMessages as the tier-level figure", async () => {
    // Act
    const answer = await contracts();

    // Assess
    expect(answer.deadLetterQueues).toEqual([
      {
        tier: 'critical',
        name: 'handoff-dev-dlq-critical',
        approximateMessages: 0,
        approximateMessagesInFlight: 0,
        note: null,
      },
      {
        tier: 'standard',
        name: 'handoff-dev-dlq-standard',
        approximateMessages: 2,
        approximateMessagesInFlight: 0,
        note: null,
      },
      {
        tier: 'best-effort',
        name: 'handoff-dev-dlq-best-effort',
        approximateMessages: 0,
        approximateMessagesInFlight: 0,
        note: null,
      },
    ]);
  });

  it('still answers when SQS fails, and says the queue depth is unavailable', async () => {
    // Prepare
    api.sqs.failWith = 500;
    try {
      // Act
      const answer = await contracts();

      // Assess
      expect(answer.contracts).toHaveLength(7);
      expect(answer.deadLetterQueues.every((q) => q.approximateMessages === null)).toBe(true);
      expect(answer.deadLetterQueues[0]?.note).toBe('queue depth unavailable right now');
    } finally {
      api.sqs.failWith = undefined;
    }
  });
});

describe('GET /v1/contracts/{id}', () => {
  it('gives on-call everything for one contract: owner path, unsynced entities, incidents, runbooks, commands', async () => {
    // Act
    const response = await api.call('GET', '/v1/contracts/billing-subscription-to-helpdesk');
    const detail = response.json as unknown as ContractDetail;

    // Assess
    expect(response.status).toBe(200);
    expect(detail.escalation.map((t) => t.id)).toEqual(['billing-eng']);
    expect(detail.tierPolicy).toEqual({
      severity: 'page',
      retries:
        'a failing handler run is retried up to 2 times within 6 hours; delivery to the handler is retried up to 185 times within 1 day',
      autoRedrive: true,
      description: 'Data support relies on during a live conversation with the customer.',
    });
    expect(detail.oldestUnsynced.map((e) => [e.id, e.state])).toEqual([
      ['100', 'degraded'],
      ['101', 'degraded'],
      ['102', 'degraded'],
      ['42', 'degraded'],
    ]);
    expect(detail.incidents.map((i) => i.id)).toEqual([INCIDENTS.degraded]);
    expect(detail.lastFailure).toEqual({ at: at(-8), reason: 'HTTP 503 from helpdesk-api' });
    expect(detail.deadLetterQueue).toMatchObject({
      name: 'handoff-dev-dlq-critical',
      approximateMessages: 0,
    });
    expect(detail.runbooks.find((r) => r.failureMode === 'target-degraded')?.url).toBe(
      'https://runbooks.example.com/runbooks/target-degraded.md',
    );
    expect(detail.commands.map((c) => c.command)).toEqual([
      './bin/handoff dlq list --stage dev --tier critical --contract billing-subscription-to-helpdesk',
      './bin/handoff dlq redrive --stage dev --tier critical --contract billing-subscription-to-helpdesk --dry-run',
      './bin/handoff dlq redrive --stage dev --tier critical --contract billing-subscription-to-helpdesk',
      'aws logs tail /aws/lambda/handoff-dev-billing-subscription-to-helpdesk --since 1h',
    ]);
  });

  it('answers 404 for a contract the plan does not know, and 400 for a malformed id', async () => {
    // Act
    const unknown = await api.call('GET', '/v1/contracts/no-such-contract');
    const malformed = await api.call('GET', '/v1/contracts/Not_A_Contract');

    // Assess
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({
      error: {
        code: 'contract_not_found',
        message: 'no contract "no-such-contract"; GET /v1/contracts lists them',
      },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.json).toMatchObject({ error: { code: 'invalid_contract_id' } });
  });

  it('reports counts as lower bounds when a contract has more unsynced entities than one answer reads', async () => {
    // Prepare: a separate contract's 5 unsynced entities, read with a cap of 3 (the store's bound).
    const { unsyncedItems } = await import('../../lambdas/status-api/store.js');
    for (const id of ['c1', 'c2', 'c3', 'c4', 'c5']) {
      await api.put('syncState', {
        pk: `E#ticket#${id}`,
        sk: 'C#helpdesk-ticket-to-crm-capped',
        contractId: 'helpdesk-ticket-to-crm-capped',
        entityType: 'ticket',
        entityId: id,
        state: 'failed',
        unsyncedContract: 'helpdesk-ticket-to-crm-capped',
        pendingSince: at(-10),
        updatedAt: at(-10),
        attempts: 1,
        rev: 1,
      });
    }

    // Act
    const read = await unsyncedItems(
      { dynamo: api.dynamo.doc, sqs: api.deps.sqs, tables: api.deps.tables },
      'helpdesk-ticket-to-crm-capped',
      3,
    );

    // Assess
    expect(read.items).toHaveLength(3);
    expect(read.complete).toBe(false);
  });
});

describe('GET /v1/priorities', () => {
  it('ranks failing contracts by tier, then entities affected, then duration, with the reason for each rank', async () => {
    // Act
    const response = await api.call('GET', '/v1/priorities');
    const answer = response.json as unknown as Priorities;

    // Assess
    expect(response.status).toBe(200);
    expect(answer.priorities.map((p) => [p.rank, p.contractId, p.entitiesAffected])).toEqual([
      [1, 'billing-subscription-to-helpdesk', 4],
      [2, 'crm-customer-to-helpdesk', 1],
      [3, 'billing-invoice-to-crm', 2],
      [4, 'crm-billing-contact-to-billing', 1],
      [5, 'helpdesk-csat-to-analytics', 1],
    ]);
    expect(answer.priorities[0]?.reason).toBe(
      '1: critical tier (page), 4 customers affected, degraded for 8 minutes; ahead of crm-customer-to-helpdesk because more entities are affected (4 against 1).',
    );
    expect(answer.priorities[1]?.reason).toMatch(
      /ahead of billing-invoice-to-crm because its tier is higher \(critical over standard\)\.$/,
    );
    expect(answer.priorities[3]?.reason).toMatch(
      /^4: standard tier \(ticket\), 1 customer affected, failing for 2 hours/,
    );
    expect(answer.priorities[4]?.reason).not.toContain('ahead of');
    expect(answer.priorities[0]?.fix).toMatchObject({
      system: { id: 'helpdesk', name: 'Helpdesk (Zendesk)' },
      team: { id: 'support-tools' },
    });
    expect(answer.priorities[3]?.fix.what).toBe(
      'changes from CRM (Salesforce) are rejected as invalid; Billing Engineering fixes the data or the mapping, then redrives',
    );
    expect(answer.healthy).toEqual(['helpdesk-ticket-to-crm', 'product-usage-to-crm']);
    expect(answer.summary).toMatch(/^5 contracts need attention; fix Helpdesk \(Zendesk\) first/);
  });
});
