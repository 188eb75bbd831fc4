import type { Resource } from '../fhir/types.js';
import { searchValues } from '../store/search-values.js';
import type { ServiceCategory } from './cost-utilization.js';
import { emptyFacts, type PersonFacts } from './person.js';
import { EXCLUSION_SERVICES } from './quality/codes.js';
import { segmentOfSopt } from './read-facts.js';

/**
 * One person's metric inputs from her FHIR records themselves: what `readFacts` reads in bulk
 * with SQL, here from parsed resources (and their stored search values), each fact keeping the
 * record it came from. Pure. The gaps-in-care and performance reports use it on exactly the
 * records their reader may see, so a fact hidden from the reader cannot close a gap for it.
 * test/metrics/facts-from-record.test.ts holds the two readers to the same answer.
 */
export function factsFromRecord(person: string, records: readonly Resource[]): PersonFacts {
  const p = emptyFacts(person);
  // The most recently updated Patient record decides demographics, as in readFacts.
  const patients = records.filter((r) => r.resourceType === 'Patient').sort((a, b) => updated(a).localeCompare(updated(b)));
  for (const r of patients) {
    const x = r as Rec;
    if (typeof x.birthDate === 'string') p.birthDate = x.birthDate;
    if (x.gender === 'female' || x.gender === 'male' || x.gender === 'other') p.sex = x.gender;
    const address = (x.address as Rec[] | undefined)?.[0];
    if (typeof address?.postalCode === 'string') {
      p.zip = address.postalCode;
      p.state = typeof address.state === 'string' ? address.state : undefined;
    }
  }
  for (const r of records) {
    const x = r as Rec;
    const ref = `${r.resourceType}/${r.id}`;
    const values = searchValues(r);
    const status = values.status ?? '';
    switch (r.resourceType) {
      case 'Coverage': {
        if (VOID.has(status)) break;
        const segment = segmentOfSopt(str(at(x, 'type', 'coding', 0, 'code')) ?? null);
        const payer = str(at(x, 'payor', 0, 'reference'));
        const start = str(at(x, 'period', 'start'));
        const end = str(at(x, 'period', 'end'));
        if (segment && payer && start) p.coverage.push({ person, segment, payer, start: start.slice(0, 10), ...(end ? { end: end.slice(0, 10) } : {}) });
        break;
      }
      case 'ExplanationOfBenefit': {
        if (VOID.has(status)) break;
        const start = str(at(x, 'billablePeriod', 'start'));
        const category = categoryOf(x);
        if (start) {
          const total = (code: string) =>
            ((x.total as Rec[] | undefined) ?? [])
              .filter((t) => at(t, 'category', 'coding', 0, 'code') === code)
              .reduce((n, t) => n + num(at(t, 'amount', 'value')), 0);
          p.claims.push({ person, date: `${start.slice(0, 7)}-15`, category, paid: total('benefit'), allowed: total('eligible') });
        }
        for (const d of (x.diagnosis as Rec[] | undefined) ?? []) {
          const code = str(at(d, 'diagnosisCodeableConcept', 'coding', 0, 'code'));
          if (code && start) p.diagnoses.push({ code, date: start.slice(0, 10), ref });
          if (code && start && OUTPATIENT_CLAIMS.has(category)) p.visitDiagnoses.push({ code, date: start.slice(0, 10), ref });
        }
        if (start)
          for (const item of (x.item as Rec[] | undefined) ?? []) {
            const code = str(at(item, 'productOrService', 'coding', 0, 'code'));
            const site = str(at(item, 'modifier', 0, 'coding', 0, 'code'));
            if (code && EXCLUSION_SERVICES.has(code)) p.services.push({ code, date: start.slice(0, 10), ...(site ? { site } : {}), ref });
          }
        break;
      }
      case 'Encounter': {
        const cls = at(x, 'class', 'code');
        if (values.dateStart === null || VOID.has(status)) break;
        const discharge = str(at(x, 'period', 'end'));
        const date = values.dateStart.slice(0, 10);
        for (const t of values.tokens) if (t.param === 'code' && EXCLUSION_SERVICES.has(t.code)) p.services.push({ code: t.code, date, ref });
        const disposition = str(at(x, 'hospitalization', 'dischargeDisposition', 'coding', 0, 'code'));
        if (disposition && EXCLUSION_SERVICES.has(disposition)) p.services.push({ code: disposition, date: (discharge ?? date).slice(0, 10), ref });
        if (typeof cls === 'string' && OUTPATIENT_CLASSES.has(cls))
          for (const reason of (x.reasonCode as Rec[] | undefined) ?? [])
            for (const c of (reason.coding as Rec[] | undefined) ?? [])
              if (c.system === ICD10CM && typeof c.code === 'string') p.visitDiagnoses.push({ code: c.code, date, ref });
        if (cls !== 'IMP' && cls !== 'EMER') break;
        p.stays.push({
          person,
          kind: cls === 'IMP' ? 'inpatient' : 'ed',
          admit: values.dateStart.slice(0, 10),
          discharge: (discharge ?? values.dateStart).slice(0, 10),
        });
        break;
      }
      case 'Condition': {
        const verification = str(at(x, 'verificationStatus', 'coding', 0, 'code')) ?? '';
        if (verification === 'entered-in-error' || verification === 'refuted') break;
        const date = str(x.onsetDateTime) ?? str(x.recordedDate) ?? updated(r);
        if (!date) break;
        for (const t of values.tokens) if (t.param === 'code' && t.system === ICD10CM) p.diagnoses.push({ code: t.code, date: date.slice(0, 10), ref });
        break;
      }
      case 'Observation': {
        if (values.dateStart === null || !FINAL.has(status)) break;
        const date = values.dateStart.slice(0, 10);
        const codes = new Set(values.tokens.filter((t) => t.param === 'code').map((t) => t.code));
        const value = at(x, 'valueQuantity', 'value');
        if (codes.has(LOINC_HBA1C) && typeof value === 'number') p.hba1c.push({ date, percent: value, ref });
        else if (codes.has(LOINC_BP_PANEL)) {
          const component = (code: string) =>
            at(((x.component as Rec[] | undefined) ?? []).find((c) => at(c, 'code', 'coding', 0, 'code') === code) ?? {}, 'valueQuantity', 'value');
          const systolic = component('8480-6');
          const diastolic = component('8462-4');
          if (typeof systolic === 'number' && typeof diastolic === 'number') p.bloodPressure.push({ date, systolic, diastolic, ref });
        }
        break;
      }
      case 'Procedure': {
        if (values.dateStart === null || status !== 'completed') break;
        if (values.tokens.some((t) => t.param === 'code' && CPT_MAMMOGRAPHY.has(t.code))) p.mammograms.push({ date: values.dateStart.slice(0, 10), ref });
        const site = str(at(x, 'bodySite', 0, 'coding', 0, 'code'));
        for (const t of values.tokens)
          if (t.param === 'code' && EXCLUSION_SERVICES.has(t.code))
            p.services.push({ code: t.code, date: values.dateStart.slice(0, 10), ...(site ? { site } : {}), ref });
        break;
      }
    }
  }
  return p;
}

/** The record types the facts come from: what a report must be allowed to read. */
export const FACT_TYPES: readonly string[] = ['Patient', 'Coverage', 'ExplanationOfBenefit', 'Encounter', 'Condition', 'Observation', 'Procedure'];

type Rec = Record<string, unknown>;
const ICD10CM = 'http://hl7.org/fhir/sid/icd-10-cm';
const LOINC_HBA1C = '4548-4';
const LOINC_BP_PANEL = '85354-9';
const CPT_MAMMOGRAPHY = new Set(['77067', '77063', '77065', '77066']);
const VOID = new Set(['entered-in-error', 'cancelled']);
const FINAL = new Set(['final', 'amended', 'corrected']);
/** Ambulatory, virtual and home health Encounters; professional and outpatient claims: the outpatient visits. */
const OUTPATIENT_CLASSES = new Set(['AMB', 'VR', 'HH']);
const OUTPATIENT_CLAIMS = new Set<ServiceCategory>(['professional', 'outpatient']);

function at(node: unknown, ...path: (string | number)[]): unknown {
  let v = node;
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined;
  return v;
}
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' ? v : 0);
const updated = (r: Resource) => str(at(r, 'meta', 'lastUpdated')) ?? '';

/** The claim's service category, by the rules of readFacts' SQL. */
function categoryOf(x: Rec): ServiceCategory {
  const type = at(x, 'type', 'coding', 0, 'code');
  if (type === 'pharmacy' || type === 'professional') return type;
  if (at(x, 'subType', 'coding', 0, 'code') === 'inpatient') return 'inpatient';
  const revenue = str(at(x, 'item', 0, 'revenue', 'coding', 0, 'code'));
  return revenue?.startsWith('045') ? 'ed' : 'outpatient';
}
