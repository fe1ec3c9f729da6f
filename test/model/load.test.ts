import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadContracts } from '../../lib/model/load.js';
import { EXAMPLE_CONTRACTS, FIXTURES } from '../helpers/paths.js';

const temps: string[] = [];
function copyOfExamples(): string {
  const dir = mkdtempSync(join(tmpdir(), 'handoff-contracts-'));
  temps.push(dir);
  cpSync(EXAMPLE_CONTRACTS, dir, { recursive: true });
  return dir;
}
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('loading the example contracts', () => {
  it('resolves every contract with owners, durations and stack groups', () => {
    // Act
    const { estate, problems } = loadContracts(EXAMPLE_CONTRACTS);

    // Assess
    expect(problems).toEqual([]);
    expect(estate?.contracts).toHaveLength(7);
    expect(new Set(estate?.contracts.map((c) => c.tier))).toEqual(
      new Set(['critical', 'standard', 'best-effort']),
    );
    expect(new Set(estate?.contracts.map((c) => c.target.adapter))).toEqual(new Set(['http', 'eventbridge']));
    const toHelpdesk = estate?.contracts.find((c) => c.id === 'crm-customer-to-helpdesk');
    expect(toHelpdesk?.owner).toBe('support-tools'); // defaulted from the helpdesk system's owner
    expect(toHelpdesk?.ownerDeclared).toBe(false);
    expect(toHelpdesk?.stalenessSloSeconds).toBe(600); // contract override "10m"
    expect(toHelpdesk?.stackGroup).toBe('support-tools');
    expect(estate?.contracts.find((c) => c.id === 'billing-invoice-to-crm')?.stalenessSloSeconds).toBe(3600); // tier default "1h"
    expect(estate?.tiers.critical.retries.eventBridge).toEqual({ attempts: 185, maxEventAgeSeconds: 86_400 });
    expect(estate?.tiers['best-effort'].archiveRetentionDays).toBe(0);
  });

  it('defaults an endpoint timeout to 5 seconds and auth to none', () => {
    // Prepare
    const dir = copyOfExamples();
    const systems = join(dir, 'systems.yaml');
    writeFileSync(
      systems,
      `systems:
  - { id: crm, name: CRM, owner: revenue-systems, description: d, endpoints: [{ id: crm-api, kind: http, url: "https://crm.example.com" }] }
  - { id: helpdesk, name: H, owner: support-tools, description: d, endpoints: [{ id: helpdesk-api, kind: http, url: "https://h.example.com" }] }
  - { id: billing, name: B, owner: billing-eng, description: d, endpoints: [{ id: billing-api, kind: http, url: "https://b.example.com" }] }
  - { id: product, name: P, owner: product-data, description: d }
  - { id: analytics, name: A, owner: product-data, description: d, endpoints: [{ id: analytics-bus, kind: eventbridge, busArn: "arn:aws:events:eu-west-1:111122223333:event-bus/analytics" }] }
`,
    );

    // Act
    const { estate, problems } = loadContracts(dir);

    // Assess
    expect(problems).toEqual([]);
    const endpoint = estate?.systems.find((s) => s.id === 'crm')?.endpoints[0];
    expect(endpoint).toMatchObject({ kind: 'http', timeoutSeconds: 5, auth: { type: 'none' } });
  });
});

describe('a contracts folder with many mistakes', () => {
  const result = loadContracts(join(FIXTURES, 'broken-contracts'));
  const found = (file: string, path: string, text: string) =>
    result.problems.some((p) => p.file === file && p.path === path && p.message.includes(text));

  it('reports every mistake in one run, with no estate', () => {
    expect(result.estate).toBeUndefined();
    const expected: Array<[string, string, string]> = [
      ['teams.yaml', 'teams[1].id', 'duplicates team id "support-tools"'],
      ['teams.yaml', 'teams[1].contacts.email', 'must match format "email"'],
      ['systems.yaml', 'systems[0].owner', 'names team "revnue-systems"'],
      ['systems.yaml', 'systems[0].endpoints[0].timeout', 'is 90s'],
      ['integrations/bad-references.yaml', 'target.system', 'did you mean "helpdesk"?'],
      ['integrations/bad-references.yaml', 'entity.id', 'not a valid JMESPath expression'],
      ['integrations/bad-references.yaml', 'schema', 'not a valid JSON Schema'],
      ['integrations/bad-references.yaml', 'owner', 'names team "nobody"'],
      ['integrations/bad-references.yaml', 'customerImpact', 'is empty'],
      ['integrations/bad-references.yaml', 'escalation[1]', 'names team "ghost-team"'],
      ['integrations/bad-pattern.yaml', 'source.filter.detail.plan', 'not a valid EventBridge pattern'],
      [
        'integrations/bad-pattern.yaml',
        'source.filter.detail.seats[0].numeric[1]',
        'not a valid EventBridge pattern',
      ],
      ['integrations/bad-pattern.yaml', 'samples[0].event.detail.customerId', 'has the wrong type'],
      ['integrations/bad-structure.yaml', 'target.adapter', '"carrier-pigeon" is not allowed'],
      ['integrations/bad-structure.yaml', 'tier', '"urgent" is not allowed'],
      ['integrations/bad-structure.yaml', 'retries', 'is not a known field'],
      ['integrations/bad-structure.yaml', 'samples', 'needs at least 1 item'],
      ['integrations/duplicate.yaml', 'id', 'duplicates contract id "bad-pattern"'],
      ['integrations/not-yaml.yaml', '', 'is not valid YAML'],
    ];
    const missing = expected.filter(([file, path, text]) => !found(file, path, text));
    expect(missing).toEqual([]);
  });

  it('gives a line for every problem inside a readable file', () => {
    const withoutLine = result.problems.filter((p) => p.line === undefined && p.path !== '');
    expect(withoutLine).toEqual([]);
    const duplicateTeam = result.problems.find((p) => p.path === 'teams[1].id');
    expect(duplicateTeam?.line).toBe(7);
  });

  it('orders problems by file and line', () => {
    const keys = result.problems.map((p) => `${p.file}:${String(p.line ?? 0).padStart(5, '0')}`);
    expect(keys).toEqual([...keys].sort());
  });
});

describe('folders that cannot be used', () => {
  it('says when the folder does not exist', () => {
    const result = loadContracts('/nonexistent/contracts');
    expect(result.problems).toEqual([
      { file: '', path: '', message: '/nonexistent/contracts is not a folder of contracts' },
    ]);
  });

  it('names each missing shared file and the lack of contracts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'handoff-empty-'));
    temps.push(dir);
    const messages = loadContracts(dir).problems.map((p) => `${p.file} ${p.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining('systems.yaml is missing'),
        expect.stringContaining('teams.yaml is missing'),
        expect.stringContaining('tiers.yaml is missing'),
        expect.stringContaining('holds no contracts'),
      ]),
    );
  });

  it('requires exactly one team to own the platform', () => {
    const dir = copyOfExamples();
    const teams = join(dir, 'teams.yaml');
    writeFileSync(
      teams,
      `teams:\n  - { id: support-tools, name: S, contacts: { oncallChannel: "#s", email: s@example.com }, hours: 24x7 }\n  - { id: revenue-systems, name: R, contacts: { oncallChannel: "#r", email: r@example.com }, hours: 24x7 }\n  - { id: billing-eng, name: B, contacts: { oncallChannel: "#b", email: b@example.com }, hours: 24x7 }\n  - { id: product-data, name: P, contacts: { oncallChannel: "#p", email: p@example.com }, hours: 24x7 }\n  - { id: integration-platform, name: I, contacts: { oncallChannel: "#i", email: i@example.com }, hours: 24x7 }\n`,
    );
    const messages = loadContracts(dir).problems.map((p) => p.message);
    expect(messages).toEqual([expect.stringContaining('has no team with `ownsPlatform: true`')]);
  });

  it('rejects a sample that does not match its route, naming the route', () => {
    const dir = copyOfExamples();
    const file = join(dir, 'integrations', 'product-usage-to-crm.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        '      source: handoff.product\n',
        '      source: handoff.products\n',
      ),
    );
    const problems = loadContracts(dir).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      file: 'integrations/product-usage-to-crm.yaml',
      path: 'samples[0].event',
    });
    expect(problems[0]?.message).toContain('does not match the contract\'s route (source "handoff.product"');
  });
});
