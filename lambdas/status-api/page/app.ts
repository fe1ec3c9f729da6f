/**
 * The support status page: look up a customer (or any entity type the contracts carry) and see at
 * a glance whether it is in sync, since when, what the customer feels, what to do and whom to call;
 * plus the contracts overview with the "fix first" ranking, and the incidents.
 *
 * Toolchain: plain TypeScript over DOM APIs, bundled and minified by esbuild (already a dependency)
 * into a module the status API serves. No framework: the page is four read-only views rebuilt
 * from JSON every 30 seconds, so it needs no component state, diffing or reactivity; React or Vue
 * would add 40-130 KB, a dependency to keep patched and a build plugin, and save a few dozen lines.
 * Everything from an answer goes into the DOM as text (dom.ts), never as markup.
 *
 * Privacy: the only personal data in the URL is the id the user typed (in the hash, which browsers
 * never send to servers); nothing is stored (no localStorage, cookies or history of searches).
 */
/// <reference lib="dom.iterable" />
import { mapLimit } from '../../commons/map-limit.js';
import type { EntityStatus } from '../entities.js';
import type { IncidentDetail, IncidentSummary } from '../incidents.js';
import type { Priorities } from '../priorities.js';
import { ApiProblemError, getJson, PageLoadError } from './client.js';
import { type Child, h } from './dom.js';
import { clockTime, type IdRule, idProblem, parseRoute, type Route, routeHash } from './format.js';
import { type ContractList, contractsView } from './views/contracts.js';
import { entityCards, verdictContent, verdictKey } from './views/entity.js';
import { incidentsView, incidentView, type ListedIncident } from './views/incidents.js';

/** The answer of GET /v1/meta. */
interface Meta {
  stage: string;
  entityTypes: Array<{ type: string; contracts: string[] }>;
  entityId: IdRule;
}

/** How often the shown view is read again. */
const REFRESH_MS = 30_000;
/** Incidents read per page (each one's details are read too). */
const INCIDENTS_PAGE = 20;
/** The most incidents the list shows (the API's largest page). */
const INCIDENTS_MAX = 100;
/** Incident details read at once. */
const DETAIL_CONCURRENCY = 4;

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page template has no #${id}`);
  return element as T;
}

const ui = {
  main: byId<HTMLElement>('main'),
  search: byId<HTMLElement>('search'),
  form: byId<HTMLFormElement>('search-form'),
  type: byId<HTMLSelectElement>('entity-type'),
  id: byId<HTMLInputElement>('entity-id'),
  idError: byId<HTMLElement>('entity-id-error'),
  verdict: byId<HTMLElement>('verdict'),
  view: byId<HTMLElement>('view'),
  statusLine: byId<HTMLElement>('status-line'),
  updated: byId<HTMLElement>('updated'),
  refresh: byId<HTMLButtonElement>('refresh'),
  stage: byId<HTMLElement>('stage'),
};

let meta: Meta | undefined;
let current: Route = { view: 'home' };
let inFlight: AbortController | undefined;
let lastVerdictKey = '';
let lastLoadedAt: Date | undefined;
let lastRouteHash = '';
let pendingFocus = false;
/** How many incidents the list reads; "Show older incidents" raises it, leaving the list resets it. */
let incidentLimit = INCIDENTS_PAGE;

// ---------------------------------------------------------------------------------------------
// Loading and rendering
// ---------------------------------------------------------------------------------------------

/** Reads the data of the current route and shows it; `refresh` keeps what is shown while reading. */
async function load(refresh: boolean): Promise<void> {
  inFlight?.abort();
  const controller = new AbortController();
  inFlight = controller;
  const route = current;
  if (!refresh) {
    showLoading(route);
  }
  try {
    if (!meta) meta = await getJson<Meta>('meta', controller.signal).then(applyMeta);
    const content = await read(route, controller.signal);
    if (controller.signal.aborted) return;
    render(content, refresh);
    lastLoadedAt = new Date();
    setStatus(`Updated at ${clockTime(lastLoadedAt)}`, false);
  } catch (error) {
    if (controller.signal.aborted) return;
    showError(error, refresh, route);
  } finally {
    if (inFlight === controller) {
      inFlight = undefined;
      ui.view.setAttribute('aria-busy', 'false');
    }
  }
}

type Content =
  | { kind: 'home'; priorities: Priorities | undefined }
  | { kind: 'entity'; status: EntityStatus }
  | { kind: 'contracts'; list: ContractList; priorities: Priorities }
  | { kind: 'incidents'; state: 'open' | 'resolved'; incidents: ListedIncident[]; more: boolean }
  | { kind: 'incident'; detail: IncidentDetail }
  | { kind: 'not-found' };

async function read(route: Route, signal: AbortSignal): Promise<Content> {
  switch (route.view) {
    case 'home': {
      // The estate line is a bonus: the home view works without it.
      const priorities = await getJson<Priorities>('priorities', signal).catch((error: unknown) => {
        if (signal.aborted) throw error;
        return undefined;
      });
      return { kind: 'home', priorities };
    }
    case 'entity': {
      const path = `entities/${encodeURIComponent(route.type)}/${encodeURIComponent(route.id)}`;
      return { kind: 'entity', status: await getJson<EntityStatus>(path, signal) };
    }
    case 'contracts': {
      const [list, priorities] = await Promise.all([
        getJson<ContractList>('contracts', signal),
        getJson<Priorities>('priorities', signal),
      ]);
      return { kind: 'contracts', list, priorities };
    }
    case 'incidents': {
      const page = await getJson<{ incidents: IncidentSummary[]; nextCursor: string | null }>(
        `incidents?state=${route.state}&limit=${incidentLimit}`,
        signal,
      );
      const incidents = await mapLimit(page.incidents, DETAIL_CONCURRENCY, async (summary) => {
        try {
          return {
            detail: await getJson<IncidentDetail>(`incidents/${encodeURIComponent(summary.id)}`, signal),
          };
        } catch (error) {
          if (signal.aborted) throw error;
          return { summary, problem: error instanceof Error ? error.message : 'unknown error' };
        }
      });
      return {
        kind: 'incidents',
        state: route.state,
        incidents,
        more: page.nextCursor !== null && incidentLimit < INCIDENTS_MAX,
      };
    }
    case 'incident':
      return {
        kind: 'incident',
        detail: await getJson<IncidentDetail>(`incidents/${encodeURIComponent(route.id)}`, signal),
      };
    case 'not-found':
      return { kind: 'not-found' };
  }
}

function render(content: Content, refresh: boolean): void {
  const now = new Date();
  const focusKey = refresh ? focusedKey() : undefined;
  // Disclosures the reader opened stay open across refreshes.
  const opened = refresh
    ? [...ui.view.querySelectorAll<HTMLElement>('details[open][data-open-key]')].map((d) => d.dataset.openKey)
    : [];
  let view: Child;
  switch (content.kind) {
    case 'home':
      view = homeView(content.priorities);
      setVerdict(undefined);
      break;
    case 'entity':
      setVerdict(content.status);
      setFieldError(undefined);
      view = entityCards(content.status, checkedAt(content.status.checkedAt, now));
      break;
    case 'contracts':
      setVerdict(undefined);
      view = contractsView(content.list, content.priorities, checkedAt(content.list.checkedAt, now));
      break;
    case 'incidents':
      setVerdict(undefined);
      view = incidentsView(content.state, content.incidents, content.more, now);
      break;
    case 'incident':
      setVerdict(undefined);
      view = incidentView(content.detail, now);
      break;
    case 'not-found':
      setVerdict(undefined);
      view = h(
        'div',
        { class: 'panel' },
        h('h1', null, 'Nothing here'),
        h(
          'p',
          null,
          'This link does not name a view of the status page. ',
          h('a', { href: '#/' }, 'Look up a customer'),
          ' instead.',
        ),
      );
      break;
  }
  ui.view.replaceChildren(view);
  for (const key of opened) {
    if (key) ui.view.querySelector(`details[data-open-key="${CSS.escape(key)}"]`)?.setAttribute('open', '');
  }
  if (focusKey) restoreFocus(focusKey);
  if (pendingFocus) moveFocusToView();
}

/** The server's clock when the answer has one (relative times then agree with the API's own words). */
function checkedAt(iso: string, fallback: Date): Date {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? fallback : new Date(ms);
}

function homeView(priorities: Priorities | undefined): HTMLElement {
  return h(
    'div',
    { class: 'home' },
    h(
      'p',
      null,
      'Type the id from the ticket and press Enter. The answer says whether every system shows the latest data, what the customer may notice, and what to do next.',
    ),
    priorities
      ? h(
          'section',
          { class: 'panel estate', 'aria-labelledby': 'estate-heading' },
          h('h2', { id: 'estate-heading' }, 'Right now'),
          h('p', null, priorities.summary, ' ', h('a', { href: '#/contracts' }, 'See every contract'), '.'),
        )
      : null,
  );
}

function showLoading(route: Route): void {
  ui.view.setAttribute('aria-busy', 'true');
  // A verdict about someone else must not stay up while this one loads.
  if (route.view !== 'entity' || !lastVerdictKey.startsWith(`${route.type}/${route.id}|`))
    setVerdict(undefined);
  const what =
    route.view === 'entity'
      ? `Looking up ${route.type} ${route.id}…`
      : route.view === 'contracts'
        ? 'Reading every contract…'
        : route.view === 'incidents' || route.view === 'incident'
          ? 'Reading incidents…'
          : 'Loading…';
  ui.view.replaceChildren(
    h('p', { class: 'loading' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), what),
  );
}

function showError(error: unknown, refresh: boolean, route: Route): void {
  const message =
    error instanceof PageLoadError
      ? error.message
      : 'Something went wrong showing this answer. Reload the page.';
  if (refresh && ui.view.childElementCount > 0 && !ui.view.querySelector('.loading')) {
    // Keep what is shown; say it is old.
    setStatus(
      `Could not refresh at ${clockTime(new Date())}: ${message}${lastLoadedAt ? ` Showing data from ${clockTime(lastLoadedAt)}.` : ''}`,
      true,
    );
    return;
  }
  const answered =
    error instanceof ApiProblemError &&
    error.status >= 400 &&
    error.status < 500 &&
    ![401, 403, 429].includes(error.status);
  if (route.view === 'entity' && error instanceof ApiProblemError && error.status === 400) {
    // A malformed id for this type: say so next to the field too.
    setFieldError(error.message);
  }
  setVerdict(undefined);
  ui.view.replaceChildren(
    h(
      'div',
      { class: 'problem-panel', role: 'alert', 'data-answered': answered },
      h('p', { class: 'problem-title' }, problemTitle(error, route)),
      h('p', { class: 'problem-message' }, message),
      error instanceof ApiProblemError && error.requestId
        ? h('p', { class: 'quiet' }, `Request id (quote it if you ask for help): ${error.requestId}`)
        : null,
      answered
        ? null
        : h('button', { type: 'button', class: 'secondary', 'data-action': 'retry' }, 'Try again'),
    ),
  );
  // A 4xx is an answer (the request was wrong), not an outage: asking again would not help.
  if (answered) setStatus(`Answered at ${clockTime(new Date())}`, false);
  else setStatus(`Failed at ${clockTime(new Date())}`, true);
}

function problemTitle(error: unknown, route: Route): string {
  if (error instanceof ApiProblemError && route.view === 'entity') {
    if (error.status === 400) return 'That id cannot be looked up';
    if (error.status === 404) return 'Nothing to look up';
  }
  if (error instanceof ApiProblemError && error.status === 404) return 'Not found';
  return 'The answer could not be shown';
}

function setStatus(text: string, problem: boolean): void {
  ui.updated.textContent = text;
  ui.statusLine.classList.toggle('status-problem', problem);
}

function setVerdict(status: EntityStatus | undefined): void {
  if (!status) {
    ui.verdict.hidden = true;
    if (lastVerdictKey !== '') ui.verdict.replaceChildren();
    lastVerdictKey = '';
    return;
  }
  ui.verdict.hidden = false;
  const key = verdictKey(status);
  // The banner is a live region: change it only when the words change, so screen readers
  // announce a new verdict, not every refresh.
  if (key === lastVerdictKey) return;
  lastVerdictKey = key;
  ui.verdict.replaceChildren(verdictContent(status));
}

// ---------------------------------------------------------------------------------------------
// Focus: kept across refreshes, moved to the new view on navigation
// ---------------------------------------------------------------------------------------------

function focusedKey(): string | undefined {
  const active = document.activeElement;
  if (!(active instanceof HTMLElement) || !ui.view.contains(active)) return undefined;
  return active.dataset.key ?? (active.id || undefined);
}

function restoreFocus(key: string): void {
  const target =
    ui.view.querySelector<HTMLElement>(`[data-key="${CSS.escape(key)}"]`) ?? document.getElementById(key);
  target?.focus({ preventScroll: true });
}

function moveFocusToView(): void {
  pendingFocus = false;
  const heading = ui.view.querySelector<HTMLElement>('h1');
  const target = heading ?? ui.main;
  if (heading) heading.tabIndex = -1;
  target.focus({ preventScroll: false });
}

// ---------------------------------------------------------------------------------------------
// Search form
// ---------------------------------------------------------------------------------------------

function applyMeta(m: Meta): Meta {
  ui.stage.textContent = m.stage;
  ui.stage.hidden = false;
  const selected = current.view === 'entity' ? current.type : ui.type.value || m.entityTypes[0]?.type;
  ui.type.replaceChildren(
    ...m.entityTypes.map((t) => h('option', { value: t.type, selected: t.type === selected }, t.type)),
  );
  const types = m.entityTypes.map((t) => t.type);
  if (types.length > 0) byId('search-heading').textContent = `Look up a ${types.join(' or ')}`;
  ui.type.disabled = false;
  ui.id.disabled = false;
  ui.id.maxLength = m.entityId.maxLength;
  byId('entity-id-hint').textContent =
    `Letters, digits and . _ : @ + = ~ - only; as shown in the source system.`;
  byId('search-button').removeAttribute('disabled');
  return m;
}

function setFieldError(message: string | undefined): void {
  ui.idError.textContent = message ?? '';
  ui.idError.hidden = message === undefined;
  if (message) ui.id.setAttribute('aria-invalid', 'true');
  else ui.id.removeAttribute('aria-invalid');
}

function onSubmit(event: SubmitEvent): void {
  event.preventDefault();
  const type = ui.type.value;
  const id = ui.id.value.trim();
  const problem = meta ? idProblem(id, meta.entityId) : id === '' ? 'Enter an id.' : undefined;
  if (problem) {
    setFieldError(problem);
    ui.id.focus();
    return;
  }
  setFieldError(undefined);
  const hash = routeHash({ view: 'entity', type, id });
  if (location.hash === hash) void load(false);
  else location.hash = hash;
}

// ---------------------------------------------------------------------------------------------
// Routing
// ---------------------------------------------------------------------------------------------

function onRoute(initial: boolean): void {
  current = parseRoute(location.hash);
  const hash = routeHash(current);
  const changed = hash !== lastRouteHash;
  lastRouteHash = hash;
  if (changed) incidentLimit = INCIDENTS_PAGE;
  const searching = current.view === 'home' || current.view === 'entity';
  ui.search.hidden = !searching;
  const route = current;
  if (route.view === 'entity') {
    if ([...ui.type.options].some((o) => o.value === route.type)) ui.type.value = route.type;
    ui.id.value = route.id;
  }
  for (const link of document.querySelectorAll<HTMLAnchorElement>('[data-nav]')) {
    const active =
      link.dataset.nav === current.view ||
      (link.dataset.nav === 'home' && current.view === 'entity') ||
      (link.dataset.nav === 'incidents' && current.view === 'incident');
    if (active) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = `${titleOf(current)} · handoff status`;
  // Navigating to another view moves focus to it (screen readers hear the new heading); a new
  // search keeps focus in the form, where the verdict is announced by its live region.
  pendingFocus = !initial && changed && !searching;
  void load(false);
}

function titleOf(route: Route): string {
  switch (route.view) {
    case 'home':
      return 'Look up';
    case 'entity':
      return `${route.type} ${route.id}`;
    case 'contracts':
      return 'Contracts';
    case 'incidents':
      return route.state === 'open' ? 'Open incidents' : 'Resolved incidents';
    case 'incident':
      return 'Incident';
    case 'not-found':
      return 'Not found';
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers and start
// ---------------------------------------------------------------------------------------------

function start(): void {
  ui.form.addEventListener('submit', onSubmit);
  ui.id.addEventListener('input', () => {
    if (!ui.idError.hidden) setFieldError(undefined);
  });
  ui.refresh.addEventListener('click', () => void load(true));
  ui.view.addEventListener('click', (event) => {
    const action = event.target instanceof Element ? event.target.closest('[data-action]') : null;
    if (action?.getAttribute('data-action') === 'retry') void load(false);
    if (action?.getAttribute('data-action') === 'more-incidents') {
      incidentLimit = Math.min(INCIDENTS_MAX, incidentLimit + INCIDENTS_PAGE);
      void load(true);
    }
  });
  // The skip link focuses the content without touching the hash (the hash is the route).
  byId('skip-link').addEventListener('click', (event) => {
    event.preventDefault();
    ui.main.focus();
  });
  window.addEventListener('hashchange', () => onRoute(false));
  setInterval(() => {
    // An answered 4xx (a mistyped id) does not change by asking again.
    if (ui.view.querySelector('[data-answered]')) return;
    if (document.visibilityState === 'visible' && !inFlight) void load(true);
  }, REFRESH_MS);
  document.addEventListener('visibilitychange', () => {
    // Back on a tab left for a while: read again at once rather than show old data.
    if (
      document.visibilityState === 'visible' &&
      lastLoadedAt &&
      Date.now() - lastLoadedAt.getTime() > REFRESH_MS
    )
      void load(true);
  });
  onRoute(true);
}

start();
