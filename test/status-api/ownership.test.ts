/** GET /v1/ownership: from the plan before the first deploy wrote it, then from the operations table. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KINDS, keys } from '../../lambdas/commons/records.js';
import type { Ownership } from '../../lambdas/status-api/ownership.js';
import { type Api, startApi } from './fixtures.js';

let api: Api;

beforeAll(async () => {
  api = await startApi();
});

afterAll(async () => {
  await api.close();
});

describe('GET /v1/ownership', () => {
  it('answers from the bundled plan while the table has no ownership yet, and says so', async () => {
    // Act
    const response = await api.call('GET', '/v1/ownership');
    const answer = response.json as unknown as Ownership;

    // Assess
    expect(response.status).toBe(200);
    expect(answer.source).toBe('plan');
    expect(answer.current).toBe(true);
    expect(answer.notice).toMatch(/has not been written to the operations table yet/);
    expect(answer.systems.map((s) => [s.id, s.owner.name])).toEqual([
      ['analytics', 'Product Data'],
      ['billing', 'Billing Engineering'],
      ['crm', 'Revenue Systems'],
      ['helpdesk', 'Support Tooling'],
      ['product', 'Product Data'],
    ]);
    expect(answer.teams.find((t) => t.id === 'product-data')).toMatchObject({
      oncallChannel: '#product-data',
      pager: null,
      hours: 'Mon-Fri 09:00-17:00 Europe/London',
      onDuty: true,
      systems: ['product', 'analytics'],
    });
    // product-usage-to-crm is owned by Revenue Systems (the target's owner) but escalates to Product Data.
    expect(answer.contracts.find((c) => c.id === 'product-usage-to-crm')?.escalationPath).toEqual([
      { id: 'revenue-systems', name: 'Revenue Systems' },
      { id: 'product-data', name: 'Product Data' },
    ]);
  });

  it('answers from the operations table once the ownership function wrote it', async () => {
    // Prepare: what the ownership function writes on deploy (one of each kind).
    const fingerprint = api.plan.fingerprint;
    await api.put('operations', {
      ...keys.team('support-tools'),
      kind: KINDS.team,
      sortKey: 'support-tools',
      id: 'support-tools',
      name: 'Support Tooling',
      oncallChannel: '#support-tools-oncall',
      email: 'support-tools@example.com',
      hours: '24x7',
      ownsPlatform: false,
      fingerprint,
    });
    await api.put('operations', {
      ...keys.system('helpdesk'),
      kind: KINDS.system,
      sortKey: 'helpdesk',
      id: 'helpdesk',
      name: 'Helpdesk (Zendesk)',
      description: 'Where support agents answer tickets.',
      owner: 'support-tools',
      sourceOf: [],
      targetOf: ['crm-customer-to-helpdesk'],
      fingerprint,
    });
    await api.put('operations', {
      ...keys.contractOwnership('crm-customer-to-helpdesk'),
      kind: KINDS.contract,
      sortKey: 'crm-customer-to-helpdesk',
      id: 'crm-customer-to-helpdesk',
      tier: 'critical',
      owner: 'support-tools',
      escalation: ['support-tools', 'revenue-systems'],
      sourceSystem: 'crm',
      targetSystem: 'helpdesk',
      fingerprint,
    });

    // Act
    const answer = (await api.call('GET', '/v1/ownership')).json as unknown as Ownership;

    // Assess
    expect(answer).toMatchObject({ source: 'table', current: true, notice: null, fingerprint });
    expect(answer.teams.map((t) => [t.id, t.systems, t.contracts])).toEqual([
      ['support-tools', ['helpdesk'], ['crm-customer-to-helpdesk']],
    ]);
    // A team the table does not (yet) hold is named by its id rather than dropped.
    expect(answer.contracts[0]?.escalationPath).toEqual([
      { id: 'support-tools', name: 'Support Tooling' },
      { id: 'revenue-systems', name: 'revenue-systems' },
    ]);
    expect(answer.contracts[0]?.source).toEqual({ id: 'crm', name: 'crm' });
  });

  it('says when the table was written from different contracts than this function was deployed with', async () => {
    // Prepare
    await api.put('operations', {
      ...keys.team('billing-eng'),
      kind: KINDS.team,
      sortKey: 'billing-eng',
      id: 'billing-eng',
      name: 'Billing Engineering',
      oncallChannel: '#billing-oncall',
      email: 'billing-eng@example.com',
      hours: '24x7',
      ownsPlatform: false,
      fingerprint: 'an-older-deploy',
    });

    // Act
    const answer = (await api.call('GET', '/v1/ownership')).json as unknown as Ownership;

    // Assess
    expect(answer.current).toBe(false);
    expect(answer.notice).toMatch(/different contracts than this function was deployed with/);
  });
});
