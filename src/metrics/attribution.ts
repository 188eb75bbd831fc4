/** One primary-care evaluation and management (E&M) visit. */
export interface Visit {
  organization: string;
  /** ISO date or instant. */
  date: string;
}

/** A patient's own designation of a primary-care organization, from one source record. */
export interface Designation {
  organization: string;
  /** When it was recorded: the newest designation wins. */
  recordedAt: string;
  /** The plan whose record carries it (monthly rosters count a plan's record for that plan's roster only). */
  payer?: string;
}

export interface Attribution {
  person: string;
  year: number;
  organization?: string;
  method: 'designation' | 'plurality' | 'unattributed';
  reason: string;
}

/** Office and outpatient E&M visit codes (CPT), new and established patients. */
export const PRIMARY_CARE_EM_CODES: readonly string[] = ['99202', '99203', '99204', '99205', '99212', '99213', '99214', '99215'];

/** A span of dates attribution looks at: ISO dates, both days included. */
export interface AttributionWindow {
  start: string;
  end: string;
  /** How the reason names the window, e.g. `2025` or `the 12 months to 2026-02-28`. */
  label: string;
}

export interface WindowAttribution {
  organization?: string;
  method: 'designation' | 'plurality' | 'unattributed';
  reason: string;
}

/**
 * Attributes one person to one primary-care organization for a calendar year. Pure.
 *
 * 1. The patient's own designation comes first; with several, the most recently recorded.
 * 2. Otherwise the plurality of primary-care E&M visits in the 12 months ending on 31 December
 *    of the year; a tie goes to the organization seen most recently, then to the lower id so
 *    the answer never depends on input order.
 * 3. Otherwise the person is unattributed that year.
 */
export function attribute(person: string, year: number, designations: readonly Designation[], visits: readonly Visit[]): Attribution {
  return { person, year, ...attributeOver({ start: `${year}-01-01`, end: `${year}-12-31`, label: `${year}` }, designations, visits) };
}

/**
 * The same rule over any window (the monthly rosters use the 12 months before the month). A
 * designation outranks visits whenever it was recorded: the caller passes only the designations
 * recorded before the roster is made. The reason names the tie-break when one decided.
 */
export function attributeOver(window: AttributionWindow, designations: readonly Designation[], visits: readonly Visit[]): WindowAttribution {
  if (designations.length > 0) {
    const chosen = [...designations].sort((a, b) => b.recordedAt.localeCompare(a.recordedAt) || a.organization.localeCompare(b.organization))[0]!;
    return { organization: chosen.organization, method: 'designation', reason: `designated by the patient (record of ${chosen.recordedAt.slice(0, 10)})` };
  }
  const end = `${window.end}T23:59:59.999Z`;
  const byOrg = new Map<string, { count: number; last: string }>();
  for (const v of visits) {
    if (v.date < window.start || v.date > end) continue;
    const s = byOrg.get(v.organization) ?? { count: 0, last: '' };
    s.count++;
    if (v.date > s.last) s.last = v.date;
    byOrg.set(v.organization, s);
  }
  if (byOrg.size === 0) return { method: 'unattributed', reason: `no designation and no primary-care visit in ${window.label}` };
  const ranked = [...byOrg].sort(([a, x], [b, y]) => y.count - x.count || y.last.localeCompare(x.last) || a.localeCompare(b));
  const [organization, top] = ranked[0]!;
  const tiedOn = ranked.filter(([, s]) => s.count === top.count);
  const sameDay = tiedOn.filter(([, s]) => s.last === top.last).length > 1;
  const tie =
    tiedOn.length < 2 ? '' : sameDay ? '; tie broken by the lower organization id' : `; tie broken by the most recent visit (${top.last.slice(0, 10)})`;
  return {
    organization,
    method: 'plurality',
    reason: `${top.count} of ${[...byOrg.values()].reduce((n, s) => n + s.count, 0)} primary-care visits in ${window.label}${tie}`,
  };
}
