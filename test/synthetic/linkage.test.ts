import { describe, expect, it } from 'vitest';
import { generateRegion } from '../../src/synthetic/index.js';
import { idOf, norm, ofType, region, resources, ssnOf, type Res } from './helpers.js';

const r = region(300, 42);
const patients = ofType(r, 'Patient');
const byPerson = new Map<number, Res[]>();
for (const p of patients) {
  const i = r.truth[p.id]!;
  byPerson.set(i, [...(byPerson.get(i) ?? []), p]);
}

const given = (p: Res): string => p.name[0].given[0];
const family = (p: Res): string => p.name[0].family;
const fullName = (p: Res): string => `${p.name[0].given.join(' ')} ${family(p)}`;
const zip5 = (p: Res): string => (p.address[0].postalCode as string).slice(0, 5);
const demographicKey = (p: Res): string => [norm(family(p)), norm(given(p).trim().split(/\s+/)[0]!), p.birthDate, p.gender, zip5(p)].join('|');

describe('demographic variation across sources', () => {
  it('writes the same person differently in ways that normalise away', () => {
    const pairs = [...byPerson.values()].filter((records) =>
      records.some((a) => records.some((b) => a !== b && family(a) !== family(b) && norm(family(a)) === norm(family(b)))),
    );
    expect(pairs.length).toBeGreaterThan(0);
  });

  it('includes upper-casing, stripped accents, hyphen/space swaps, ZIP+4, middle initials and stray spaces', () => {
    const families = patients.map(family);
    expect(families.some((f) => f === f.toUpperCase() && /[A-Z]{3}/.test(f))).toBe(true);
    expect(families.some((f) => /[\u00C0-\u017F]/.test(f))).toBe(true);
    expect(families.some((f) => /\S-\S/.test(f.trim()))).toBe(true);
    expect(families.some((f) => /\S \S/.test(f.trim()))).toBe(true);
    expect(patients.some((p) => /^\d{5}-\d{4}$/.test(p.address[0].postalCode))).toBe(true);
    expect(patients.some((p) => p.name[0].given.length === 2 && p.name[0].given[1].length === 1)).toBe(true);
    expect(patients.some((p) => given(p) !== given(p).trim() || family(p) !== family(p).trim())).toBe(true);
    const accentStripped = [...byPerson.values()].some((records) =>
      records.some((a) => records.some((b) => /[\u00C0-\u017F]/.test(fullName(a)) && !/[\u00C0-\u017F]/.test(fullName(b)))),
    );
    expect(accentStripped).toBe(true);
  });

  it('never varies birth date or sex, and keeps one SSN per person', () => {
    const ssnOwner = new Map<string, number>();
    for (const [i, records] of byPerson) {
      expect(new Set(records.map((p) => p.birthDate)).size).toBe(1);
      expect(new Set(records.map((p) => p.gender)).size).toBe(1);
      const ssns = new Set(records.map(ssnOf).filter((s): s is string => s !== undefined));
      expect(ssns.size).toBeLessThanOrEqual(1);
      for (const ssn of ssns) {
        expect(ssn).toMatch(/^9\d{2}-\d{2}-\d{4}$/);
        expect(ssnOwner.get(ssn) ?? i).toBe(i);
        ssnOwner.set(ssn, i);
      }
    }
  });

  it('uses a nickname only on copies carrying the SSN', () => {
    let nicknames = 0;
    for (const records of byPerson.values()) {
      const names = new Map<string, number>();
      for (const p of records) names.set(norm(given(p)), (names.get(norm(given(p))) ?? 0) + 1);
      if (names.size < 2) continue;
      const usual = [...names.entries()].sort((a, b) => b[1] - a[1])[0]![0];
      for (const p of records.filter((x) => norm(given(x)) !== usual)) {
        nicknames++;
        expect(ssnOf(p), fullName(p)).toBeDefined();
      }
    }
    expect(nicknames).toBeGreaterThan(0);
  });

  it('leaves every person linkable: records connect through the SSN or the normalised demographics', () => {
    for (const records of byPerson.values()) {
      const group = records.map((_, i) => i);
      const find = (i: number): number => (group[i] === i ? i : (group[i] = find(group[i]!)));
      for (let a = 0; a < records.length; a++) {
        for (let b = a + 1; b < records.length; b++) {
          const ssnA = ssnOf(records[a]!);
          const sameSsn = ssnA !== undefined && ssnA === ssnOf(records[b]!);
          if (sameSsn || demographicKey(records[a]!) === demographicKey(records[b]!)) group[find(a)] = find(b);
        }
      }
      expect(new Set(records.map((_, i) => find(i))).size, records.map(fullName).join(' / ')).toBe(1);
    }
  });

  it('does not give two people the same normalised demographics', () => {
    const owner = new Map<string, number>();
    for (const p of patients) {
      const key = demographicKey(p);
      expect(owner.get(key) ?? r.truth[p.id]).toBe(r.truth[p.id]);
      owner.set(key, r.truth[p.id]!);
    }
  });

  it('carries source-specific MRNs and member ids, and the SSN on most but not all copies', () => {
    const share = (kind: string) => {
      const records = patients.filter((p) => p.meta.source.startsWith(`https://${kind}`));
      return records.filter((p) => ssnOf(p)).length / records.length;
    };
    expect(share('clinic-')).toBeGreaterThan(0.55);
    expect(share('clinic-')).toBeLessThan(0.85);
    expect(share('payer-')).toBeGreaterThan(0.8);
    expect(share('hosp-')).toBeGreaterThan(0.3);
    expect(share('hosp-')).toBeLessThan(0.7);
    for (const p of patients) {
      const source = p.id.slice(0, p.id.indexOf('-pat-'));
      const local = p.identifier[0];
      expect(local.system).toBe(`https://${source}.example.org/${source.startsWith('payer-') ? 'member-id' : 'mrn'}`);
      expect(local.value).toMatch(/^[A-Z]{3}\d{8,9}$/);
    }
  });
});

describe('named fixture people', () => {
  const maria = (source: string): Res => patients.find((p) => r.truth[p.id] === 0 && p.meta.source === `https://${source}.example.org/fhir`)!;

  it('lists the six named users with their FHIR identities and organisations', () => {
    expect(r.people).toEqual([
      {
        username: 'maria',
        name: 'Maria Elena Alvarez',
        role: 'patient',
        fhirUser: 'Patient/clinic-oak-pat-000001',
        organization: 'Organization/clinic-oak-org',
      },
      {
        username: 'daniel',
        name: 'Daniel Alvarez',
        role: 'caregiver',
        fhirUser: 'RelatedPerson/clinic-oak-rp-daniel',
        organization: 'Organization/org-hie',
        patient: 'Patient/clinic-oak-pat-000001',
      },
      {
        username: 'dr.chen',
        name: 'Dr. Sarah Chen',
        role: 'clinician',
        fhirUser: 'Practitioner/clinic-oak-prac-chen',
        organization: 'Organization/clinic-oak-org',
      },
      {
        username: 'dr.okafor',
        name: 'Dr. James Okafor',
        role: 'clinician',
        fhirUser: 'Practitioner/hosp-riverside-prac-okafor',
        organization: 'Organization/hosp-riverside-org',
      },
      { username: 'priya', name: 'Priya Raman', role: 'researcher', organization: 'Organization/org-research' },
      { username: 'alex', name: 'Alex Morgan', role: 'operator', organization: 'Organization/org-hie' },
    ]);
    const all = new Set(resources(r).map((x) => `${x.resourceType}/${x.id}`));
    for (const p of r.people) {
      if (p.fhirUser) expect(all.has(p.fhirUser), p.fhirUser).toBe(true);
      expect(all.has(p.organization), p.organization).toBe(true);
      if (p.patient) expect(all.has(p.patient)).toBe(true);
    }
  });

  it('gives Maria records at clinic-oak, hosp-mercy and payer-lakeshore, the hospital one without SSN', () => {
    expect(
      byPerson
        .get(0)!
        .map((p) => p.id)
        .sort(),
    ).toEqual(['clinic-oak-pat-000001', 'hosp-mercy-pat-000417', 'payer-lakeshore-pat-000093']);
    const clinic = maria('clinic-oak');
    expect(clinic.name[0]).toEqual({ use: 'official', family: 'Alvarez', given: ['Maria', 'Elena'] });
    expect(clinic).toMatchObject({ gender: 'female', birthDate: '1968-04-12' });
    expect(clinic.address[0].postalCode).toBe('48911');
    expect(ssnOf(clinic)).toBeDefined();
    expect(clinic.generalPractitioner[0].reference).toBe('Practitioner/clinic-oak-prac-chen');
    const hospital = maria('hosp-mercy');
    expect(ssnOf(hospital)).toBeUndefined();
    expect(fullName(hospital)).toBe('MARIA ALVAREZ');
    expect(hospital.address[0].postalCode).toBe('48911-2204');
    expect(demographicKey(hospital)).toBe(demographicKey(clinic));
    expect(ssnOf(maria('payer-lakeshore'))).toBe(ssnOf(clinic));
  });

  it('gives Maria diabetes, hypertension, depression and opioid use disorder with labs, an ED visit, an admission and a mammogram', () => {
    const mine = resources(r).filter((x) => {
      const ref = x.subject?.reference ?? x.patient?.reference ?? x.beneficiary?.reference;
      return typeof ref === 'string' && r.truth[idOf(ref)] === 0;
    });
    const icd = new Set(mine.filter((x) => x.resourceType === 'Condition' && x.meta.source.includes('clinic-oak')).map((c) => c.code.coding[0].code));
    for (const code of ['E11.9', 'I10', 'F32.9', 'F11.20']) expect(icd.has(code), code).toBe(true);
    expect(mine.filter((x) => x.resourceType === 'Observation' && x.code.coding[0].code === '4548-4').length).toBeGreaterThanOrEqual(4);
    const hospital = mine
      .filter((x) => x.resourceType === 'Encounter' && x.meta.source.includes('hosp-mercy'))
      .map((e) => e.class.code)
      .sort();
    expect(hospital).toEqual(['EMER', 'IMP']);
    expect(mine.some((x) => x.resourceType === 'Procedure' && x.meta.source.includes('hosp-mercy'))).toBe(true);
    const coverage = mine.filter((x) => x.resourceType === 'Coverage');
    expect(coverage.map((c) => [c.meta.source, c.period])).toEqual([['https://payer-lakeshore.example.org/fhir', { start: '2024-01-01', end: '2025-12-31' }]]);
    // Dr Okafor is a clinician at another organisation who has not treated her.
    expect(JSON.stringify(mine)).not.toContain('okafor');
    expect(JSON.stringify(mine)).toContain('Practitioner/clinic-oak-prac-chen');
  });

  it('has Daniel as her son and the named clinicians in their own bundles', () => {
    const daniel = ofType(r, 'RelatedPerson', 'clinic-oak');
    expect(daniel).toHaveLength(1);
    expect(daniel[0]).toMatchObject({ id: 'clinic-oak-rp-daniel', patient: { reference: 'Patient/clinic-oak-pat-000001' } });
    expect(daniel[0]!.relationship[0].coding[0]).toMatchObject({ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'CHILD' });
    expect(ofType(r, 'Practitioner', 'clinic-oak').find((p) => p.id === 'clinic-oak-prac-chen')?.name[0]).toMatchObject({ family: 'Chen', given: ['Sarah'] });
    expect(ofType(r, 'Practitioner', 'hosp-riverside').find((p) => p.id === 'hosp-riverside-prac-okafor')?.name[0]).toMatchObject({
      family: 'Okafor',
      given: ['James'],
    });
  });

  it('are present however small the region and whatever the seed', () => {
    const tiny = generateRegion({ patients: 1, seed: 987_654 });
    expect(Object.values(tiny.truth).every((i) => i === 0)).toBe(true);
    expect(Object.keys(tiny.truth).sort()).toEqual(['clinic-oak-pat-000001', 'hosp-mercy-pat-000417', 'payer-lakeshore-pat-000093']);
    expect(tiny.people.map((p) => p.username)).toEqual(['maria', 'daniel', 'dr.chen', 'dr.okafor', 'priya', 'alex']);
  });
});
