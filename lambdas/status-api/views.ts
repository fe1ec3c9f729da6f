/**
 * Small views shared by every answer: teams (with whether they are on duty now), systems by display
 * name, runbook links, and times and ages in words. Pure: the clock is passed in.
 */
import { FAILURE_MODES } from '../../lib/plan/failure-modes.js';
import type { RuntimePlan } from '../../lib/plan/runtime.js';
import type { FailureMode, TeamPlan, TierName, TierPlan } from '../../lib/plan/types.js';

/** A team as support sees it: how to reach it and whether it answers now. */
export interface TeamView {
  id: string;
  name: string;
  oncallChannel: string | null;
  pager: string | null;
  email: string | null;
  hours: string | null;
  /** true/false from the team's declared hours; null when the hours cannot be read or the team is unknown. */
  onDuty: boolean | null;
}

/** A system by id and display name. */
export interface SystemRef {
  id: string;
  name: string;
}

/** A runbook page: its title and full URL. */
export interface RunbookLink {
  title: string;
  url: string;
}

/** The team's view; a team id the plan does not know still yields its id (never an error). */
export function teamView(plan: RuntimePlan, id: string, now: Date): TeamView {
  const team = plan.teams.find((t) => t.id === id);
  if (!team) {
    return { id, name: id, oncallChannel: null, pager: null, email: null, hours: null, onDuty: null };
  }
  return fromTeam(team, now);
}

/** A TeamView from a team's declared contacts and hours. */
export function fromTeam(team: Omit<TeamPlan, 'ownsPlatform'>, now: Date): TeamView {
  return {
    id: team.id,
    name: team.name,
    oncallChannel: team.oncallChannel,
    pager: team.pager ?? null,
    email: team.email,
    hours: team.hours,
    onDuty: onDuty(team.hours, now),
  };
}

/** The owner first, then the escalation list without repeating the owner. */
export function escalationPath(owner: string, escalation: readonly string[]): string[] {
  return [owner, ...escalation.filter((id) => id !== owner)];
}

/** "Billing Engineering (#billing-oncall, PagerDuty service "Billing")": how to reach a team, in one phrase. */
export function reachText(team: TeamView): string {
  const ways = [team.oncallChannel, team.pager].filter((w): w is string => Boolean(w));
  return ways.length > 0 ? `${team.name} (${ways.join(', ')})` : team.name;
}

/** The first team of the path that is on duty now (or whose hours are unknown); the owner when none is. */
export function firstReachable(path: readonly TeamView[]): TeamView | undefined {
  return path.find((t) => t.onDuty !== false) ?? path[0];
}

/** The system's display name, or its id when the plan does not know it. */
export function systemRef(plan: RuntimePlan, id: string): SystemRef {
  return { id, name: plan.systems.find((s) => s.id === id)?.name ?? id };
}

/** The runbook page of a failure mode, as a full URL. */
export function runbookLink(plan: RuntimePlan, mode: FailureMode): RunbookLink {
  const info = FAILURE_MODES[mode];
  return { title: info.title, url: `${plan.runbookBaseUrl.replace(/\/+$/, '')}/${info.runbook}` };
}

/** The tier's plan; the plan always has all three tiers. */
export function tierOf(plan: RuntimePlan, tier: TierName | string): TierPlan | undefined {
  return plan.tiers.find((t) => t.name === tier);
}

/** Sort rank of a tier: critical 0, standard 1, best-effort 2; unknown tiers last. */
export function tierRank(plan: RuntimePlan, tier: string): number {
  const index = plan.tiers.findIndex((t) => t.name === tier);
  return index === -1 ? plan.tiers.length : index;
}

// ---------------------------------------------------------------------------------------------
// Times and durations in words
// ---------------------------------------------------------------------------------------------

/** "14:10 UTC" on the same UTC day as `now`, else "14:10 UTC on 2026-12-01". */
export function clockText(at: Date, now: Date): string {
  const iso = at.toISOString();
  const time = `${iso.slice(11, 16)} UTC`;
  return iso.slice(0, 10) === now.toISOString().slice(0, 10) ? time : `${time} on ${iso.slice(0, 10)}`;
}

/** A duration as people say it, rounded down: "less than a minute", "25 minutes", "2 hours 5 minutes", "3 days 4 hours". */
export function durationText(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (s < 60) return 'less than a minute';
  if (s < 3600) return unit(Math.floor(s / 60), 'minute');
  if (s < 86_400) {
    const m = Math.floor((s % 3600) / 60);
    return `${unit(Math.floor(s / 3600), 'hour')}${m ? ` ${unit(m, 'minute')}` : ''}`;
  }
  const h = Math.floor((s % 86_400) / 3600);
  return `${unit(Math.floor(s / 86_400), 'day')}${h ? ` ${unit(h, 'hour')}` : ''}`;
}

/** Whole seconds from an ISO time to now; undefined for a missing or unreadable time. */
export function secondsSince(iso: string | undefined, now: Date): number | undefined {
  if (!iso) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : Math.max(0, Math.floor((now.getTime() - ms) / 1000));
}

// ---------------------------------------------------------------------------------------------
// Team hours: "24x7" or "Mon-Fri 08:00-18:00 Europe/London"
// ---------------------------------------------------------------------------------------------

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const HOURS_PATTERN =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)(?:-(Mon|Tue|Wed|Thu|Fri|Sat|Sun))?\s+([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)\s+(\S+)$/;

/**
 * Whether a team answers at `now`, from the hours format the teams schema documents. Returns null
 * for hours it cannot read, so nothing claims a team is off duty on a guess.
 */
export function onDuty(hours: string, now: Date): boolean | null {
  const text = hours.trim();
  if (/^24\s*x\s*7$/i.test(text)) return true;
  const match = HOURS_PATTERN.exec(text);
  if (!match) return null;
  const [, fromDay = '', toDay, fromH = '', fromM = '', toH = '', toM = '', zone = ''] = match;
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).formatToParts(now);
  } catch {
    return null; // unknown time zone
  }
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const day = DAYS.indexOf(part('weekday') as (typeof DAYS)[number]);
  if (day === -1) return null;
  const first = DAYS.indexOf(fromDay as (typeof DAYS)[number]);
  const last = toDay ? DAYS.indexOf(toDay as (typeof DAYS)[number]) : first;
  const dayOk = first <= last ? day >= first && day <= last : day >= first || day <= last;
  const minute = Number(part('hour')) * 60 + Number(part('minute'));
  const start = Number(fromH) * 60 + Number(fromM);
  const end = Number(toH) * 60 + Number(toM);
  const timeOk = start < end ? minute >= start && minute < end : minute >= start || minute < end;
  return dayOk && timeOk;
}

// ---------------------------------------------------------------------------------------------
// Support-safe text
// ---------------------------------------------------------------------------------------------

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * A stored reason made safe to show: control characters removed, anything shaped like an email
 * address replaced, clipped. Records hold support-safe reasons already; this is defence in depth.
 */
export function supportSafe(text: string, max = 300): string {
  const clean = text.replace(CONTROL, ' ').replace(EMAIL, '[email removed]').trim();
  return clean.length <= max ? clean : `${clean.slice(0, max - 1).trimEnd()}…`;
}

/** Whether text contains something shaped like an email address. */
export function containsEmail(text: string): boolean {
  return new RegExp(EMAIL.source).test(text);
}
