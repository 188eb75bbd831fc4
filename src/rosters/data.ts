import { sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { PRIMARY_CARE_EM_CODES, type Designation, type Visit } from '../metrics/attribution.js';
import { attributionWindow, rosterKey, type AcceptedDispute, type RosterInputs, type RosterPerson } from './compute.js';
import type { RosterMember, RosterVersion } from './types.js';

/** The version each organization × payer roster of a month is compared with, and its members. */
export interface PreviousRosters {
  versions: Map<string, RosterVersion>;
  members: Map<string, RosterMember[]>;
}

/**
 * Everything `computeRosters` needs for a month, in a fixed number of queries (no per-person
 * query): designations, the window's visits, Coverages with their writer's organization, the
 * accepted disputes, and the previous version of every roster with its members.
 */
export async function readRosterInputs(db: Database, period: string, madeAt: string): Promise<RosterInputs & { before: PreviousRosters }> {
  const window = attributionWindow(period);
  const codes = sql.join(
    PRIMARY_CARE_EM_CODES.map((c) => sql`${c}`),
    sql`, `,
  );
  // patient_links first: the planner then walks each person's own records (CROSS JOIN fixes the order;
  // `+r.date_start` keeps it on the compartment index, not a scan of every Encounter in the window per person).
  // A designation is a plan's record of her choice, for that plan (b.organization), dated from when the
  // record first named the organization in its current run of versions: an update of her phone number is
  // not a new choice (it would lift an accepted dispute), and a change to another organization and back is.
  const designations = await db.orm.all<{ person: string; organization: string; recordedAt: string; payer: string }>(sql`
    SELECT l.person_id AS person, json_extract(g.value, '$.reference') AS organization, b.organization AS payer,
      coalesce((SELECT h.last_updated FROM resource_history h WHERE h.type = 'Patient' AND h.id = r.id AND h.version_id = 1 + coalesce(
        (SELECT max(h2.version_id) FROM resource_history h2 WHERE h2.type = 'Patient' AND h2.id = r.id AND NOT EXISTS (
          SELECT 1 FROM json_each(h2.content, '$.generalPractitioner') g2 WHERE json_extract(g2.value, '$.reference') = json_extract(g.value, '$.reference'))), 0)),
        r.last_updated) AS recordedAt
    FROM patient_links l CROSS JOIN resources r JOIN backend_clients b ON b.source_uri = r.source AND b.kind = 'payer', json_each(r.content, '$.generalPractitioner') g
    WHERE r.type = 'Patient' AND r.id = l.patient_id AND json_extract(g.value, '$.reference') LIKE 'Organization/%'`);
  const visits = await db.orm.all<{ person: string; organization: string; date: string }>(sql`
    SELECT l.person_id AS person, json_extract(r.content, '$.serviceProvider.reference') AS organization, r.date_start AS date
    FROM patient_links l CROSS JOIN resources r
    WHERE r.patient_id = l.patient_id AND r.type = 'Encounter' AND +r.date_start >= ${window.start} AND +r.date_start <= ${`${window.end}T23:59:59.999Z`}
      AND json_extract(r.content, '$.serviceProvider.reference') IS NOT NULL
      AND EXISTS (SELECT 1 FROM resource_tokens t WHERE t.type = r.type AND t.id = r.id AND t.param = 'code' AND t.code IN (${codes}))`);
  const coverages = await db.orm.all<{ person: string; content: string; writerOrganization: string | null }>(sql`
    SELECT l.person_id AS person, r.content AS content, b.organization AS writerOrganization
    FROM patient_links l CROSS JOIN resources r LEFT JOIN backend_clients b ON b.source_uri = r.source
    WHERE r.patient_id = l.patient_id AND r.type = 'Coverage'`);
  const disputes = await db.orm.all<AcceptedDispute>(sql`
    SELECT organization, payer, person, decided_at AS decidedAt FROM attribution_disputes WHERE status = 'accepted' AND decided_at <= ${madeAt}`);
  const before = await previousRosters(db, period);
  const people = new Map<string, { designations: Designation[]; visits: Visit[]; coverages: RosterPerson['coverages'][number][] }>();
  const of = (person: string) => {
    let p = people.get(person);
    if (!p) people.set(person, (p = { designations: [], visits: [], coverages: [] }));
    return p;
  };
  for (const d of designations) of(d.person).designations.push({ organization: d.organization, recordedAt: d.recordedAt, payer: d.payer });
  for (const v of visits) of(v.person).visits.push({ organization: v.organization, date: v.date });
  for (const c of coverages) of(c.person).coverages.push({ content: c.content, writerOrganization: c.writerOrganization });
  return {
    period,
    madeAt,
    people: [...people].sort(([a], [b]) => a.localeCompare(b)).map(([person, p]) => ({ person, ...p })),
    disputes,
    previous: before.members,
    before,
  };
}

/**
 * For each organization × payer, the version a new one of `period` follows: the latest of the
 * same month if there is one, else the latest of the most recent earlier month.
 */
export async function previousRosters(db: Database, period: string): Promise<PreviousRosters> {
  const rows = await db.orm.all<RosterVersion>(sql`
    SELECT group_id AS groupId, version, organization, payer, period, status, created_at AS createdAt FROM roster_versions v
    WHERE period <= ${period} AND NOT EXISTS (
      SELECT 1 FROM roster_versions w WHERE w.organization = v.organization AND w.payer = v.payer AND w.period <= ${period}
        AND (w.period > v.period OR (w.period = v.period AND w.version > v.version)))`);
  const memberRows = await db.orm.all<RosterMember & { groupId: string; version: number }>(sql`
    SELECT m.group_id AS groupId, m.version, m.person, m.change_type AS changeType, m.method, m.reason, m.period_start AS periodStart, m.period_end AS periodEnd
    FROM roster_versions v CROSS JOIN roster_members m
    WHERE m.group_id = v.group_id AND m.version = v.version AND v.period <= ${period} AND NOT EXISTS (
      SELECT 1 FROM roster_versions w WHERE w.organization = v.organization AND w.payer = v.payer AND w.period <= ${period}
        AND (w.period > v.period OR (w.period = v.period AND w.version > v.version)))
    ORDER BY m.person`);
  const versions = new Map(rows.map((r) => [rosterKey(r.organization, r.payer), r]));
  const byGroup = new Map(rows.map((r) => [`${r.groupId}/${r.version}`, rosterKey(r.organization, r.payer)]));
  const members = new Map<string, RosterMember[]>();
  for (const { groupId, version, ...m } of memberRows) {
    const key = byGroup.get(`${groupId}/${version}`)!;
    const list = members.get(key) ?? [];
    list.push(m);
    members.set(key, list);
  }
  return { versions, members };
}
