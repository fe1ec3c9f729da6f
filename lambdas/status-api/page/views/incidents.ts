/**
 * The incidents views: the list (open by default, newest first) with owner, customer impact, next
 * action, notes and when each opened; and one incident in full, with its escalation path and the
 * commands on-call runs.
 */
import type { IncidentDetail, IncidentSummary } from '../../incidents.js';
import { badge, type Child, externalLink, fact, h, timeEl } from '../dom.js';
import { count, durationText, incidentLabel, isSafeLink, routeHash } from '../format.js';
import { escalationList, team } from './entity.js';

/** An incident in the list: its detail, or only its summary when the detail could not be read. */
export type ListedIncident = { detail: IncidentDetail } | { summary: IncidentSummary; problem: string };

/** A resolved incident's card is quiet: colour only says how urgent an open one is. */
function tone(i: IncidentSummary): string {
  return i.state === 'open' ? incidentLabel(i).tone : 'neutral';
}

/** The list view. */
export function incidentsView(
  state: 'open' | 'resolved',
  incidents: ListedIncident[],
  more: boolean,
  now: Date,
): HTMLElement {
  const other = state === 'open' ? 'resolved' : 'open';
  return h(
    'div',
    { class: 'incidents-view' },
    h('h1', null, state === 'open' ? 'Open incidents' : 'Resolved incidents'),
    h(
      'p',
      { class: 'lead' },
      incidents.length === 0
        ? state === 'open'
          ? 'No incident is open: every alarm handoff watches is quiet.'
          : 'No resolved incidents yet.'
        : `${count(incidents.length, state === 'open' ? 'open incident' : 'resolved incident')}${more ? ' shown, the newest; there are more' : ', newest first'}.`,
      ' ',
      h(
        'a',
        { href: routeHash({ view: 'incidents', state: other }), 'data-key': `incidents-${other}` },
        `Show ${other} incidents`,
      ),
    ),
    incidents.length > 0
      ? h(
          'ul',
          { class: 'incident-list', role: 'list' },
          incidents.map((i) =>
            h('li', null, 'detail' in i ? incidentCard(i.detail, now) : summaryCard(i, now)),
          ),
        )
      : null,
    more
      ? h(
          'p',
          null,
          h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              'data-action': 'more-incidents',
              'data-key': 'more-incidents',
            },
            'Show older incidents',
          ),
        )
      : null,
  );
}

function incidentCard(i: IncidentDetail, now: Date): HTMLElement {
  const titleId = `incident-${i.id}`;
  return h(
    'article',
    {
      class: `incident tone-${tone(i)}`,
      'aria-labelledby': titleId,
      'data-incident': i.id,
    },
    header(i, titleId, now),
    h('p', { class: 'incident-summary' }, i.summary),
    h(
      'div',
      { class: 'next-action' },
      h('p', { class: 'action-label' }, 'Next action'),
      h('p', { class: 'action-text' }, i.nextAction),
    ),
    h(
      'dl',
      { class: 'facts' },
      fact('Customer impact', i.customerImpact),
      fact('Owner', team(i.owner)),
      fact('Runbook', externalLink(i.runbook.url, i.runbook.title, isSafeLink)),
    ),
    notes(i, now),
    h(
      'p',
      null,
      h(
        'a',
        { href: routeHash({ view: 'incident', id: i.id }), 'data-key': `incident-${i.id}` },
        'Details, escalation and commands',
      ),
    ),
  );
}

function summaryCard(i: { summary: IncidentSummary; problem: string }, now: Date): HTMLElement {
  const s = i.summary;
  const titleId = `incident-${s.id}`;
  return h(
    'article',
    {
      class: `incident tone-${tone(s)}`,
      'aria-labelledby': titleId,
      'data-incident': s.id,
    },
    header(s, titleId, now),
    h('p', { class: 'incident-summary' }, s.summary),
    h('p', { class: 'problem' }, `The details of this incident could not be read: ${i.problem}`),
    h('dl', { class: 'facts' }, fact('Owner', team(s.owner))),
    h('p', null, h('a', { href: routeHash({ view: 'incident', id: s.id }) }, 'Try the details page')),
  );
}

function header(i: IncidentSummary, titleId: string, now: Date): Child[] {
  return [
    h(
      'header',
      { class: 'card-header' },
      h('h2', { id: titleId, class: 'incident-title' }, i.title),
      badge(incidentLabel(i), 'card-badge'),
    ),
    meta(i, now),
  ];
}

function meta(i: IncidentSummary, now: Date): HTMLElement {
  return h(
    'p',
    { class: 'card-meta' },
    i.contractId ? [h('code', null, i.contractId), ' · '] : null,
    `${i.tier} tier (${i.severity}) · opened `,
    timeEl(i.openedAt, now),
    i.resolvedAt ? [' · resolved ', timeEl(i.resolvedAt, now)] : null,
    i.durationSeconds !== null
      ? ` · ${i.state === 'open' ? 'open for' : 'lasted'} ${durationText(i.durationSeconds)}`
      : null,
  );
}

function notes(i: IncidentDetail, now: Date): HTMLElement {
  if (i.notes.length === 0) return h('p', { class: 'notes-empty' }, 'No notes yet.');
  return h(
    'section',
    { class: 'notes', 'aria-label': `Notes on ${i.title}` },
    h('p', { class: 'term' }, `Notes (${i.notes.length})`),
    h(
      'ol',
      null,
      i.notes.map((n) =>
        h(
          'li',
          null,
          h('p', { class: 'note-meta' }, timeEl(n.at, now), ` · ${n.author}`),
          h('p', { class: 'note-text' }, n.text),
        ),
      ),
    ),
  );
}

/** One incident in full. */
export function incidentView(i: IncidentDetail, now: Date): HTMLElement {
  const titleId = `incident-${i.id}`;
  return h(
    'div',
    { class: 'incident-view' },
    h(
      'p',
      null,
      h(
        'a',
        { href: routeHash({ view: 'incidents', state: i.state }) },
        `← ${i.state === 'open' ? 'Open' : 'Resolved'} incidents`,
      ),
    ),
    h(
      'article',
      {
        class: `incident tone-${tone(i)}`,
        'aria-labelledby': titleId,
        'data-incident': i.id,
      },
      h(
        'header',
        { class: 'card-header' },
        h('h1', { id: titleId, class: 'incident-title' }, i.title),
        badge(incidentLabel(i), 'card-badge'),
      ),
      meta(i, now),
      h('p', { class: 'incident-summary' }, i.summary),
      h(
        'div',
        { class: 'next-action' },
        h('p', { class: 'action-label' }, 'Next action'),
        h('p', { class: 'action-text' }, i.nextAction),
      ),
      h(
        'dl',
        { class: 'facts' },
        fact('State', i.state === 'open' ? 'Open' : 'Resolved'),
        fact('Customer impact', i.customerImpact),
        i.contract
          ? fact(
              'Contract',
              h('code', null, i.contract.id),
              ` — ${i.contract.source.name} → ${i.contract.target.name}`,
            )
          : null,
        i.contract ? fact('Meanwhile', i.contract.fallback) : null,
        fact('Owner', team(i.owner)),
        fact('Runbook', externalLink(i.runbook.url, i.runbook.title, isSafeLink)),
        fact('Alarm', h('code', null, i.alarmName)),
      ),
      escalationList(i.escalation),
      notes(i, now),
      i.commands.length > 0
        ? h(
            'section',
            { class: 'commands', 'aria-labelledby': `${titleId}-commands` },
            h('h2', { id: `${titleId}-commands` }, 'Commands for on-call'),
            h(
              'ul',
              { class: 'commands-list' },
              i.commands.map((c) =>
                h('li', null, h('p', null, c.purpose), h('pre', null, h('code', null, c.command))),
              ),
            ),
          )
        : null,
    ),
  );
}
