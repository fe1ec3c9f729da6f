/**
 * Checks on a built plan that need more than one contract or files beyond the contracts:
 * CloudFormation stack sizes, and runbook links that must resolve to a page and heading.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Problem } from '../model/problems.js';
import type { Plan } from './types.js';

/**
 * Contracts per CloudFormation stack. Each contract renders 16 resources (function, role, policy,
 * log group, invoke config, rule, permission, nine alarms), plus one metadata resource per stack:
 * 25 contracts make 401 of CloudFormation's 500. At that size the binding limit is the template's
 * size (measured 744 kB of 1 MB with every alarm description at its maximum), not the resource
 * count; both are asserted in test/infra/scale.test.ts.
 */
export const MAX_CONTRACTS_PER_STACK = 25;

/** Stack groups that are too big for one CloudFormation stack. */
export function checkStackSizes(plan: Plan): Problem[] {
  return plan.stacks
    .filter((s) => s.kind === 'contracts' && s.contracts.length > MAX_CONTRACTS_PER_STACK)
    .flatMap((stack) => {
      const excess = stack.contracts.slice(MAX_CONTRACTS_PER_STACK);
      return excess.map((id) => {
        const contract = plan.contracts.find((c) => c.id === id);
        return {
          file: contract?.declaredIn ?? '',
          path: 'deployment.stack',
          message: `stack group "${stack.id}" holds ${stack.contracts.length} contracts; at most ${MAX_CONTRACTS_PER_STACK} fit one CloudFormation stack. Set deployment.stack on some of them to split the group (keep it stable afterwards).`,
        };
      });
    });
}

/** GitHub's heading anchors: lower-case, punctuation dropped, spaces to hyphens. */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Anchors of a Markdown page's headings (and explicit `<a id>` / `<a name>` tags). */
export function pageAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const counts = new Map<string, number>();
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    if (inFence) continue;
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading?.[1]) {
      const base = headingAnchor(heading[1]);
      const n = counts.get(base) ?? 0;
      anchors.add(n === 0 ? base : `${base}-${n}`);
      counts.set(base, n + 1);
    }
    for (const match of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) if (match[1]) anchors.add(match[1]);
  }
  return anchors;
}

/**
 * Every alarm's runbook link must point at an existing page and, when it has an anchor, an
 * existing heading. `projectRoot` holds the `runbooks/` folder. Skipped until that folder has pages.
 */
export function checkRunbookLinks(plan: Plan, projectRoot: string): Problem[] {
  const folder = join(projectRoot, 'runbooks');
  if (!existsSync(folder) || !readdirSync(folder).some((f) => f.endsWith('.md'))) return [];
  const problems: Problem[] = [];
  const cache = new Map<string, Set<string> | undefined>();
  const seen = new Set<string>();
  for (const alarm of plan.alarms) {
    const [page = '', anchor] = alarm.runbook.path.split('#');
    const key = alarm.runbook.path;
    if (seen.has(key)) continue;
    seen.add(key);
    if (!cache.has(page)) {
      const file = join(projectRoot, page);
      cache.set(page, existsSync(file) ? pageAnchors(readFileSync(file, 'utf8')) : undefined);
    }
    const anchors = cache.get(page);
    if (!anchors) {
      problems.push({
        file: page,
        inProject: true,
        path: '',
        message: `is missing, but alarm ${alarm.name} (${alarm.failureMode}) links to it`,
      });
    } else if (anchor && !anchors.has(anchor)) {
      problems.push({
        file: page,
        inProject: true,
        path: `#${anchor}`,
        message: `has no heading with this anchor, but alarm ${alarm.name} (${alarm.failureMode}) links to it`,
      });
    }
  }
  return problems;
}
