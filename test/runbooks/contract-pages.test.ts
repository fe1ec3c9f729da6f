import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Io } from '../../lib/cli/io.js';
import { pageAnchors } from '../../lib/plan/check.js';
import type { Plan } from '../../lib/plan/types.js';
import { checkContractPages, checkRunbooks, markdownLinks } from '../../lib/runbooks/check.js';
import { runbooksCommand, writeContractPages } from '../../lib/runbooks/command.js';
import {
  CONTRACT_PAGES_DIR,
  contractPages,
  GENERATE_COMMAND,
  renderContractIndex,
  renderContractPage,
  UnknownContractError,
} from '../../lib/runbooks/contract-pages.js';
import { examplePlan } from '../helpers/estate.js';
import { EXAMPLE_CONTRACTS, PROJECT_ROOT } from '../helpers/paths.js';

const plan = examplePlan();

/** A copy of the project's runbooks folder, to change without touching the real one. */
function runbooksCopy(): string {
  const root = mkdtempSync(join(tmpdir(), 'handoff-contract-pages-'));
  cpSync(join(PROJECT_ROOT, 'runbooks'), join(root, 'runbooks'), { recursive: true });
  return root;
}

function capture(): Io & { out_: string; err_: string } {
  const io = {
    out_: '',
    err_: '',
    out(text: string) {
      io.out_ += `${text}\n`;
    },
    err(text: string) {
      io.err_ += `${text}\n`;
    },
  };
  return io;
}

describe('the committed contract pages', () => {
  it('are exactly what the generator makes from the example contracts', () => {
    const problems = checkContractPages(plan, PROJECT_ROOT);

    expect(problems, `runbooks/contracts/ is out of date: run ${GENERATE_COMMAND}`).toEqual([]);
  });

  it('exist for every contract, and every page belongs to a contract', () => {
    const pages = readdirSync(join(PROJECT_ROOT, CONTRACT_PAGES_DIR))
      .filter((f) => f.endsWith('.md') && f !== 'README.md')
      .map((f) => f.slice(0, -3))
      .sort();

    expect(pages, `run ${GENERATE_COMMAND}`).toEqual(plan.contracts.map((c) => c.id).sort());
  });

  it('pass every runbook check, as `handoff runbooks --check` runs them', () => {
    const io = capture();

    const code = runbooksCommand({ check: true, contracts: EXAMPLE_CONTRACTS }, io);

    expect(io.err_).toBe('');
    expect(code).toBe(0);
    expect(checkRunbooks(plan, PROJECT_ROOT)).toEqual([]);
  });
});

describe('checking the committed pages', () => {
  it('reports a page edited by hand, with the command to run', () => {
    const root = runbooksCopy();
    const file = join(root, CONTRACT_PAGES_DIR, 'crm-customer-to-helpdesk.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace('## Customer impact', '## Impact'));

    const problems = checkContractPages(plan, root);

    expect(problems).toEqual([
      expect.objectContaining({
        file: `${CONTRACT_PAGES_DIR}/crm-customer-to-helpdesk.md`,
        message: expect.stringContaining(`run ${GENERATE_COMMAND}`),
      }),
    ]);
  });

  it('reports a contract without a page and a page without a contract', () => {
    const root = runbooksCopy();
    const renamed = {
      ...plan,
      contracts: plan.contracts.map((c) =>
        c.id === 'product-usage-to-crm' ? { ...c, id: 'product-usage-to-crm-v2' } : c,
      ),
    };

    const problems = checkContractPages(renamed, root).map((p) => [p.file, p.message.split(';')[0]]);

    expect(problems).toContainEqual([
      `${CONTRACT_PAGES_DIR}/product-usage-to-crm-v2.md`,
      'is missing (the page of contract product-usage-to-crm-v2)',
    ]);
    expect(problems).toContainEqual([
      `${CONTRACT_PAGES_DIR}/product-usage-to-crm.md`,
      'belongs to no contract in the plan',
    ]);
  });
});

describe('generating the pages', () => {
  it('does not depend on the stage or the runbook URL the plan was built for', () => {
    const prod = examplePlan({ stage: 'prod', runbookBaseUrl: 'https://wiki.example.com/handoff' });

    expect(contractPages(prod)).toEqual(contractPages(plan));
  });

  it('renders names and commands for a given stage', () => {
    const page = renderContractPage(plan, 'crm-customer-to-helpdesk', { stage: 'prod' });

    expect(page).toContain('`handoff-prod-crm-customer-to-helpdesk`');
    expect(page).toContain('`handoff-prod-dlq-critical`');
    expect(page).toContain('STAGE=prod\n');
    expect(page).not.toContain('<stage>');
  });

  it('writes the pages, then leaves them alone, and removes only generated pages of gone contracts', () => {
    const root = mkdtempSync(join(tmpdir(), 'handoff-contract-pages-'));
    const first = writeContractPages(plan, root);
    writeFileSync(join(root, CONTRACT_PAGES_DIR, 'notes.md'), '# Notes kept by a team\n');
    const fewer: Plan = { ...plan, contracts: plan.contracts.filter((c) => c.id !== 'product-usage-to-crm') };

    const second = writeContractPages(plan, root);
    const third = writeContractPages(fewer, root);

    expect(first.written).toHaveLength(plan.contracts.length + 1);
    expect(second.written).toEqual([]);
    expect(second.unchanged).toHaveLength(plan.contracts.length + 1);
    expect(third.removed).toEqual([`${CONTRACT_PAGES_DIR}/product-usage-to-crm.md`]);
    expect(third.foreign).toEqual([`${CONTRACT_PAGES_DIR}/notes.md`]);
    expect(existsSync(join(root, CONTRACT_PAGES_DIR, 'product-usage-to-crm.md'))).toBe(false);
    expect(existsSync(join(root, CONTRACT_PAGES_DIR, 'notes.md'))).toBe(true);
  });

  it('fails clearly for a contract the plan does not have', () => {
    expect(() => renderContractPage(plan, 'no-such-contract')).toThrow(UnknownContractError);
    expect(() => renderContractPage(plan, 'no-such-contract')).toThrow(
      /known contracts: billing-invoice-to-crm/,
    );
  });

  it("keeps a contract's free text from breaking the page", () => {
    const odd: Plan = {
      ...plan,
      contracts: plan.contracts.map((c) =>
        c.id === 'crm-customer-to-helpdesk'
          ? {
              ...c,
              customerImpact: 'Agents see <b>old</b> data |\nfor   a while.',
              description: 'Pipes | and\n\nblank lines.',
            }
          : c,
      ),
      systems: plan.systems.map((s) => (s.id === 'crm' ? { ...s, name: 'CRM | Salesforce' } : s)),
    };

    const page = renderContractPage(odd, 'crm-customer-to-helpdesk');

    expect(page).toContain('Agents see &lt;b>old&lt;/b> data | for a while.');
    expect(page).toContain('Pipes | and blank lines.');
    expect(page).toContain('| From | CRM \\| Salesforce (`crm`)');
  });
});

describe('a contract page', () => {
  const page = renderContractPage(plan, 'crm-customer-to-helpdesk');
  const contract = plan.contracts.find((c) => c.id === 'crm-customer-to-helpdesk') ?? expect.unreachable();

  it('says what the contract does, from where to where, for which entity', () => {
    expect(page).toContain(contract.description);
    expect(page).toContain(
      '| From | CRM (Salesforce) (`crm`): events with source `handoff.crm` and detail-type `Customer Updated` |',
    );
    expect(page).toContain(
      '| To | Helpdesk (Zendesk) (`helpdesk`): `PUT /api/v2/users/{id}` on endpoint `helpdesk-api`',
    );
    expect(page).toContain('`customer`: id at `detail.customerId`, version at `detail.version`');
    expect(page).toContain('| Staleness SLO | 10 minutes (the tier default is 15 minutes) |');
  });

  it('gives the customer impact and the fallback in the contract’s words', () => {
    const impact = page.split('## Customer impact')[1]?.split('##')[0] ?? '';
    const fallback = page.split('## Fallback for support')[1]?.split('##')[0] ?? '';

    expect(impact).toContain(contract.customerImpact.replace(/\s+/g, ' '));
    expect(fallback).toContain(contract.fallback.replace(/\s+/g, ' '));
  });

  it('names the owner and the escalation path in order, with contacts and hours', () => {
    const section = page.split('## Owner and escalation')[1]?.split('\n## ')[0] ?? '';

    expect(section).toContain(
      '**Owner: Support Tooling**: on-call `#support-tools-oncall` · pager PagerDuty service "Support Tooling" · email support-tools@example.com · hours 24x7.',
    );
    expect(section).toMatch(
      /1\. \*\*Revenue Systems\*\*: .*hours Mon-Fri 08:00-18:00 Europe\/London\n2\. \*\*Integration Platform\*\*/,
    );
    expect(section).toContain('The target system, Helpdesk (Zendesk), is owned by **Support Tooling**.');
  });

  it('explains the tier: both retry layers, the queue, degraded, auto-redrive and archive', () => {
    const section = page.split('## Tier: critical')[1]?.split('\n## ')[0] ?? '';

    expect(section).toContain('EventBridge makes up to 185 attempts within 1 day');
    expect(section).toContain('Lambda retries a failed run up to 2 times within 6 hours');
    expect(section).toContain('`handoff-<stage>-dlq-critical` for up to 14 days');
    expect(section).toContain('after 5 transient failures of the target within 5 minutes');
    expect(section).toContain('**Auto-redrive:** yes');
    expect(section).toContain('for 30 days in `handoff-<stage>-critical`');
    expect(section).toContain('**Severity:** page: wakes the owning on-call engineer now.');
  });

  it('lists its resources, endpoint setting and secret without values', () => {
    expect(page).toContain('| Handler function | `handoff-<stage>-crm-customer-to-helpdesk` |');
    expect(page).toContain('| Log group | `/aws/lambda/handoff-<stage>-crm-customer-to-helpdesk` |');
    expect(page).toContain('| Rule | `handoff-<stage>-crm-customer-to-helpdesk` on bus `handoff-<stage>` |');
    expect(page).toContain('| Stack | `handoff-<stage>-contracts-support-tools` |');
    expect(page).toContain('| Endpoint URL | deploy setting (environment variable) `HELPDESK_API_URL` |');
    expect(page).toContain(
      'secret `handoff/helpdesk/api-token`, JSON key `token`: describe it, never print it',
    );
  });

  it('gives the exact status and dead-letter commands for this contract', () => {
    expect(page).toContain('CONTRACT=crm-customer-to-helpdesk TIER=critical SLO_MINUTES=10');
    expect(page).toContain('handoff_api /v1/contracts/crm-customer-to-helpdesk');
    expect(page).toContain('handoff_api "/v1/entities/customer/$ENTITY_ID"');
    expect(page).toContain(
      './bin/handoff dlq list --stage "$STAGE" --tier critical --contract crm-customer-to-helpdesk',
    );
    expect(page).toContain(
      './bin/handoff dlq redrive --stage "$STAGE" --tier critical --contract crm-customer-to-helpdesk --dry-run',
    );
  });

  it("links every alarm of the contract and its tier to its page, with this contract's thresholds", () => {
    const alarms = plan.alarms.filter(
      (a) =>
        (a.scope.kind === 'contract' && a.scope.contractId === contract.id) ||
        (a.scope.kind === 'tier' && a.scope.tier === contract.tier),
    );
    const links = markdownLinks(page).map((l) => l.target);

    for (const alarm of alarms) {
      expect(page).toContain(`\`${alarm.name.replace('handoff-dev-', 'handoff-<stage>-')}\``);
      expect(links).toContain(`../${alarm.runbook.path.replace(/^runbooks\//, '')}`);
    }
    expect(page).toContain('| 5 or more failed handler runs in 5m |');
    expect(page).toContain('| an entity waited longer than 10 minutes, checked every 2 minutes |');
    expect(page).toContain('| 1 or more dead letters wait in `handoff-<stage>-dlq-critical` |');
    expect(page).toContain('| the oldest dead letter has waited longer than 15 minutes |');
  });

  it('starts with the generator’s marker and has headings for each part', () => {
    const anchors = pageAnchors(page);

    expect(page.split('\n')[0]).toContain(GENERATE_COMMAND);
    for (const anchor of [
      'customer-impact',
      'fallback-for-support',
      'owner-and-escalation',
      'tier-critical',
      'resources',
      'commands',
      'alarms-and-runbooks',
    ])
      expect(anchors).toContain(anchor);
  });
});

describe('other kinds of contract', () => {
  it('a best-effort contract whose owner is not in its escalation list', () => {
    const page = renderContractPage(plan, 'product-usage-to-crm');

    expect(page).toContain('**Owner: Revenue Systems**');
    expect(page).toMatch(/1\. \*\*Product Data\*\*: on-call `#product-data` · no pager/);
    expect(page).toContain('**Auto-redrive:** no.');
    expect(page).toContain('**Archive:** none.');
    expect(page).toContain('**Failed handler runs:** not retried');
  });

  it('an EventBridge target, with its bus setting and no credentials row', () => {
    const page = renderContractPage(plan, 'helpdesk-csat-to-analytics');

    expect(page).toContain(
      'puts events with source `handoff.csat` and detail-type `CSAT Recorded` on the bus of endpoint `analytics-bus`',
    );
    expect(page).toContain('| Target bus ARN | deploy setting (environment variable) `ANALYTICS_BUS_ARN` |');
    expect(page).not.toContain('| Credentials |');
  });

  it('the index lists every contract and the tiers in force', () => {
    const index = renderContractIndex(plan);

    for (const c of plan.contracts) expect(index).toContain(`[\`${c.id}\`](${c.id}.md)`);
    expect(index).toContain(
      '| critical | page | 185 attempts within 1 day | 2 within 6 hours | 1 | 15 minutes | 15 minutes | 5 failures in 5 minutes | yes | 30 days |',
    );
    expect(index).toContain(
      '| best-effort | digest | 3 attempts within 15 minutes | none (events older than 5 minutes are dead-lettered) |',
    );
  });
});
