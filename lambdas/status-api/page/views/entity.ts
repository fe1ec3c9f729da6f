/**
 * The entity view: one verdict for the customer (or ticket) and one card per contract that carries
 * it, most urgent first, each with state, last sync, SLO, customer impact, next action, owner,
 * escalation and runbook.
 */
import type { EntityContractStatus, EntityStatus, Verdict } from '../../entities.js';
import type { TeamView } from '../../views.js';
import { badge, type Child, externalLink, fact, h, timeEl } from '../dom.js';
import { durationText, dutyText, isSafeLink, reachLine, relativeTime, stateLabel } from '../format.js';

/** The verdict banner's content (the banner itself is a live region the app keeps). */
export function verdictContent(status: EntityStatus): HTMLElement {
  const { verdict } = status;
  const label = stateLabel(verdict.state);
  const heading = verdictHeading(verdict);
  return h(
    'div',
    { class: `verdict tone-${label.tone}`, 'data-state': verdict.state },
    h(
      'p',
      { class: 'verdict-title' },
      h('span', { class: 'verdict-symbol', 'aria-hidden': 'true' }, label.symbol),
      ' ',
      h('strong', null, heading),
      ' ',
      h('span', { class: 'verdict-entity' }, `${status.entity.type} ${status.entity.id}`),
    ),
    h('p', { class: 'verdict-summary' }, verdict.summary),
    verdict.inSync
      ? null
      : h(
          'p',
          { class: 'verdict-action' },
          h('span', { class: 'action-label' }, 'What to do: '),
          verdict.nextAction,
        ),
  );
}

/** A key that changes only when the verdict's words do (the live region re-announces only then). */
export function verdictKey(status: EntityStatus): string {
  const { verdict } = status;
  return `${status.entity.type}/${status.entity.id}|${verdict.state}|${verdict.summary}|${verdict.nextAction}`;
}

function verdictHeading(verdict: Verdict): string {
  switch (verdict.state) {
    case 'in_sync':
      return 'In sync';
    case 'unknown':
      return 'Not seen by handoff';
    case 'retrying':
      return 'Not in sync yet: retrying';
    case 'degraded':
      return 'Not in sync: a target system is failing';
    case 'stale':
      return 'Not in sync: late';
    case 'failed':
      return 'Not in sync: needs people';
  }
}

/** The cards, most urgent first (the API's order). */
export function entityCards(status: EntityStatus, now: Date): HTMLElement {
  const entity = `${status.entity.type} ${status.entity.id}`;
  return h(
    'section',
    { class: 'cards-section', 'aria-labelledby': 'cards-heading' },
    h(
      'h2',
      { id: 'cards-heading' },
      `${status.contracts.length} contract${status.contracts.length === 1 ? '' : 's'} carry ${entity}`,
    ),
    h(
      'ul',
      { class: 'cards', role: 'list' },
      status.contracts.map((c) => h('li', null, card(c, now))),
    ),
  );
}

function card(c: EntityContractStatus, now: Date): HTMLElement {
  const label = stateLabel(c.state);
  const titleId = `card-${c.contractId}`;
  // Nothing to do for this contract: keep the card short and fold the details away.
  const quiet = c.state === 'in_sync' || c.state === 'unknown';
  const details: Child[] = [
    h('dl', { class: 'facts' }, ...facts(c, now, quiet)),
    teams(c),
    c.runbook
      ? h('p', { class: 'runbook' }, 'Runbook: ', externalLink(c.runbook.url, c.runbook.title, isSafeLink))
      : null,
  ];
  return h(
    'article',
    {
      class: `card tone-${label.tone}${quiet ? ' quiet-card' : ''}`,
      'aria-labelledby': titleId,
      'data-contract': c.contractId,
      'data-state': c.state,
    },
    h(
      'header',
      { class: 'card-header' },
      h('h3', { id: titleId }, `${c.source.name} → ${c.target.name}`),
      badge(label, 'card-badge'),
    ),
    h('p', { class: 'card-meta' }, h('code', null, c.contractId), ` · ${c.tier} tier`),
    quiet ? null : h('p', { class: 'card-description' }, c.description),
    h('p', { class: 'state-text' }, c.stateText),
    quiet
      ? h(
          'p',
          { class: 'next-action quiet' },
          h('span', { class: 'action-label' }, 'Next action: '),
          c.nextAction,
        )
      : h(
          'div',
          { class: 'next-action' },
          h('p', { class: 'action-label' }, 'Next action'),
          h('p', { class: 'action-text' }, c.nextAction),
        ),
    quiet
      ? [
          h('dl', { class: 'facts' }, ...lastSynced(c, now)),
          h(
            'details',
            { class: 'more', 'data-open-key': `more-${c.contractId}` },
            h(
              'summary',
              { 'data-key': `more-${c.contractId}` },
              'SLO, customer impact, owner and escalation',
            ),
            h('p', { class: 'card-description' }, c.description),
            details,
          ),
        ]
      : details,
  );
}

function lastSynced(c: EntityContractStatus, now: Date): Child[] {
  const at = c.freshness.lastSyncedAt;
  return fact('Last synced', at ? timeEl(at, now) : 'never (handoff has not delivered a change for it)');
}

function facts(c: EntityContractStatus, now: Date, withoutLastSynced: boolean): Child[] {
  const f = c.freshness;
  const rows: Child[] = withoutLastSynced ? [] : [lastSynced(c, now)];
  if (f.pendingSince) {
    rows.push(
      fact(
        'Change waiting',
        'since ',
        timeEl(f.pendingSince, now),
        f.withinSlo ? ' (within the SLO)' : h('strong', null, ' (longer than the SLO)'),
      ),
    );
  }
  rows.push(fact('SLO', `delivered within ${durationText(f.sloSeconds)}`));
  if (c.retry) {
    const next = c.retry.nextTryAround;
    rows.push(
      fact(
        'Retries',
        `${c.retry.attempts} of ${c.retry.maxAttempts} attempts made`,
        next
          ? `; next ${relativeTime(next, now) === 'just now' ? 'any moment' : relativeTime(next, now)}`
          : '',
      ),
    );
  }
  if (c.lastFailure) {
    rows.push(
      fact(
        'Last failure',
        c.lastFailure.at ? [timeEl(c.lastFailure.at, now), ': '] : null,
        c.lastFailure.summary,
        c.lastFailure.reason ? h('span', { class: 'reason' }, ` (${c.lastFailure.reason})`) : null,
      ),
    );
  }
  rows.push(fact('Customer impact', c.customerImpact));
  return rows;
}

function teams(c: EntityContractStatus): HTMLElement {
  return h(
    'div',
    { class: 'teams' },
    h('p', { class: 'owner' }, h('span', { class: 'term' }, 'Owner: '), team(c.owner)),
    escalationList(c.escalation),
  );
}

/** The escalation path as an ordered list, or nothing when there is none. */
export function escalationList(escalation: TeamView[]): HTMLElement | null {
  if (escalation.length === 0) return null;
  return h(
    'div',
    { class: 'escalation' },
    h('p', { class: 'term' }, 'Escalate to, in order:'),
    h(
      'ol',
      null,
      escalation.map((t) => h('li', null, team(t))),
    ),
  );
}

/** A team's name, how to reach it and whether it is on duty. */
export function team(t: TeamView): Child[] {
  const reach = reachLine(t);
  return [
    h('strong', null, t.name),
    reach ? ` · ${reach}` : '',
    ' · ',
    h(
      'span',
      { class: `duty duty-${t.onDuty === true ? 'on' : t.onDuty === false ? 'off' : 'unknown'}` },
      dutyText(t),
    ),
  ];
}
