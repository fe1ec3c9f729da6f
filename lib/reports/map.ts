/**
 * The integration map: systems, contracts, owners and tiers, as data, as Markdown tables and as a
 * Mermaid diagram (systems as nodes, contracts as edges labelled with tier and owner).
 */
import type { Plan } from '../plan/types.js';

export interface IntegrationMap {
  systems: Array<{
    id: string;
    name: string;
    owner: string;
    ownerName: string;
    sourceOf: number;
    targetOf: number;
  }>;
  contracts: Array<{
    id: string;
    from: string;
    to: string;
    tier: string;
    owner: string;
    ownerName: string;
    adapter: string;
    event: string;
  }>;
  owners: Array<{ id: string; name: string; systems: string[]; contracts: string[] }>;
  mermaid: string;
}

/** Builds the integration map from a plan. */
export function buildMap(plan: Plan): IntegrationMap {
  const teamName = (id: string) => plan.teams.find((t) => t.id === id)?.name ?? id;
  const systems = plan.systems.map((s) => ({
    id: s.id,
    name: s.name,
    owner: s.owner,
    ownerName: teamName(s.owner),
    sourceOf: s.sourceOf.length,
    targetOf: s.targetOf.length,
  }));
  const contracts = plan.contracts.map((c) => ({
    id: c.id,
    from: c.source.system,
    to: c.target.system,
    tier: c.tier,
    owner: c.owner,
    ownerName: teamName(c.owner),
    adapter: c.target.adapter,
    event: `${c.source.eventSource} / ${c.source.detailType}`,
  }));
  const ownerIds = [
    ...new Set([...plan.systems.map((s) => s.owner), ...plan.contracts.map((c) => c.owner)]),
  ].sort();
  const owners = ownerIds.map((id) => ({
    id,
    name: teamName(id),
    systems: plan.systems.filter((s) => s.owner === id).map((s) => s.id),
    contracts: plan.contracts.filter((c) => c.owner === id).map((c) => c.id),
  }));
  return { systems, contracts, owners, mermaid: mermaid(plan) };
}

/** Mermaid flowchart: thick edges for critical, plain for standard, dotted for best-effort. */
function mermaid(plan: Plan): string {
  const teamName = (id: string) => plan.teams.find((t) => t.id === id)?.name ?? id;
  const node = (id: string) => `sys_${id.replace(/-/g, '_')}`;
  const lines = ['flowchart LR'];
  for (const s of plan.systems)
    lines.push(
      `  ${node(s.id)}["${mermaidText(s.name)}<br/><small>${mermaidText(teamName(s.owner))}</small>"]`,
    );
  const arrow = { critical: '==>', standard: '-->', 'best-effort': '-.->' } as const;
  for (const c of plan.contracts) {
    lines.push(
      `  ${node(c.source.system)} ${arrow[c.tier]}|"${mermaidText(c.id)}<br/>${c.tier} · ${mermaidText(teamName(c.owner))}"| ${node(c.target.system)}`,
    );
  }
  return lines.join('\n');
}

function mermaidText(text: string): string {
  return text.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
}

/** Renders the map as Markdown: a diagram, then systems, contracts and owners tables. */
export function mapToMarkdown(map: IntegrationMap): string {
  const table = (headers: string[], rows: string[][]) =>
    [
      `| ${headers.join(' | ')} |`,
      `| ${headers.map(() => '---').join(' | ')} |`,
      ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
    ].join('\n');
  return [
    '# Integration map',
    '',
    'Thick arrows are critical, plain arrows standard, dotted arrows best-effort.',
    '',
    '```mermaid',
    map.mermaid,
    '```',
    '',
    `## Systems (${map.systems.length})`,
    '',
    table(
      ['System', 'Name', 'Owner', 'Feeds', 'Fed by'],
      map.systems.map((s) => [s.id, s.name, s.ownerName, String(s.sourceOf), String(s.targetOf)]),
    ),
    '',
    `## Contracts (${map.contracts.length})`,
    '',
    table(
      ['Contract', 'From', 'To', 'Tier', 'Owner', 'Adapter', 'Event'],
      map.contracts.map((c) => [c.id, c.from, c.to, c.tier, c.ownerName, c.adapter, c.event]),
    ),
    '',
    `## Owners (${map.owners.length})`,
    '',
    table(
      ['Team', 'Systems', 'Contracts'],
      map.owners.map((o) => [o.name, o.systems.join(', ') || '—', o.contracts.join(', ') || '—']),
    ),
    '',
  ].join('\n');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}
