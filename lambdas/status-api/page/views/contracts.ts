/**
 * The contracts view: what to fix first (GET /v1/priorities, with the reason for each rank), then
 * every contract's health, tier, owner, open incidents and dead letters (GET /v1/contracts, worst
 * first), then the tier dead-letter queues.
 */
import type { ContractSummary, DeadLetterQueueView } from '../../contracts.js';
import type { Priorities, Priority } from '../../priorities.js';
import { badge, h, timeEl } from '../dom.js';
import { count, dutyText, healthLabel, reachLine } from '../format.js';

/** The answer of GET /v1/contracts. */
export interface ContractList {
  checkedAt: string;
  contracts: ContractSummary[];
  deadLetterQueues: DeadLetterQueueView[];
  openIncidentsComplete: boolean;
}

/** The whole view. */
export function contractsView(list: ContractList, priorities: Priorities, now: Date): HTMLElement {
  const notOk = list.contracts.filter((c) => c.health !== 'ok').length;
  return h(
    'div',
    { class: 'contracts-view' },
    h('h1', null, 'Contracts'),
    h(
      'p',
      { class: 'lead' },
      notOk === 0
        ? `All ${count(list.contracts.length, 'contract')} are healthy.`
        : `${count(notOk, 'contract')} of ${list.contracts.length} need${notOk === 1 ? 's' : ''} attention.`,
    ),
    fixFirst(priorities),
    overview(list, now),
    queues(list.deadLetterQueues),
  );
}

function fixFirst(priorities: Priorities): HTMLElement {
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'fix-first-heading' },
    h('h2', { id: 'fix-first-heading' }, 'Fix first'),
    h('p', null, priorities.summary),
    priorities.priorities.length > 0
      ? h(
          'ol',
          { class: 'priorities' },
          priorities.priorities.map((p) => priority(p)),
        )
      : null,
  );
}

function priority(p: Priority): HTMLElement {
  const reach = reachLine(p.fix.team);
  return h(
    'li',
    { class: 'priority', 'data-contract': p.contractId },
    h(
      'p',
      { class: 'priority-title' },
      h('strong', null, p.fix.system.name),
      ' — ',
      h('code', null, p.contractId),
      ' ',
      badge(healthLabel(p.health)),
    ),
    h('p', null, p.fix.what, '.'),
    h(
      'p',
      { class: 'priority-team' },
      'Who: ',
      h('strong', null, p.fix.team.name),
      reach ? ` · ${reach}` : '',
      ` · ${dutyText(p.fix.team)}`,
    ),
    h('p', { class: 'reason' }, 'Why this rank: ', p.reason),
  );
}

function overview(list: ContractList, now: Date): HTMLElement {
  const caption = `Every contract, worst first${list.openIncidentsComplete ? '' : ' (incident counts may be incomplete)'}`;
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'overview-heading' },
    h('h2', { id: 'overview-heading' }, 'Health of every contract'),
    h(
      'div',
      {
        class: 'table-scroll',
        tabindex: '0',
        role: 'region',
        'aria-label': 'Contracts table (scrolls sideways)',
      },
      h(
        'table',
        { class: 'contracts-table' },
        h('caption', null, caption),
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            ['Contract', 'Health', 'Tier', 'Owner', 'Open incidents', 'Dead letters', 'Last success'].map(
              (t) => h('th', { scope: 'col' }, t),
            ),
          ),
        ),
        h(
          'tbody',
          null,
          list.contracts.map((c) => row(c, now)),
        ),
      ),
    ),
  );
}

function row(c: ContractSummary, now: Date): HTMLElement {
  const atLeast = c.countsComplete ? '' : 'at least ';
  return h(
    'tr',
    { 'data-contract': c.id, 'data-health': c.health },
    h(
      'th',
      { scope: 'row' },
      h('code', null, c.id),
      h('span', { class: 'row-systems' }, `${c.source.name} → ${c.target.name}`),
    ),
    h(
      'td',
      null,
      badge(healthLabel(c.health)),
      c.healthReasons.length > 0
        ? h(
            'ul',
            { class: 'reasons' },
            c.healthReasons.map((r) => h('li', null, r)),
          )
        : null,
    ),
    h('td', { class: 'tier' }, c.tier),
    h(
      'td',
      null,
      h('span', { class: 'owner-name' }, c.owner.name),
      c.owner.oncallChannel ? h('span', { class: 'row-reach' }, c.owner.oncallChannel) : null,
    ),
    h('td', { class: c.openIncidents > 0 ? 'num attention' : 'num' }, String(c.openIncidents)),
    h(
      'td',
      { class: c.deadLettersWaiting > 0 ? 'num attention' : 'num' },
      `${c.deadLettersWaiting > 0 ? atLeast : ''}${c.deadLettersWaiting}`,
    ),
    h('td', null, c.lastSuccessAt ? timeEl(c.lastSuccessAt, now) : 'never'),
  );
}

function queues(queues: DeadLetterQueueView[]): HTMLElement {
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'queues-heading' },
    h('h2', { id: 'queues-heading' }, 'Dead-letter queues'),
    h(
      'ul',
      { class: 'queues' },
      queues.map((q) =>
        h(
          'li',
          null,
          h('strong', null, `${q.tier} tier`),
          ': ',
          q.approximateMessages === null
            ? `depth unknown${q.note ? ` (${q.note})` : ''}`
            : `${count(q.approximateMessages, 'message')} waiting`,
          ' ',
          h('code', { class: 'quiet' }, q.name),
        ),
      ),
    ),
  );
}
