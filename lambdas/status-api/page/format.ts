/**
 * Pure helpers of the support page: times in words, state and health labels, team reachability,
 * id checks and hash routes. No DOM here, so Node tests cover them directly.
 */
import type { SupportState } from '../../commons/sync-status.js';
import type { ContractHealth } from '../contracts.js';
import type { TeamView } from '../views.js';

/** How a state looks: a colour family (never shown alone), a symbol and a text label. */
export type Tone = 'ok' | 'warn' | 'bad' | 'neutral';

/** A label for a state or health: text first, tone and symbol as reinforcement. */
export interface Label {
  text: string;
  tone: Tone;
  /** A symbol shown next to the text (decorative: screen readers read the text). */
  symbol: string;
}

const SYMBOLS: Record<Tone, string> = { ok: '✓', warn: '!', bad: '✕', neutral: '?' };
const label = (text: string, tone: Tone): Label => ({ text, tone, symbol: SYMBOLS[tone] });

const STATE_LABELS: Record<SupportState, Label> = {
  in_sync: label('In sync', 'ok'),
  retrying: label('Retrying', 'warn'),
  degraded: label('Degraded: retrying', 'warn'),
  stale: label('Stale: late', 'bad'),
  failed: label('Failed: needs people', 'bad'),
  unknown: label('Not seen yet', 'neutral'),
};

/** The label of a support state (the API's `state`). */
export function stateLabel(state: SupportState | string): Label {
  return STATE_LABELS[state as SupportState] ?? label(state, 'neutral');
}

const HEALTH_LABELS: Record<ContractHealth, Label> = {
  ok: label('Healthy', 'ok'),
  degraded: label('Degraded', 'warn'),
  stale: label('Stale', 'bad'),
  failing: label('Failing', 'bad'),
};

/** The label of a contract's health. */
export function healthLabel(health: ContractHealth | string): Label {
  return HEALTH_LABELS[health as ContractHealth] ?? label(health, 'neutral');
}

/** The label of an incident's severity: pages are urgent, tickets and digests less so. */
export function severityLabel(severity: string): Label {
  if (severity === 'page') return label('Page', 'bad');
  if (severity === 'ticket') return label('Ticket', 'warn');
  return label(severity.charAt(0).toUpperCase() + severity.slice(1), 'neutral');
}

/** The label of an incident: its severity while open ("Page"), "Resolved" once it is. */
export function incidentLabel(incident: { state: string; severity: string }): Label {
  return incident.state === 'open' ? severityLabel(incident.severity) : label('Resolved', 'ok');
}

// ---------------------------------------------------------------------------------------------
// Times
// ---------------------------------------------------------------------------------------------

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * A duration as the API words it (views.ts durationText, which a test keeps this equal to):
 * "less than a minute", "25 minutes", "2 hours 5 minutes", "3 days 4 hours". Not imported from
 * there, so the page's bundle carries none of the server's tables.
 */
export function durationText(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return 'less than a minute';
  if (s < 3600) return plural(Math.floor(s / 60), 'minute');
  if (s < 86_400) {
    const m = Math.floor((s % 3600) / 60);
    return `${plural(Math.floor(s / 3600), 'hour')}${m ? ` ${plural(m, 'minute')}` : ''}`;
  }
  const h = Math.floor((s % 86_400) / 3600);
  return `${plural(Math.floor(s / 86_400), 'day')}${h ? ` ${plural(h, 'hour')}` : ''}`;
}

/**
 * "12 minutes ago", "in 3 minutes", "just now": how long ago (or until) an ISO time, rounded down
 * to its largest unit. Times less than a minute away either way are "just now" (clocks differ by
 * seconds); an unreadable time is "at an unknown time".
 */
export function relativeTime(iso: string, now: Date): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return 'at an unknown time';
  const seconds = Math.round((now.getTime() - ms) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 60) return 'just now';
  let amount: string;
  if (abs < 3600) amount = plural(Math.floor(abs / 60), 'minute');
  else if (abs < 86_400) amount = plural(Math.floor(abs / 3600), 'hour');
  else amount = plural(Math.floor(abs / 86_400), 'day');
  return seconds > 0 ? `${amount} ago` : `in ${amount}`;
}

/** "2026-11-30 14:10:05 UTC": an ISO time, exact, in UTC (the zone the API's own sentences use). */
export function utcText(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return 'unknown time';
  const text = new Date(ms).toISOString();
  return `${text.slice(0, 10)} ${text.slice(11, 19)} UTC`;
}

/** "14:10:05": a time of day in a zone (the viewer's by default), for "updated at". */
export function clockTime(at: Date, timeZone?: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    ...(timeZone ? { timeZone } : {}),
  }).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  return `${part('hour')}:${part('minute')}:${part('second')}`;
}

/**
 * The hover text of a time: exact in UTC, and in the viewer's zone when that differs, e.g.
 * "2026-11-30 14:10:05 UTC (15:10:05 Europe/Paris)".
 */
export function timeTitle(iso: string, timeZone?: string): string {
  const exact = utcText(iso);
  const ms = Date.parse(iso);
  const zone = timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (Number.isNaN(ms) || !zone || zone === 'UTC' || zone === 'Etc/UTC') return exact;
  try {
    return `${exact} (${clockTime(new Date(ms), zone)} ${zone})`;
  } catch {
    return exact; // a zone this browser cannot format: UTC alone is still exact
  }
}

// ---------------------------------------------------------------------------------------------
// Teams
// ---------------------------------------------------------------------------------------------

/** Whether a team answers now, in words: "on duty now", "off duty now (Mon-Fri 08:00-18:00 …)". */
export function dutyText(team: Pick<TeamView, 'onDuty' | 'hours'>): string {
  if (team.onDuty === true) return 'on duty now';
  if (team.onDuty === false) return `off duty now${team.hours ? ` (hours: ${team.hours})` : ''}`;
  return team.hours ? `hours: ${team.hours}` : 'hours unknown';
}

/** How to reach a team, in one line: "#support-tools-oncall · PagerDuty service "Support Tooling"". */
export function reachLine(team: Pick<TeamView, 'oncallChannel' | 'pager'>): string {
  return [team.oncallChannel, team.pager].filter((w): w is string => Boolean(w)).join(' · ');
}

// ---------------------------------------------------------------------------------------------
// Input and links
// ---------------------------------------------------------------------------------------------

/** The API's rule for entity ids, as GET /v1/meta describes it. */
export interface IdRule {
  pattern: string;
  maxLength: number;
  description: string;
}

/**
 * Checks an id as the API will, before asking it, so a typo is answered at once; returns the
 * problem in words or undefined. Per-type formats (a whole number for tickets) stay the API's to
 * check: its message names them.
 */
export function idProblem(value: string, rule: IdRule): string | undefined {
  if (value.length === 0) return 'Enter an id.';
  if (value.length > rule.maxLength)
    return `The id is too long: ids have at most ${rule.maxLength} characters.`;
  let pattern: RegExp;
  try {
    pattern = new RegExp(rule.pattern, 'u');
  } catch {
    return undefined; // an unreadable rule: let the API decide
  }
  return pattern.test(value) ? undefined : `An id may only contain ${rule.description}.`;
}

/** Whether a URL from an answer may become a link: absolute http(s) only, never javascript: or data:. */
export function isSafeLink(url: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a URL with control characters is refused
  return /^https?:\/\/[^\s/?#]+/i.test(url) && !/[\u0000-\u001f\s]/.test(url);
}

// ---------------------------------------------------------------------------------------------
// Hash routes
// ---------------------------------------------------------------------------------------------

/** The page's views, as the URL hash names them (shareable: nothing else is in the URL). */
export type Route =
  | { view: 'home' }
  | { view: 'entity'; type: string; id: string }
  | { view: 'contracts' }
  | { view: 'incidents'; state: 'open' | 'resolved' }
  | { view: 'incident'; id: string }
  | { view: 'not-found'; hash: string };

/** Reads a location hash: `#/entity/customer/42`, `#/contracts`, `#/incidents`, `#/incidents/resolved`, `#/incident/<id>`. */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '');
  if (path === '' || path === '/') return { view: 'home' };
  const parts = path.replace(/^\//, '').split('/');
  let decoded: string[];
  try {
    decoded = parts.map((p) => decodeURIComponent(p));
  } catch {
    return { view: 'not-found', hash };
  }
  const [first, second, third, ...rest] = decoded;
  if (rest.length > 0) return { view: 'not-found', hash };
  if (first === 'entity' && second && third !== undefined) return { view: 'entity', type: second, id: third };
  if (first === 'contracts' && second === undefined) return { view: 'contracts' };
  if (first === 'incidents' && second === undefined) return { view: 'incidents', state: 'open' };
  if (first === 'incidents' && second === 'resolved' && third === undefined)
    return { view: 'incidents', state: 'resolved' };
  if (first === 'incident' && second && third === undefined) return { view: 'incident', id: second };
  return { view: 'not-found', hash };
}

/** The hash of a route (the inverse of parseRoute). */
export function routeHash(route: Route): string {
  switch (route.view) {
    case 'home':
      return '#/';
    case 'entity':
      return `#/entity/${encodeURIComponent(route.type)}/${encodeURIComponent(route.id)}`;
    case 'contracts':
      return '#/contracts';
    case 'incidents':
      return route.state === 'open' ? '#/incidents' : '#/incidents/resolved';
    case 'incident':
      return `#/incident/${encodeURIComponent(route.id)}`;
    case 'not-found':
      return route.hash;
  }
}

/** "7 contracts", "1 contract". */
export function count(n: number, word: string, pluralWord = `${word}s`): string {
  return `${n} ${n === 1 ? word : pluralWord}`;
}
