import { putEntry, patient, SOURCE_A, SOURCE_B } from '../helpers/fhir.js';
import { seedRoster } from '../helpers/rosters.js';
import { scenario } from '../helpers/scenario.js';

export const PAYER_SOURCE = 'https://payer-lakeshore.example.org/fhir';
export const OAK = 'Organization/clinic-oak-org';
export const LAKESHORE = 'Organization/payer-lakeshore-org';
const SOPT_COMMERCIAL = { coding: [{ system: 'https://nahdo.org/sopt', code: '5' }] };

/** A Coverage the payer's own source writes: she is its member, enrolled all of 2025. */
export const coverage = (id: string, patientId: string, source = PAYER_SOURCE) =>
  putEntry({
    resourceType: 'Coverage',
    id,
    meta: { source },
    status: 'active',
    type: SOPT_COMMERCIAL,
    beneficiary: { reference: `Patient/${patientId}` },
    payor: [{ reference: LAKESHORE }],
    period: { start: '2024-01-01' },
  });

/** A completed screening mammogram (CPT 77067). */
export const mammogram = (id: string, patientId: string, date: string, source = SOURCE_A) =>
  putEntry({
    resourceType: 'Procedure',
    id,
    meta: { source },
    status: 'completed',
    subject: { reference: `Patient/${patientId}` },
    code: { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: '77067' }] },
    performedDateTime: date,
  });

export const hba1c = (id: string, patientId: string, date: string, percent: number, source = SOURCE_A) =>
  putEntry({
    resourceType: 'Observation',
    id,
    meta: { source },
    status: 'final',
    subject: { reference: `Patient/${patientId}` },
    code: { coding: [{ system: 'http://loinc.org', code: '4548-4' }] },
    effectiveDateTime: date,
    valueQuantity: { value: percent, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
  });

const ssn = (n: string) => [{ system: 'http://hl7.org/fhir/sid/us-ssn', value: `900-00-${n}` }];
const person = (id: string, given: string, gender: string, birthDate: string, n: string, source: string) =>
  putEntry(patient(id, { name: [{ family: `Gaps${n}`, given: [given] }], gender, birthDate, identifier: ssn(n), address: [{ postalCode: '48912' }] }, source));

/**
 * The scenario plus three of Oakwood's patients under Lakeshore, each enrolled all of 2025:
 * Ana (61, screened in 2025 at the clinic), Bea (63, never screened), Carl (65, a man); and
 * Hana (58), whose only mammogram is in hospital A's EHR feed while the payer knows her by its
 * own record. All four are on Oakwood's final December 2025 roster under Lakeshore.
 */
export async function gapsWorld() {
  const s = await scenario();
  await s.seed(PAYER_SOURCE, [
    person('pay-ana', 'Ana', 'female', '1964-05-01', '1101', PAYER_SOURCE),
    person('pay-bea', 'Bea', 'female', '1962-03-01', '1102', PAYER_SOURCE),
    person('pay-carl', 'Carl', 'male', '1960-02-01', '1103', PAYER_SOURCE),
    person('pay-hana', 'Hana', 'female', '1967-07-07', '1104', PAYER_SOURCE),
    coverage('cov-ana', 'pay-ana'),
    coverage('cov-bea', 'pay-bea'),
    coverage('cov-carl', 'pay-carl'),
    coverage('cov-hana', 'pay-hana'),
  ]);
  await s.seed(SOURCE_B, [
    person('cb-ana', 'Ana', 'female', '1964-05-01', '1101', SOURCE_B),
    person('cb-bea', 'Bea', 'female', '1962-03-01', '1102', SOURCE_B),
    person('cb-carl', 'Carl', 'male', '1960-02-01', '1103', SOURCE_B),
    mammogram('proc-ana', 'cb-ana', '2025-03-01T10:00:00Z', SOURCE_B),
  ]);
  await s.seed(SOURCE_A, [
    person('ha-hana', 'Hana', 'female', '1967-07-07', '1104', SOURCE_A),
    mammogram('proc-hana', 'ha-hana', '2025-05-02T10:00:00Z', SOURCE_A),
  ]);
  const roster = await seedRoster(s.db, {
    organization: OAK,
    payer: LAKESHORE,
    period: '2025-12',
    persons: ['pay-ana', 'pay-bea', 'pay-carl', 'pay-hana', 'pay-1'].map(s.personOf),
  });
  return { ...s, roster };
}

export type GapsWorld = Awaited<ReturnType<typeof gapsWorld>>;

/** `$care-gaps` by GET with the 2025 period unless overridden. */
export function careGapsQuery(params: Record<string, string | string[]>): string {
  const q = new URLSearchParams({ periodStart: '2025-01-01', periodEnd: '2025-12-31' });
  for (const [k, v] of Object.entries(params)) {
    if (Array.isArray(v)) {
      q.delete(k);
      for (const x of v) q.append(k, x);
    } else q.set(k, v);
  }
  return `/fhir/Measure/$care-gaps?${q.toString()}`;
}

export const ALL_STATUSES = ['open-gap', 'closed-gap', 'prospective-gap', 'not-applicable'];

type Entry = { fullUrl: string; resource: Record<string, any> };
/** The returned Bundles, by the family name of the Patient each is about. */
export function bundlesOf(parameters: any): Map<string, { bundle: any; entries: Entry[] }> {
  const out = new Map<string, { bundle: any; entries: Entry[] }>();
  for (const p of parameters.parameter ?? []) {
    const entries = p.resource.entry as Entry[];
    const composition = entries[0]!.resource;
    const pat = entries.find((e) => `${e.resource.resourceType}/${e.resource.id}` === composition.subject.reference)!.resource;
    out.set(pat.name?.[0]?.given?.[0] ?? pat.id, { bundle: p.resource, entries });
  }
  return out;
}

/** The gap status and MeasureReport of one measure in a patient's bundle. */
export function gapOf(entries: Entry[], measureId: string) {
  const report = entries.find((e) => e.resource.resourceType === 'MeasureReport' && e.resource.measure.includes(`/Measure/${measureId}|`))?.resource;
  if (!report) return undefined;
  const issue = entries.find(
    (e) => e.resource.resourceType === 'DetectedIssue' && e.resource.evidence[0].detail[0].reference === `MeasureReport/${report.id}`,
  )!.resource;
  return { status: issue.modifierExtension[0].valueCodeableConcept.coding[0].code as string, report, issue };
}
