import { describe, expect, it } from 'vitest';
import { PRICE_LEVEL, type PriceSetting } from '../../src/synthetic/pricing.js';
import { ageOn, daysBetween, idOf, ofType, region, type Res } from './helpers.js';

const N = 300;
const r = region(N, 42);
const person = (ref: string): number => r.truth[idOf(ref)]!;
const code = (cc: { coding: { system: string; code: string }[] } | undefined, system: string) => cc?.coding.find((c) => c.system === system)?.code;
const ICD = 'http://hl7.org/fhir/sid/icd-10-cm';
const levels = (setting: PriceSetting): [number, number] => {
  const all = Object.values(PRICE_LEVEL).map((l) => l[setting]);
  return [Math.min(...all), Math.max(...all)];
};

describe('claims', () => {
  const eobs = ofType(r, 'ExplanationOfBenefit');
  const total = (e: Res, cat: string): number => e.total.find((t: Res) => t.category.coding[0].code === cat).amount.value;

  it('come in institutional (inpatient and outpatient), professional and pharmacy types', () => {
    const kinds = new Set(eobs.map((e) => `${e.type.coding[0].code}/${e.subType?.coding[0].code ?? ''}`));
    expect([...kinds].sort()).toEqual(['institutional/inpatient', 'institutional/outpatient', 'pharmacy/', 'professional/']);
  });

  it('bill more than is allowed and pay no more than is allowed, in cents and plausible ranges', () => {
    for (const e of eobs) {
      const [submitted, eligible, benefit] = ['submitted', 'eligible', 'benefit'].map((c) => total(e, c)) as [number, number, number];
      expect(submitted).toBeGreaterThan(eligible);
      expect(eligible).toBeGreaterThanOrEqual(benefit);
      expect(benefit).toBeGreaterThan(0);
      for (const v of [submitted, eligible, benefit]) expect(Math.round(v * 100) / 100).toBe(v);
      for (const t of e.total) expect(t.amount.currency).toBe('USD');
      const type = e.type.coding[0].code;
      const sub = e.subType?.coding[0].code;
      const product = e.item[0].productOrService.coding[0];
      const table: [number, number, PriceSetting] | undefined =
        type === 'pharmacy'
          ? [4, 15500, 'pharmacy']
          : type === 'institutional' && sub === 'inpatient'
            ? [8000, 40000, 'inpatient']
            : type === 'institutional' && product.code === '0450'
              ? [800, 3000, 'outpatient']
              : type === 'professional' && /^992[01]/.test(product.code)
                ? [100, 250, 'professional']
                : undefined;
      // The table's range at the lowest and highest segment price level (Medicaid to commercial).
      const range = table && [table[0] * levels(table[2])[0] - 0.01, table[1] * levels(table[2])[1] + 0.01];
      if (range) expect(eligible >= range[0]! && eligible <= range[1]!, `${type} ${product.code} ${eligible}`).toBe(true);
    }
  });

  it("are filed by the payer covering the service date, against that payer's own patient and coverage", () => {
    const coverages = new Map(ofType(r, 'Coverage').map((c) => [c.id, c]));
    for (const e of eobs) {
      expect(e.status).toBe('active');
      expect(e.use).toBe('claim');
      expect(e.outcome).toBe('complete');
      expect(e.item[0].sequence).toBe(1);
      expect(e.insurance).toHaveLength(1);
      expect(e.insurance[0].focal).toBe(true);
      const coverage = coverages.get(idOf(e.insurance[0].coverage.reference))!;
      expect(coverage.meta.source).toBe(e.meta.source);
      expect(coverage.beneficiary.reference).toBe(e.patient.reference);
      expect(e.insurer.reference).toBe(coverage.payor[0].reference);
      const start = e.billablePeriod.start;
      expect(coverage.period.start <= start && start <= coverage.period.end).toBe(true);
      expect(e.provider.reference).toMatch(/^Organization\/(clinic|hosp)-.*-org$/);
      if (e.type.coding[0].code !== 'pharmacy') expect(code(e.diagnosis[0].diagnosisCodeableConcept, ICD)).toBeDefined();
    }
    // Claims for care the exchange holds records of cite the encounter; claims-only services
    // (imaging, procedures and consultations at the hospital, pharmacy fills) need not.
    const recorded = eobs.filter((e) => {
      const product = e.item[0].productOrService.coding[0].code as string;
      return /^992(0|1|2|8)\d$/.test(product) || e.subType?.coding[0].code === 'inpatient' || product === '0450';
    });
    expect(recorded.length).toBeGreaterThan(eobs.length / 3);
    for (const e of recorded) expect(e.item[0].encounter, e.id).toBeDefined();
  });

  it('include pharmacy fills of metformin and lisinopril', () => {
    const drugs = new Set(eobs.filter((e) => e.type.coding[0].code === 'pharmacy').map((e) => e.item[0].productOrService.coding[0].code));
    expect(drugs.has('861007')).toBe(true);
    expect(drugs.has('314076')).toBe(true);
  });
});

describe('coverage over time', () => {
  const coverages = ofType(r, 'Coverage');
  const byPerson = new Map<number, Res[]>();
  for (const c of coverages) {
    const p = person(c.beneficiary.reference);
    byPerson.set(p, [...(byPerson.get(p) ?? []), c]);
  }

  it('has people who switch payer, including ageing into Medicare Advantage on their 65th birthday', () => {
    const switchers = [...byPerson.values()].filter((cs) => new Set(cs.map((c) => c.meta.source)).size > 1);
    expect(switchers.length).toBeGreaterThan(5);
    const patients = new Map(ofType(r, 'Patient').map((p) => [p.id, p]));
    const ageIns = coverages.filter((c) => {
      if (!c.meta.source.includes('greatlakes-ma')) return false;
      const birth = patients.get(idOf(c.beneficiary.reference))!.birthDate as string;
      return c.period.start === `${Number(birth.slice(0, 4)) + 65}${birth.slice(4)}`;
    });
    expect(ageIns.length).toBeGreaterThan(0);
  });

  it('puts most people aged 65+ in Medicare Advantage', () => {
    const patients = ofType(r, 'Patient');
    const birth = new Map(patients.map((p) => [r.truth[p.id]!, p.birthDate as string]));
    const seniors = [...byPerson.entries()].filter(([p]) => ageOn(birth.get(p)!, '2024-01-01') >= 65);
    expect(seniors.length).toBeGreaterThan(20);
    const ma = seniors.filter(([, cs]) => cs.some((c) => c.meta.source.includes('greatlakes-ma')));
    expect(ma.length / seniors.length).toBeGreaterThan(0.75);
  });

  it('leaves some people with gaps or no coverage at all', () => {
    const uncovered = N - byPerson.size;
    const gaps = [...byPerson.values()].filter((cs) => {
      const sorted = [...cs].sort((a, b) => a.period.start.localeCompare(b.period.start));
      return sorted.some((c, i) => i > 0 && daysBetween(sorted[i - 1]!.period.end, c.period.start) > 1);
    });
    expect(uncovered + gaps.length).toBeGreaterThan(0);
  });
});
