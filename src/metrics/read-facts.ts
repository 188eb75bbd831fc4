import { sql } from 'drizzle-orm';
import { optedOutOfAggregates } from '../consent/aggregate-opt-out.js';
import type { Database } from '../db/database.js';
import type { Segment, ServiceCategory } from './cost-utilization.js';
import { emptyFacts, type PersonFacts } from './person.js';
import { EXCLUSION_SERVICES } from './quality/codes.js';

/** Source Payment Typology (https://nahdo.org/sopt) top-level codes to market segments; other payers have no segment. */
export function segmentOfSopt(code: string | null): Segment | undefined {
  switch (code?.[0]) {
    case '1':
      return 'medicare';
    case '2':
      return 'medicaid';
    case '5':
    case '6':
    case '7':
      return 'commercial';
    default:
      return undefined;
  }
}

const LOINC_HBA1C = '4548-4';
const LOINC_BP_PANEL = '85354-9';
const CPT_MAMMOGRAPHY = ['77067', '77063', '77065', '77066'];
const VOID = sql`('entered-in-error', 'cancelled')`;
const ICD10CM = 'http://hl7.org/fhir/sid/icd-10-cm';
const SERVICES = sql`(${sql.join(
  [...EXCLUSION_SERVICES].map((c) => sql`${c}`),
  sql`, `,
)})`;

/** An inclusive range of person ids: the population is read in slices so memory stays flat. */
export interface PersonRange {
  from: string;
  to: string;
}

/**
 * Reads the metric inputs of every linked person in a range of person ids: a fixed number of
 * grouped queries per slice, driven from the person index into each person's compartment.
 * Claims come back already summed per person, month and service category.
 */
export async function readFacts(db: Database, range: PersonRange): Promise<Map<string, PersonFacts>> {
  const people = new Map<string, PersonFacts>();
  const of = (person: string): PersonFacts => {
    let p = people.get(person);
    if (!p) {
      p = emptyFacts(person);
      people.set(person, p);
    }
    return p;
  };
  // From the person index into each record's compartment (resources_compartment index).
  const inRange = sql`l.person_id >= ${range.from} AND l.person_id <= ${range.to}`;
  // CROSS JOIN fixes the loop order in SQLite: the person range outside, never a scan of a type.
  // (`+r.date_start` below keeps SQLite from switching the inner loop to the type-and-date index.)
  const linked = sql`FROM patient_links l CROSS JOIN resources r ON r.patient_id = l.patient_id`;

  // Demographics from the most recently updated Patient record of each person.
  const patients = await db.orm.all<{ person: string; birthDate: string | null; gender: string | null; state: string | null; zip: string | null }>(sql`
    SELECT l.person_id AS person, json_extract(r.content, '$.birthDate') AS birthDate, json_extract(r.content, '$.gender') AS gender,
      json_extract(r.content, '$.address[0].state') AS state, json_extract(r.content, '$.address[0].postalCode') AS zip
    FROM patient_links l CROSS JOIN resources r ON r.type = 'Patient' AND r.id = l.patient_id
    WHERE ${inRange} ORDER BY l.person_id, r.last_updated`);
  for (const row of patients) {
    const p = of(row.person);
    if (row.birthDate) p.birthDate = row.birthDate;
    if (row.gender === 'female' || row.gender === 'male' || row.gender === 'other') p.sex = row.gender;
    if (row.zip) {
      p.zip = row.zip;
      p.state = row.state ?? undefined;
    }
  }

  const coverage = await db.orm.all<{ person: string; sopt: string | null; payer: string | null; start: string | null; end: string | null }>(sql`
    SELECT l.person_id AS person, json_extract(r.content, '$.type.coding[0].code') AS sopt, json_extract(r.content, '$.payor[0].reference') AS payer,
      json_extract(r.content, '$.period.start') AS start, json_extract(r.content, '$.period.end') AS "end"
    ${linked} WHERE ${inRange} AND r.type = 'Coverage' AND coalesce(r.status, '') NOT IN ${VOID}`);
  for (const c of coverage) {
    const segment = segmentOfSopt(c.sopt);
    if (!segment || !c.start || !c.payer) continue;
    of(c.person).coverage.push({ person: c.person, segment, payer: c.payer, start: c.start.slice(0, 10), ...(c.end ? { end: c.end.slice(0, 10) } : {}) });
  }

  const claims = await db.orm.all<{ person: string; month: string; category: ServiceCategory; paid: number; allowed: number }>(sql`
    SELECT person, month, category, sum(paid) AS paid, sum(allowed) AS allowed FROM (
      SELECT l.person_id AS person, substr(json_extract(r.content, '$.billablePeriod.start'), 1, 7) AS month,
        CASE json_extract(r.content, '$.type.coding[0].code')
          WHEN 'pharmacy' THEN 'pharmacy' WHEN 'professional' THEN 'professional'
          ELSE CASE WHEN json_extract(r.content, '$.subType.coding[0].code') = 'inpatient' THEN 'inpatient'
            WHEN json_extract(r.content, '$.item[0].revenue.coding[0].code') LIKE '045%' THEN 'ed' ELSE 'outpatient' END
        END AS category,
        (SELECT sum(json_extract(t.value, '$.amount.value')) FROM json_each(r.content, '$.total') t WHERE json_extract(t.value, '$.category.coding[0].code') = 'benefit') AS paid,
        (SELECT sum(json_extract(t.value, '$.amount.value')) FROM json_each(r.content, '$.total') t WHERE json_extract(t.value, '$.category.coding[0].code') = 'eligible') AS allowed
      ${linked} WHERE ${inRange} AND r.type = 'ExplanationOfBenefit' AND coalesce(r.status, '') NOT IN ${VOID})
    WHERE month IS NOT NULL GROUP BY person, month, category`);
  for (const c of claims)
    of(c.person).claims.push({ person: c.person, date: `${c.month}-15`, category: c.category, paid: c.paid ?? 0, allowed: c.allowed ?? 0 });

  const stays = await db.orm.all<{ person: string; cls: string; admit: string; discharge: string | null }>(sql`
    SELECT l.person_id AS person, json_extract(r.content, '$.class.code') AS cls, r.date_start AS admit, json_extract(r.content, '$.period.end') AS discharge
    ${linked} WHERE ${inRange} AND r.type = 'Encounter' AND json_extract(r.content, '$.class.code') IN ('IMP', 'EMER') AND +r.date_start IS NOT NULL
      AND coalesce(r.status, '') NOT IN ${VOID}`);
  for (const s of stays)
    of(s.person).stays.push({
      person: s.person,
      kind: s.cls === 'IMP' ? 'inpatient' : 'ed',
      admit: s.admit.slice(0, 10),
      discharge: (s.discharge ?? s.admit).slice(0, 10),
    });

  // Diagnoses from problem lists and from claims, so a payer-only or clinic-only person is measured alike.
  const diagnoses = await db.orm.all<{ person: string; code: string; date: string }>(sql`
    SELECT l.person_id AS person, t.code AS code, coalesce(json_extract(r.content, '$.onsetDateTime'), json_extract(r.content, '$.recordedDate'), r.last_updated) AS date
    ${linked} CROSS JOIN resource_tokens t ON t.type = r.type AND t.id = r.id AND t.param = 'code' AND t.system = 'http://hl7.org/fhir/sid/icd-10-cm'
    WHERE ${inRange} AND r.type = 'Condition' AND coalesce(json_extract(r.content, '$.verificationStatus.coding[0].code'), '') NOT IN ('entered-in-error', 'refuted')
    UNION ALL
    SELECT l.person_id, json_extract(d.value, '$.diagnosisCodeableConcept.coding[0].code'), json_extract(r.content, '$.billablePeriod.start')
    ${linked}, json_each(r.content, '$.diagnosis') d WHERE ${inRange} AND r.type = 'ExplanationOfBenefit' AND coalesce(r.status, '') NOT IN ${VOID}`);
  for (const d of diagnoses) if (d.code && d.date) of(d.person).diagnoses.push({ code: d.code, date: d.date.slice(0, 10) });

  const observations = await db.orm.all<{
    person: string;
    code: string;
    date: string;
    value: number | null;
    systolic: number | null;
    diastolic: number | null;
  }>(sql`
    SELECT l.person_id AS person, t.code AS code, r.date_start AS date, json_extract(r.content, '$.valueQuantity.value') AS value,
      (SELECT json_extract(c.value, '$.valueQuantity.value') FROM json_each(r.content, '$.component') c WHERE json_extract(c.value, '$.code.coding[0].code') = '8480-6') AS systolic,
      (SELECT json_extract(c.value, '$.valueQuantity.value') FROM json_each(r.content, '$.component') c WHERE json_extract(c.value, '$.code.coding[0].code') = '8462-4') AS diastolic
    ${linked} CROSS JOIN resource_tokens t ON t.type = r.type AND t.id = r.id AND t.param = 'code' AND t.code IN (${LOINC_HBA1C}, ${LOINC_BP_PANEL})
    WHERE ${inRange} AND r.type = 'Observation' AND +r.date_start IS NOT NULL AND coalesce(r.status, '') IN ('final', 'amended', 'corrected')`);
  for (const o of observations) {
    const date = o.date.slice(0, 10);
    if (o.code === LOINC_HBA1C && o.value !== null) of(o.person).hba1c.push({ date, percent: o.value });
    else if (o.code === LOINC_BP_PANEL && o.systolic !== null && o.diastolic !== null)
      of(o.person).bloodPressure.push({ date, systolic: o.systolic, diastolic: o.diastolic });
  }

  const mammograms = await db.orm.all<{ person: string; date: string }>(sql`
    SELECT DISTINCT l.person_id AS person, r.date_start AS date
    ${linked} CROSS JOIN resource_tokens t ON t.type = r.type AND t.id = r.id AND t.param = 'code' AND t.code IN (${sql.join(
      CPT_MAMMOGRAPHY.map((c) => sql`${c}`),
      sql`, `,
    )})
    WHERE ${inRange} AND r.type = 'Procedure' AND +r.date_start IS NOT NULL AND coalesce(r.status, '') = 'completed'`);
  for (const m of mammograms) of(m.person).mammograms.push({ date: m.date.slice(0, 10) });

  // Outpatient visits with their diagnoses: ambulatory, virtual and home Encounters' reasons, and
  // professional and outpatient claims (the service categories of the claims query above).
  const visits = await db.orm.all<{ person: string; code: string | null; date: string | null }>(sql`
    SELECT l.person_id AS person, json_extract(c.value, '$.code') AS code, r.date_start AS date
    ${linked}, json_each(r.content, '$.reasonCode') rc, json_each(rc.value, '$.coding') c
    WHERE ${inRange} AND r.type = 'Encounter' AND json_extract(r.content, '$.class.code') IN ('AMB', 'VR', 'HH') AND +r.date_start IS NOT NULL
      AND coalesce(r.status, '') NOT IN ${VOID} AND json_extract(c.value, '$.system') = ${ICD10CM}
    UNION ALL
    SELECT l.person_id, json_extract(d.value, '$.diagnosisCodeableConcept.coding[0].code'), json_extract(r.content, '$.billablePeriod.start')
    ${linked}, json_each(r.content, '$.diagnosis') d WHERE ${inRange} AND r.type = 'ExplanationOfBenefit' AND coalesce(r.status, '') NOT IN ${VOID}
      AND (json_extract(r.content, '$.type.coding[0].code') = 'professional' OR (coalesce(json_extract(r.content, '$.type.coding[0].code'), '') <> 'pharmacy'
        AND coalesce(json_extract(r.content, '$.subType.coding[0].code'), '') <> 'inpatient'
        AND coalesce(json_extract(r.content, '$.item[0].revenue.coding[0].code'), '') NOT LIKE '045%'))`);
  for (const v of visits) if (v.code && v.date) of(v.person).visitDiagnoses.push({ code: v.code, date: v.date.slice(0, 10) });

  // The services an exclusion reads (hospice, frailty, mastectomy), from procedures, Encounter
  // types and discharge dispositions, and claim lines; filtered to those codes in SQL.
  const services = await db.orm.all<{ person: string; code: string; date: string | null; site: string | null }>(sql`
    SELECT l.person_id AS person, t.code AS code, r.date_start AS date,
      CASE r.type WHEN 'Procedure' THEN json_extract(r.content, '$.bodySite[0].coding[0].code') END AS site
    ${linked} CROSS JOIN resource_tokens t ON t.type = r.type AND t.id = r.id AND t.param = 'code' AND t.code IN ${SERVICES}
    WHERE ${inRange} AND r.type IN ('Procedure', 'Encounter') AND +r.date_start IS NOT NULL
      AND CASE r.type WHEN 'Procedure' THEN coalesce(r.status, '') = 'completed' ELSE coalesce(r.status, '') NOT IN ${VOID} END
    UNION ALL
    SELECT l.person_id, json_extract(r.content, '$.hospitalization.dischargeDisposition.coding[0].code'), coalesce(json_extract(r.content, '$.period.end'), r.date_start), NULL
    ${linked} WHERE ${inRange} AND r.type = 'Encounter' AND +r.date_start IS NOT NULL AND coalesce(r.status, '') NOT IN ${VOID}
      AND json_extract(r.content, '$.hospitalization.dischargeDisposition.coding[0].code') IN ${SERVICES}
    UNION ALL
    SELECT l.person_id, json_extract(i.value, '$.productOrService.coding[0].code'), json_extract(r.content, '$.billablePeriod.start'),
      json_extract(i.value, '$.modifier[0].coding[0].code')
    ${linked}, json_each(r.content, '$.item') i WHERE ${inRange} AND r.type = 'ExplanationOfBenefit' AND coalesce(r.status, '') NOT IN ${VOID}
      AND json_extract(i.value, '$.productOrService.coding[0].code') IN ${SERVICES}`);
  for (const v of services) if (v.date) of(v.person).services.push({ code: v.code, date: v.date.slice(0, 10), ...(v.site ? { site: v.site } : {}) });

  return people;
}

/** People whose consent keeps them out of research and public-health aggregates (see aggregate-opt-out.ts). */
export async function readAggregateOptOuts(db: Database, now: string): Promise<Set<string>> {
  const rows = await db.orm.all<{ person: string; priority: string; actor: string; purpose: string; start: string; end: string; effect: 'allow' | 'deny' }>(sql`
    SELECT patient_id AS person, priority, actor, purpose, start, "end", effect FROM consent_lines
    WHERE actor = '*' AND purpose IN ('HRESCH', 'PUBHLTH', '*') ORDER BY patient_id`);
  const byPerson = new Map<string, typeof rows>();
  for (const r of rows) byPerson.set(r.person, [...(byPerson.get(r.person) ?? []), r]);
  return new Set([...byPerson].filter(([, lines]) => optedOutOfAggregates(lines, now)).map(([person]) => person));
}
