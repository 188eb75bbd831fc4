import { membership } from '../consent/store.js';
import { attributeOver, type AttributionWindow, type Designation, type Visit } from '../metrics/attribution.js';
import type { RosterMember } from './types.js';

/** What the monthly rosters know of one person. */
export interface RosterPerson {
  person: string;
  /** Her own designations of a primary-care organization, with when each was recorded. */
  designations: readonly Designation[];
  /** Her primary-care E&M visits. */
  visits: readonly Visit[];
  /** Her Coverage records, each with the organization its writer is registered for (see `membership`). */
  coverages: readonly { content: string; writerOrganization: string | null }[];
}

/** A payer's accepted dispute of one member of an organization's roster. */
export interface AcceptedDispute {
  organization: string;
  payer: string;
  person: string;
  decidedAt: string;
}

export interface RosterInputs {
  /** YYYY-MM. */
  period: string;
  /** When the roster is made: a designation recorded later does not count yet. */
  madeAt: string;
  people: readonly RosterPerson[];
  disputes: readonly AcceptedDispute[];
  /** The previous version's members of each roster, by `rosterKey`. */
  previous: ReadonlyMap<string, readonly RosterMember[]>;
}

export interface ComputedRoster {
  organization: string;
  payer: string;
  members: RosterMember[];
}

export const rosterKey = (organization: string, payer: string) => `${organization}|${payer}`;

/** The month's first and last day, and the day membership is read (the 15th). */
export function monthBounds(period: string): { first: string; last: string; mid: string } {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return { first: `${period}-01`, last: new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10), mid: `${period}-15T12:00:00.000Z` };
}

/** The 12 months ending on the last day of the month before `period`. */
export function attributionWindow(period: string): AttributionWindow {
  const [y, m] = period.split('-').map(Number) as [number, number];
  const start = new Date(Date.UTC(y - 1, m - 1, 1)).toISOString().slice(0, 10);
  const end = new Date(Date.UTC(y, m - 1, 0)).toISOString().slice(0, 10);
  return { start, end, label: `the 12 months ${start} to ${end}` };
}

/**
 * The members of every organization × payer roster for a month. Pure.
 *
 * - A member of payer P: covered by P on the 15th (a Coverage written by P's own source).
 * - Her organization: `attributeOver` the 12 months before the month; her designation, if
 *   recorded before the roster is made, outranks any visits.
 * - An accepted dispute removes her from that organization × payer roster until she designates
 *   the organization herself after the decision.
 * - changeType against the previous version: new, nochange, changed (method or reason), and
 *   dropped once for who left (one already listed as dropped is not listed again).
 */
export function computeRosters(inputs: RosterInputs): ComputedRoster[] {
  const { first, last, mid } = monthBounds(inputs.period);
  const window = attributionWindow(inputs.period);
  const current = new Map<string, Map<string, Omit<RosterMember, 'changeType'>>>();
  for (const p of inputs.people) {
    const recorded = p.designations.filter((d) => d.recordedAt <= inputs.madeAt);
    for (const payer of membership(p.coverages, mid).payers) {
      // Each plan's roster counts only its own record of her choice: another plan cannot move its members.
      const designations = recorded.filter((d) => d.payer === undefined || d.payer === payer);
      const a = attributeOver(window, designations, p.visits);
      if (!a.organization || a.method === 'unattributed') continue;
      if (disputed(inputs.disputes, a.organization, payer, p.person, designations)) continue;
      const key = rosterKey(a.organization, payer);
      const members = current.get(key) ?? new Map();
      members.set(p.person, { person: p.person, method: a.method, reason: a.reason, periodStart: first, periodEnd: last });
      current.set(key, members);
    }
  }
  const keys = new Set([...current.keys(), ...[...inputs.previous].filter(([, ms]) => ms.some((m) => m.changeType !== 'dropped')).map(([k]) => k)]);
  return [...keys].sort().map((key) => {
    const [organization, payer] = key.split('|') as [string, string];
    const now = current.get(key) ?? new Map<string, Omit<RosterMember, 'changeType'>>();
    const before = new Map((inputs.previous.get(key) ?? []).map((m) => [m.person, m]));
    const members: RosterMember[] = [];
    for (const m of now.values()) {
      const was = before.get(m.person);
      const changeType = !was || was.changeType === 'dropped' ? 'new' : was.method === m.method && was.reason === m.reason ? 'nochange' : 'changed';
      members.push({ ...m, changeType });
    }
    for (const was of before.values()) {
      if (was.changeType !== 'dropped' && !now.has(was.person)) members.push({ ...was, changeType: 'dropped', periodStart: first, periodEnd: last });
    }
    return { organization, payer, members: members.sort((a, b) => a.person.localeCompare(b.person)) };
  });
}

/** An accepted dispute holds until she designates that organization herself after it was decided. */
function disputed(disputes: readonly AcceptedDispute[], organization: string, payer: string, person: string, designations: readonly Designation[]): boolean {
  return disputes.some(
    (d) =>
      d.organization === organization &&
      d.payer === payer &&
      d.person === person &&
      !designations.some((x) => x.organization === organization && x.recordedAt > d.decidedAt),
  );
}
