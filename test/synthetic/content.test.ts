import { describe, expect, it } from 'vitest';
import { ageOn, daysBetween, idOf, ofType, region, resources, type Res } from './helpers.js';

const N = 300;
const r = region(N, 42);
const encounters = ofType(r, 'Encounter');
const person = (ref: string): number => r.truth[idOf(ref)]!;
const code = (cc: { coding: { system: string; code: string }[] } | undefined, system: string) => cc?.coding.find((c) => c.system === system)?.code;

const CPT = 'http://www.ama-assn.org/go/cpt';
const ICD = 'http://hl7.org/fhir/sid/icd-10-cm';
const SNOMED = 'http://snomed.info/sct';
const LOINC = 'http://loinc.org';

function luhnValidNpi(npi: string): boolean {
  const digits = `80840${npi}`.split('').map(Number);
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits[digits.length - 1 - i]!;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

describe('organisations and clinicians', () => {
  it('has three payers covering the three SOPT segments', () => {
    const expected: Record<string, string> = { 'payer-lakeshore': '5', 'payer-greatlakes-ma': '11', 'payer-peninsula-medicaid': '2' };
    for (const [payer, sopt] of Object.entries(expected)) {
      const coverages = ofType(r, 'Coverage', payer);
      expect(coverages.length).toBeGreaterThan(0);
      for (const c of coverages) {
        expect(code(c.type, 'https://nahdo.org/sopt')).toBe(sopt);
        expect(c.status).toBe('active');
        expect(c.payor).toEqual([{ reference: `Organization/${payer}-org` }]);
        expect(c.subscriber).toEqual(c.beneficiary);
        expect(c.identifier[0]).toEqual({ system: `https://${payer}.example.org/member-id`, value: c.subscriberId });
        expect(c.period.start <= c.period.end).toBe(true);
      }
    }
  });

  it('has two hospitals and five clinics, each clinic with 2-4 clinicians holding NPIs and roles', () => {
    expect(r.sources.filter((s) => s.kind === 'hospital')).toHaveLength(2);
    const clinics = r.sources.filter((s) => s.kind === 'clinic');
    expect(clinics).toHaveLength(5);
    for (const s of r.sources.filter((x) => x.kind === 'clinic' || x.kind === 'hospital')) {
      const practitioners = ofType(r, 'Practitioner', s.id);
      const roles = ofType(r, 'PractitionerRole', s.id);
      if (s.kind === 'clinic') expect(practitioners.length).toBeGreaterThanOrEqual(2);
      if (s.kind === 'clinic') expect(practitioners.length).toBeLessThanOrEqual(4);
      expect(roles.map((x) => x.practitioner.reference).sort()).toEqual(practitioners.map((p) => `Practitioner/${p.id}`).sort());
      for (const role of roles) expect(role.organization.reference).toBe(`Organization/${s.organizationId}`);
      for (const p of practitioners) {
        const npi = p.identifier.find((i: Res) => i.system === 'http://hl7.org/fhir/sid/us-npi')?.value as string;
        expect(npi).toMatch(/^\d{10}$/);
        expect(luhnValidNpi(npi)).toBe(true);
      }
    }
  });
});

describe('encounters', () => {
  it('span both calendar years', () => {
    const years = new Set(encounters.map((e) => e.period.start.slice(0, 4)));
    expect([...years].sort()).toEqual(['2024', '2025']);
  });

  it('include E&M office visits at clinics with a CPT type, practitioner and same-day period', () => {
    const amb = encounters.filter((e) => e.class.code === 'AMB');
    expect(amb.length).toBeGreaterThan(N);
    const codes = new Set(['99202', '99203', '99204', '99205', '99212', '99213', '99214', '99215']);
    for (const e of amb) {
      expect(e.class.system).toBe('http://terminology.hl7.org/CodeSystem/v3-ActCode');
      expect(codes.has(code(e.type[0], CPT)!)).toBe(true);
      expect(e.serviceProvider.reference).toMatch(/^Organization\/clinic-/);
      expect(e.participant[0].individual.reference).toMatch(/^Practitioner\/clinic-/);
      expect(e.period.end.slice(0, 10)).toBe(e.period.start.slice(0, 10));
      expect([0, 6]).not.toContain(new Date(e.period.start.slice(0, 10)).getUTCDay());
      expect(code(e.reasonCode[0], ICD)).toMatch(/^[A-Z]\d/);
    }
    // Some people see more than one clinic, which plurality attribution must resolve, ties included.
    const visits = new Map<number, Map<string, number>>();
    for (const e of amb) {
      const counts = visits.get(person(e.subject.reference)) ?? new Map<string, number>();
      counts.set(e.serviceProvider.reference, (counts.get(e.serviceProvider.reference) ?? 0) + 1);
      visits.set(person(e.subject.reference), counts);
    }
    const multi = [...visits.values()].filter((c) => c.size > 1);
    expect(multi.length).toBeGreaterThan(10);
    const ties = multi.filter((c) => {
      const sorted = [...c.values()].sort((a, b) => b - a);
      return sorted[0] === sorted[1];
    });
    expect(ties.length).toBeGreaterThan(0);
  });

  it('include emergency visits and inpatient stays at hospitals, with a 30-day readmission', () => {
    const ed = encounters.filter((e) => e.class.code === 'EMER');
    const imp = encounters.filter((e) => e.class.code === 'IMP');
    expect(ed.length).toBeGreaterThan(10);
    expect(imp.length).toBeGreaterThan(5);
    for (const e of ed) {
      expect(['99283', '99284', '99285']).toContain(code(e.type[0], CPT));
      expect(e.serviceProvider.reference).toMatch(/^Organization\/hosp-/);
    }
    for (const e of imp) {
      const los = daysBetween(e.period.start, e.period.end);
      expect(los).toBeGreaterThanOrEqual(1);
      expect(los).toBeLessThanOrEqual(10);
      expect(e.hospitalization.dischargeDisposition.coding[0].system).toBe('http://terminology.hl7.org/CodeSystem/discharge-disposition');
      expect(e.subject.reference).toMatch(/^Patient\/hosp-/);
    }
    const stays = imp
      .map((e) => ({ p: person(e.subject.reference), admit: e.period.start, discharge: e.period.end }))
      .sort((a, b) => a.p - b.p || a.admit.localeCompare(b.admit));
    const readmissions = stays.filter(
      (s, i) => i > 0 && stays[i - 1]!.p === s.p && daysBetween(stays[i - 1]!.discharge, s.admit) >= 0 && daysBetween(stays[i - 1]!.discharge, s.admit) <= 30,
    );
    expect(readmissions.length).toBeGreaterThan(0);
  });
});

describe('conditions, observations and procedures', () => {
  it('include every condition family with ICD-10-CM and SNOMED codes', () => {
    const conditions = ofType(r, 'Condition');
    const families: Record<string, string> = {
      'E11.9': '44054006',
      I10: '38341003',
      'F11.20': '5602001',
      'F10.20': '7200002',
      B20: '86406008',
      'F32.9': '35489007',
      'F41.1': '21897009',
      'Z34.90': '72892002',
      'A56.09': '105629000',
    };
    for (const [icd, snomed] of Object.entries(families)) {
      const found = conditions.filter((c) => code(c.code, ICD) === icd);
      expect(found.length, icd).toBeGreaterThan(0);
      for (const c of found) expect(code(c.code, SNOMED)).toBe(snomed);
    }
    for (const c of conditions) {
      expect(['active', 'resolved']).toContain(c.clinicalStatus.coding[0].code);
      expect(c.verificationStatus.coding[0].code).toBe('confirmed');
      expect(['problem-list-item', 'encounter-diagnosis']).toContain(c.category[0].coding[0].code);
      expect(c.recordedDate ?? c.onsetDateTime).toBeDefined();
    }
    // A diagnosis made inside the window points at the visit where it was made.
    const byId = new Map(encounters.map((e) => [e.id, e]));
    const diagnosed = conditions.filter((c) => c.category[0].coding[0].code === 'problem-list-item' && c.onsetDateTime);
    expect(diagnosed.length).toBeGreaterThan(0);
    for (const c of diagnosed.filter((x) => x.encounter)) {
      expect(byId.get(idOf(c.encounter.reference))!.period.start.slice(0, 10)).toBe(c.onsetDateTime);
    }
    expect(diagnosed.filter((x) => x.encounter).length / diagnosed.length).toBeGreaterThan(0.8);
    // Chronic problems recorded at a clinic are also re-recorded by hospitals.
    expect(conditions.some((c) => c.meta.source.includes('hosp-') && code(c.code, ICD) === 'I10')).toBe(true);
  });

  it('include HbA1c results for diabetics, some above 9%', () => {
    const a1c = ofType(r, 'Observation').filter((o) => code(o.code, LOINC) === '4548-4');
    expect(a1c.length).toBeGreaterThan(20);
    for (const o of a1c) {
      expect(o.status).toBe('final');
      expect(o.category[0].coding[0].code).toBe('laboratory');
      expect(o.valueQuantity.unit).toBe('%');
      expect(o.valueQuantity.value).toBeGreaterThanOrEqual(5.5);
      expect(o.valueQuantity.value).toBeLessThanOrEqual(12);
      expect(o.encounter.reference).toMatch(/^Encounter\//);
    }
    expect(a1c.some((o) => o.valueQuantity.value > 9)).toBe(true);
  });

  it('include blood pressure panels, controlled and uncontrolled', () => {
    const bp = ofType(r, 'Observation').filter((o) => code(o.code, LOINC) === '85354-9');
    expect(bp.length).toBeGreaterThan(100);
    const reading = (o: Res, loinc: string) => o.component.find((c: Res) => code(c.code, LOINC) === loinc).valueQuantity;
    for (const o of bp) {
      expect(o.category[0].coding[0].code).toBe('vital-signs');
      expect(reading(o, '8480-6').unit).toBe('mm[Hg]');
      expect(reading(o, '8462-4').value).toBeLessThan(reading(o, '8480-6').value);
    }
    expect(bp.some((o) => reading(o, '8480-6').value >= 140)).toBe(true);
    expect(bp.some((o) => reading(o, '8480-6').value < 140 && reading(o, '8462-4').value < 90)).toBe(true);
  });

  it('include screening mammography at hospitals for women aged 50-74', () => {
    const procedures = ofType(r, 'Procedure');
    const patients = new Map(ofType(r, 'Patient').map((p) => [p.id, p]));
    expect(procedures.length).toBeGreaterThan(5);
    for (const p of procedures) {
      expect(code(p.code, CPT)).toBe('77067');
      expect(code(p.code, SNOMED)).toBe('71651007');
      expect(p.status).toBe('completed');
      expect(p.meta.source).toMatch(/^https:\/\/hosp-/);
      const patient = patients.get(idOf(p.subject.reference))!;
      expect(patient.gender).toBe('female');
      const age = ageOn(patient.birthDate, p.performedDateTime);
      expect(age).toBeGreaterThanOrEqual(50);
      expect(age).toBeLessThanOrEqual(74);
    }
  });
});

describe('patient records', () => {
  it('exist at the PCP clinic for everyone, and ~60% of clinic records name a general practitioner', () => {
    const clinicRecords = ofType(r, 'Patient').filter((p) => p.meta.source.includes('clinic-'));
    const people = new Set(clinicRecords.map((p) => r.truth[p.id]));
    expect(people.size).toBe(N);
    const withGp = clinicRecords.filter((p) => p.generalPractitioner);
    const share = withGp.length / N;
    expect(share).toBeGreaterThan(0.45);
    expect(share).toBeLessThan(0.75);
    for (const p of withGp) {
      expect(p.generalPractitioner[0].reference).toMatch(/^Practitioner\//);
      expect(p.generalPractitioner[1].reference).toBe(`Organization/${p.id.slice(0, p.id.indexOf('-pat-'))}-org`);
    }
  });

  it('spread ages from infants to over-90s, and addresses over several Michigan ZIP3s', () => {
    const patients = ofType(r, 'Patient');
    const ages = patients.map((p) => ageOn(p.birthDate, '2025-12-31'));
    expect(Math.min(...ages)).toBeLessThanOrEqual(2);
    expect(Math.max(...ages)).toBeGreaterThanOrEqual(90);
    expect(Math.max(...ages)).toBeLessThanOrEqual(97);
    const zip3 = new Set(patients.map((p) => p.address[0].postalCode.slice(0, 3)));
    expect(zip3.size).toBeGreaterThanOrEqual(6);
    for (const p of patients) {
      expect(p.address[0].state).toBe('MI');
      expect(p.address[0].postalCode).toMatch(/^4[89]\d{3}(-\d{4})?$/);
    }
  });
});

describe('every resource', () => {
  it('is one of the expected types', () => {
    const types = new Set(resources(r).map((x) => x.resourceType));
    expect([...types].sort()).toEqual([
      'AllergyIntolerance',
      'Condition',
      'Coverage',
      'DiagnosticReport',
      'Encounter',
      'ExplanationOfBenefit',
      'Immunization',
      'Location',
      'MedicationRequest',
      'Observation',
      'Organization',
      'Patient',
      'Practitioner',
      'PractitionerRole',
      'Procedure',
      'RelatedPerson',
    ]);
  });
});
