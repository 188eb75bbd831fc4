import { sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { attribute, PRIMARY_CARE_EM_CODES, type Attribution, type Designation, type Visit } from './attribution.js';

/**
 * Reads what attribution needs for every person, in two queries: designations from their
 * Patient records as their plans keep them (generalPractitioner naming an Organization, on a
 * record written by a registered payer's source: a practice's own record naming itself is its
 * claim, not her choice, and any source could write one) and their primary-care E&M
 * visits (Encounters with an office E&M code, at their service provider).
 */
export async function attributeAll(db: Database, year: number): Promise<Attribution[]> {
  const codes = sql.join(
    PRIMARY_CARE_EM_CODES.map((c) => sql`${c}`),
    sql`, `,
  );
  const designations = await db.orm.all<{ person: string; organization: string; recordedAt: string }>(sql`
    SELECT l.person_id AS person, json_extract(g.value, '$.reference') AS organization, r.last_updated AS recordedAt
    FROM resources r JOIN patient_links l ON l.patient_id = r.id JOIN backend_clients b ON b.source_uri = r.source AND b.kind = 'payer',
      json_each(r.content, '$.generalPractitioner') g
    WHERE r.type = 'Patient' AND json_extract(g.value, '$.reference') LIKE 'Organization/%'`);
  const visits = await db.orm.all<{ person: string; organization: string; date: string }>(sql`
    SELECT l.person_id AS person, json_extract(r.content, '$.serviceProvider.reference') AS organization, r.date_start AS date
    FROM resources r JOIN patient_links l ON l.patient_id = r.patient_id
    WHERE r.type = 'Encounter' AND r.date_start >= ${`${year}-01-01`} AND r.date_start <= ${`${year}-12-31T23:59:59.999Z`}
      AND json_extract(r.content, '$.serviceProvider.reference') IS NOT NULL
      AND EXISTS (SELECT 1 FROM resource_tokens t WHERE t.type = r.type AND t.id = r.id AND t.param = 'code' AND t.code IN (${codes}))`);
  const people = await db.orm.all<{ person: string }>(sql`SELECT DISTINCT person_id AS person FROM patient_links ORDER BY person_id`);
  const designationsOf = group(designations, (d): Designation => ({ organization: d.organization, recordedAt: d.recordedAt }));
  const visitsOf = group(visits, (v): Visit => ({ organization: v.organization, date: v.date }));
  return people.map(({ person }) => attribute(person, year, designationsOf.get(person) ?? [], visitsOf.get(person) ?? []));
}

function group<R extends { person: string }, T>(rows: readonly R[], map: (r: R) => T): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const list = out.get(r.person);
    if (list) list.push(map(r));
    else out.set(r.person, [map(r)]);
  }
  return out;
}

/**
 * Each organization's roster for the year as a FHIR Group in the style of Da Vinci ATR: the
 * members, their attribution period, and how and why each was attributed.
 */
export function rosterGroups(attributions: readonly Attribution[], year: number) {
  const byOrg = new Map<string, Attribution[]>();
  for (const a of attributions) {
    if (!a.organization) continue;
    const members = byOrg.get(a.organization);
    if (members) members.push(a);
    else byOrg.set(a.organization, [a]);
  }
  return [...byOrg].map(([organization, members]) => ({
    resourceType: 'Group',
    id: `attribution-${organization.replace(/^Organization\//, '')}-${year}`,
    type: 'person',
    actual: true,
    name: `Attributed patients of ${organization} in ${year}`,
    managingEntity: { reference: organization },
    quantity: members.length,
    member: members.map((m) => ({
      entity: { reference: `Patient/${m.person}` },
      period: { start: `${year}-01-01`, end: `${year}-12-31` },
      extension: [
        { url: 'urn:consent-gateway:attribution-method', valueCode: m.method },
        { url: 'urn:consent-gateway:attribution-reason', valueString: m.reason },
      ],
    })),
  }));
}

/** One organization's stored roster for a year, from a release. */
export async function storedRoster(db: Database, releaseId: string, year: number, organization: string): Promise<Attribution[]> {
  const rows = await db.orm.all<{ person: string; method: string; reason: string }>(sql`
    SELECT person, method, reason FROM attributions WHERE release_id = ${releaseId} AND year = ${year} AND organization = ${organization} ORDER BY person`);
  return rows.map((r) => ({ person: r.person, year, organization, method: r.method as Attribution['method'], reason: r.reason }));
}

/**
 * Which roster answers "attributed on a date of `year`": the latest release's, for that year, or
 * else for the most recent earlier year it holds. Rosters are computed per published calendar
 * year, so an admission early in a year no release covers yet goes to the practice that had her
 * last year, rather than to no one until the next release. Notifications and the daily digest
 * both read attribution through this.
 */
export async function rosterOf(db: Database, year: number): Promise<{ releaseId: string; year: number } | undefined> {
  const row = await db.orm.get<{ releaseId: string | null; year: number | null } | undefined>(sql`
    WITH latest AS (SELECT id FROM releases ORDER BY version DESC LIMIT 1)
    SELECT (SELECT id FROM latest) AS releaseId, MAX(year) AS year FROM attributions WHERE release_id = (SELECT id FROM latest) AND year <= ${year}`);
  return row?.releaseId && row.year !== null && row.year !== undefined ? { releaseId: row.releaseId, year: row.year } : undefined;
}

/** The organization a person is attributed to by that roster (rosterOf), if any. */
export async function attributedOrganization(db: Database, person: string, year: number): Promise<string | undefined> {
  const roster = await rosterOf(db, year);
  if (!roster) return undefined;
  // Not on that year's roster is not attributed, even if an older roster had her.
  const row = await db.orm.get<{ organization: string | null } | undefined>(sql`
    SELECT organization FROM attributions WHERE release_id = ${roster.releaseId} AND year = ${roster.year} AND person = ${person}`);
  return row?.organization ?? undefined;
}
