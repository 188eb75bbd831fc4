import { DRUGS, SPECIALIST_PRESCRIBED } from '../../src/synthetic/codes.js';
/** The care record a real region has: prescriptions, allergies, immunizations, lab reports, and the places care happens. */
import { describe, expect, it } from 'vitest';
import { validateResource } from '../../src/ingest/validate.js';
import { fhirProblems } from '../helpers/validate.js';
import { ageOn, idOf, ofType, region, resources, type Res } from './helpers.js';

const R = region(400, 21);
const MARIA = 'clinic-oak-pat-000001';
const INTERP = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';
const NEW_TYPES = ['MedicationRequest', 'AllergyIntolerance', 'Immunization', 'DiagnosticReport', 'Location'];

const byRef = new Map<string, Res>();
for (const s of R.sources)
  for (const e of s.bundle.entry ?? []) byRef.set(`${s.id}|${(e.resource as Res).resourceType}/${(e.resource as Res).id}`, e.resource as Res);
const sourceOf = (r: Res) => R.sources.find((s) => s.uri === r.meta.source)!.id;
const resolve = (from: Res, reference: string) => byRef.get(`${sourceOf(from)}|${reference}`);
const code = (c: { coding?: { code?: string }[] } | undefined) => c?.coding?.[0]?.code;

describe('every new resource is valid FHIR R4', () => {
  it('passes the ingest validator, every one of them', () => {
    for (const r of resources(R)) if (NEW_TYPES.includes(r.resourceType)) expect(validateResource(r, r.id), r.id).toEqual([]);
  });

  it("passes Medplum's StructureDefinition validator and the HL7 JSON schema (a sample of each type, and the lab Observations)", () => {
    const sample = [...NEW_TYPES, 'Observation'].flatMap((t) =>
      ofType(R, t)
        .filter((_, i) => i % 25 === 0)
        .slice(0, 12),
    );
    for (const r of sample) expect(fhirProblems(r), `${r.resourceType}/${r.id}`).toEqual([]);
  }, 60_000);
});

describe('Maria keeps her story, now with a full care record', () => {
  const mine = (type: string) => ofType(R, type, 'clinic-oak').filter((r) => (r.subject ?? r.patient)?.reference === `Patient/${MARIA}`);

  it('has her four chronic drugs as active, RxNorm-coded MedicationRequests from Dr Chen, with dosage text', () => {
    const reqs = mine('MedicationRequest');
    const names = reqs.map((r) => r.medicationCodeableConcept.text as string);
    for (const drug of ['metformin', 'lisinopril', 'sertraline', 'buprenorphine'])
      expect(
        names.some((n) => n.includes(drug)),
        drug,
      ).toBe(true);
    expect(reqs).toHaveLength(4);
    for (const r of reqs) {
      expect(r.status).toBe('active');
      expect(r.medicationCodeableConcept.coding[0].system).toBe('http://www.nlm.nih.gov/research/umls/rxnorm');
      expect(r.requester.reference).toBe('Practitioner/clinic-oak-prac-chen');
      expect(r.dosageInstruction[0].text).toMatch(/\d/);
      expect(r.authoredOn <= '2024-02-01').toBe(true);
      expect(resolve(r, r.reasonReference[0].reference)?.resourceType).toBe('Condition');
    }
  });

  it('is allergic to penicillin and has her flu shots', () => {
    const allergies = mine('AllergyIntolerance');
    expect(allergies.map((a) => a.code.coding[0].display)).toEqual(['penicillin']);
    const imms = mine('Immunization');
    expect(imms.filter((i) => code(i.vaccineCode) === '150').map((i) => i.occurrenceDateTime.slice(0, 10))).toEqual(['2024-10-15', '2025-11-11']);
    for (const i of imms) expect(resolve(i, i.encounter.reference)?.resourceType).toBe('Encounter');
  });

  it('has her six HbA1c values, each with its unit, the lab range and an H flag, each under a DiagnosticReport', () => {
    const a1c = mine('Observation').filter((o) => code(o.code) === '4548-4');
    expect(a1c.map((o) => o.valueQuantity.value)).toEqual([8.9, 9.4, 8.2, 9.1, 7.8, 7.2]);
    const reports = mine('DiagnosticReport');
    for (const o of a1c) {
      expect(o.valueQuantity).toMatchObject({ unit: '%', system: 'http://unitsofmeasure.org', code: '%' });
      expect(o.referenceRange[0]).toMatchObject({ low: { value: 4, unit: '%' }, high: { value: 5.6, unit: '%' } });
      expect(o.interpretation[0].coding[0]).toMatchObject({ system: INTERP, code: 'H' });
      expect(reports.some((d) => d.result.some((x: { reference: string }) => x.reference === `Observation/${o.id}`))).toBe(true);
    }
    // A lipid panel and a basic metabolic panel once a year, for her diabetes and hypertension.
    expect(reports.filter((d) => code(d.code) === '57698-3').length).toBe(2);
    expect(reports.filter((d) => code(d.code) === '51990-0').length).toBe(2);
  });

  it("had her ED visit in Mercy's emergency department and her admission on a Mercy ward", () => {
    const mercy = ofType(R, 'Encounter', 'hosp-mercy').filter(
      (e) => e.subject.reference === 'Patient/hosp-mercy-pat-000001' || e.subject.reference.includes('mercy'),
    );
    const emer = mercy.filter((e) => e.class.code === 'EMER' && e.period.start.startsWith('2024-08-22'));
    const imp = mercy.filter((e) => e.class.code === 'IMP' && e.period.start.startsWith('2025-02-03'));
    expect(emer).toHaveLength(1);
    expect(imp).toHaveLength(1);
    expect(emer[0]!.location[0].location.reference).toBe('Location/hosp-mercy-loc-ed');
    expect(imp[0]!.location[0].location.reference).toBe('Location/hosp-mercy-loc-ward-medical');
  });
});

describe('locations', () => {
  it('each hospital publishes its campus, ED, two wards and an ICU; each clinic its site; departments are partOf the site and managed by the owner', () => {
    for (const s of R.sources.filter((x) => x.kind === 'hospital' || x.kind === 'clinic')) {
      const locs = ofType(R, 'Location', s.id);
      expect(locs.every((l) => l.meta.source === s.uri && l.managingOrganization.reference === `Organization/${s.organizationId}`)).toBe(true);
      const site = locs.find((l) => code(l.physicalType) === 'si')!;
      expect(site).toBeDefined();
      const departments = locs.filter((l) => l !== site);
      for (const d of departments) expect(d.partOf.reference).toBe(`Location/${site.id}`);
      if (s.kind === 'hospital') expect(departments.map((d) => code(d.type[0])).sort()).toEqual(['ER', 'HU', 'HU', 'ICU']);
      else expect(departments).toEqual([]);
    }
  });

  it('every Encounter names a Location its own source publishes, of the right kind for its class', () => {
    for (const e of ofType(R, 'Encounter')) {
      const loc = resolve(e, e.location[0].location.reference);
      expect(loc?.resourceType, e.id).toBe('Location');
      const kind = code(loc!.type[0]);
      expect(kind).toBe(e.class.code === 'AMB' ? 'PC' : e.class.code === 'EMER' ? 'ER' : kind === 'ICU' ? 'ICU' : 'HU');
    }
  });
});

describe('labs', () => {
  const labs = ofType(R, 'Observation').filter((o) => code(o.category[0]) === 'laboratory');
  it('every lab value has a UCUM quantity, a reference range with units, and the flag its range implies', () => {
    expect(labs.length).toBeGreaterThan(500);
    for (const o of labs) {
      expect(o.valueQuantity.system).toBe('http://unitsofmeasure.org');
      const range = o.referenceRange[0];
      const v = o.valueQuantity.value as number;
      for (const bound of [range.low, range.high].filter(Boolean)) expect(bound.unit).toBe(o.valueQuantity.unit);
      const flag = range.high && v > range.high.value ? 'H' : range.low && v < range.low.value ? 'L' : 'N';
      expect(o.interpretation[0].coding[0], o.id).toMatchObject({ system: INTERP, code: flag });
    }
    // Not everyone is abnormal: the ranges discriminate.
    const flags = new Set(labs.map((o) => o.interpretation[0].coding[0].code));
    expect([...flags].sort()).toEqual(['H', 'L', 'N']);
  });

  it('every DiagnosticReport is LAB, effective when its results were taken, issued after, and its results resolve to lab Observations of the same patient', () => {
    for (const d of ofType(R, 'DiagnosticReport')) {
      expect(d.category[0].coding[0]).toMatchObject({ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'LAB' });
      expect(Date.parse(d.issued)).toBeGreaterThan(Date.parse(d.effectiveDateTime));
      expect(d.performer[0].reference).toMatch(/^Organization\//);
      for (const x of d.result) {
        const o = resolve(d, x.reference)!;
        expect(o.subject.reference).toBe(d.subject.reference);
        expect(o.effectiveDateTime).toBe(d.effectiveDateTime);
      }
    }
  });

  it('people with diabetes or hypertension get lipid panels and BMPs; children without them get none', () => {
    const reports = ofType(R, 'DiagnosticReport');
    const lipidPatients = new Set(reports.filter((d) => code(d.code) === '57698-3').map((d) => idOf(d.subject.reference)));
    const patients = new Map(ofType(R, 'Patient').map((p) => [p.id, p]));
    expect(lipidPatients.size).toBeGreaterThan(30);
    for (const id of lipidPatients) expect(ageOn(patients.get(id)!.birthDate, '2025-12-31')).toBeGreaterThanOrEqual(18);
  });
});

describe('prescriptions, allergies and immunizations across the region', () => {
  it('one MedicationRequest per drug a person fills, at their PCP clinic; some courses were stopped', () => {
    const reqs = ofType(R, 'MedicationRequest');
    const keys = reqs.map((r) => `${r.subject.reference}|${r.medicationCodeableConcept.coding[0].code}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(reqs.map((r) => r.status))).toEqual(new Set(['active', 'stopped']));
    // Every pharmacy claim's drug has a prescription somewhere in the region, except specialty drugs, whose
    // prescribers are outside the exchange: those are claims only, never a PCP MedicationRequest.
    const specialist = new Set([...SPECIALIST_PRESCRIBED].map((d) => DRUGS[d].rxnorm as string));
    const prescribed = new Set(reqs.map((r) => r.medicationCodeableConcept.coding[0].code));
    for (const c of prescribed) expect(specialist.has(c), c).toBe(false);
    for (const eob of ofType(R, 'ExplanationOfBenefit').filter((e) => code(e.type) === 'pharmacy')) {
      const drug = eob.item[0].productOrService.coding[0].code;
      if (!specialist.has(drug)) expect(prescribed).toContain(drug);
    }
  });

  it('a realistic share of people has an allergy on file (10-35%), drug allergies outnumbering food ones, high criticality for anaphylaxis', () => {
    const people = new Set(
      ofType(R, 'Patient')
        .filter((p) => p.meta.source.includes('clinic-'))
        .map((p) => p.id),
    );
    const allergies = ofType(R, 'AllergyIntolerance');
    const withOne = new Set(allergies.map((a) => idOf(a.patient.reference)));
    expect(withOne.size / people.size).toBeGreaterThan(0.1);
    expect(withOne.size / people.size).toBeLessThan(0.35);
    const cat = (c: string) => allergies.filter((a) => a.category[0] === c).length;
    expect(cat('medication')).toBeGreaterThan(cat('food'));
    for (const a of allergies) if (a.reaction[0].manifestation[0].coding[0].code === '39579001') expect(a.criticality).toBe('high');
  });

  it('influenza vaccines fall in the autumn, pneumococcal vaccine only at 65 and over, all CVX-coded', () => {
    const patients = new Map(ofType(R, 'Patient').map((p) => [p.id, p]));
    const imms = ofType(R, 'Immunization');
    expect(imms.length).toBeGreaterThan(100);
    for (const i of imms) {
      expect(i.vaccineCode.coding[0].system).toBe('http://hl7.org/fhir/sid/cvx');
      const month = Number(i.occurrenceDateTime.slice(5, 7));
      if (code(i.vaccineCode) === '150') expect(month).toBeGreaterThanOrEqual(9);
      if (code(i.vaccineCode) === '216') expect(ageOn(patients.get(idOf(i.patient.reference))!.birthDate, i.occurrenceDateTime)).toBeGreaterThanOrEqual(65);
    }
  });
});
