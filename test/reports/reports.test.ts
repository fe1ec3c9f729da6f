import { describe, expect, it } from 'vitest';
import { buildMap, mapToMarkdown } from '../../lib/reports/map.js';
import { buildReport } from '../../lib/reports/report.js';
import { examplePlan } from '../helpers/estate.js';

const plan = examplePlan();

describe('report', () => {
  it('counts the dependency map of the examples', () => {
    const report = buildReport(plan, { runbookExists: () => true });
    expect(report.dependencyMap).toEqual({
      systems: 5,
      contracts: 7,
      owners: 4,
      eventApiPaths: 17,
      paths: { eventRoutes: 7, targetApis: 7, webhooks: 3 },
      retryPolicies: 14,
      alarms: plan.alarms.length,
      supportVisibleFailureStates: 28,
    });
  });

  it('counts every failure mode as handled when alarms, runbooks, escalation and fallback exist', () => {
    const report = buildReport(plan, { runbookExists: () => true });
    // 11 per contract (9 of its own, 2 of its tier) and 2 per inbound webhook.
    expect(report.failureHandling).toMatchObject({
      failureModes: 83,
      withAlarm: 83,
      fullyHandled: 83,
      coverage: 1,
      silent: [],
    });
  });

  it('lists the failure modes whose runbook is missing as silent', () => {
    const report = buildReport(plan, { runbookExists: (path) => !path.includes('throttling') });
    expect(report.failureHandling.fullyHandled).toBe(76);
    expect(report.failureHandling.silent).toHaveLength(7);
    expect(report.failureHandling.silent[0]).toEqual({
      contract: 'billing-invoice-to-crm',
      failureMode: 'throttles',
      missing: ['runbook'],
    });
  });

  it('has the support-visibility structure with zeros until incidents exist, and counts them when they do', () => {
    expect(buildReport(plan, { runbookExists: () => true }).supportVisibility).toEqual({
      incidents: 0,
      open: 0,
      resolved: 0,
      withOwner: 0,
      withCustomerImpact: 0,
      withNextAction: 0,
      withResolutionNotes: 0,
    });
    const withIncidents = buildReport(plan, {
      runbookExists: () => true,
      incidents: [
        { state: 'open', owner: 'support-tools', customerImpact: 'x', nextAction: 'y', notes: [] },
        {
          state: 'resolved',
          owner: 'billing-eng',
          customerImpact: 'x',
          nextAction: '',
          notes: [{ text: 'fixed' }],
        },
      ],
    });
    expect(withIncidents.supportVisibility).toEqual({
      incidents: 2,
      open: 1,
      resolved: 1,
      withOwner: 2,
      withCustomerImpact: 2,
      withNextAction: 1,
      withResolutionNotes: 1,
    });
  });
});

describe('integration map', () => {
  const map = buildMap(plan);

  it('lists systems, contracts and owners', () => {
    expect(map.systems.map((s) => s.id)).toEqual(['crm', 'helpdesk', 'billing', 'product', 'analytics']);
    expect(map.contracts.find((c) => c.id === 'crm-customer-to-helpdesk')).toMatchObject({
      from: 'crm',
      to: 'helpdesk',
      tier: 'critical',
      ownerName: 'Support Tooling',
    });
    expect(map.owners.map((o) => o.id)).toEqual([
      'billing-eng',
      'product-data',
      'revenue-systems',
      'support-tools',
    ]);
  });

  it('draws systems as nodes and contracts as edges labelled with tier and owner', () => {
    expect(map.mermaid.split('\n')[0]).toBe('flowchart LR');
    expect(map.mermaid).toContain(
      'sys_crm ==>|"crm-customer-to-helpdesk<br/>critical · Support Tooling"| sys_helpdesk',
    );
    expect(map.mermaid).toContain(
      'sys_product -.->|"product-usage-to-crm<br/>best-effort · Revenue Systems"| sys_crm',
    );
    expect((map.mermaid.match(/\|"/g) ?? []).length).toBe(7);
  });

  it('renders Markdown with the diagram and tables', () => {
    const md = mapToMarkdown(map);
    expect(md).toContain('```mermaid\nflowchart LR');
    expect(md).toContain('## Contracts (7)');
    expect(md).toContain(
      '| crm-customer-to-helpdesk | crm | helpdesk | critical | Support Tooling | http | handoff.crm / Customer Updated |',
    );
  });
});
