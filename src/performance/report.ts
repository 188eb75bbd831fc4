import type { Resource } from '../fhir/types.js';
import { contractCanonical, paymentStreamExtension, qualityCanonical, VBPR, type Contract } from './contract.js';
import type { Performance, QuarterFigures } from './compute.js';
import type { Opportunity } from './opportunity.js';
import { quarterPeriod, yearBefore, type Quarter } from './quarter.js';
import { SAVINGS_FORMULA } from './savings.js';

const METRIC = `${VBPR}/CodeSystem/vbp-performance-metric`;
const SD = `${VBPR}/StructureDefinition`;
/** The HIE reports; it is neither party to the contract. */
export const REPORTER = 'Organization/org-hie';
export const OPPORTUNITY_EXTENSION = 'http://consent-gateway.example.org/fhir/StructureDefinition/cost-opportunity';
export const QUALITY_MEASURE_EXTENSION = 'http://consent-gateway.example.org/fhir/StructureDefinition/quality-measure';
export const FORMULA_EXTENSION = 'http://consent-gateway.example.org/fhir/StructureDefinition/shared-savings-formula';

export interface ReportInput {
  id: string;
  baseUrl: string;
  contract: Contract;
  quarter: Quarter;
  performance: Performance;
  opportunities: readonly Opportunity[];
  /** The roster Group the report is about, and every roster version it read (`Group/{id}/_history/{v}`). */
  group: string;
  rosters: readonly string[];
  date: string;
}

type Value = { valueDecimal: number } | { valueInteger: number } | { valueMoney: { value: number; currency: 'USD' } };
const usd = (value: number): Value => ({ valueMoney: { value, currency: 'USD' } });
const dec = (value: number): Value => ({ valueDecimal: value });

/**
 * The quarterly VBPR summary MeasureReport (vbp-performance-measurereport): one group per
 * metric, dollars as altMeasureScore valueMoney, each figure's baseline (the same quarter a
 * year earlier) in the baseline extension. Pure.
 */
export function performanceReport(r: ReportInput): Resource {
  const { contract: c, performance: p } = r;
  const period = quarterPeriod(r.quarter);
  const baselinePeriod = quarterPeriod(yearBefore(r.quarter));
  // R4's MeasureReport.group has no description: what a group is, in words, is its code's text.
  const group = (
    code: string,
    value: Value | null,
    baseline: Value | null,
    { description, ...extra }: { description?: string; [k: string]: unknown } = {},
  ): { extension?: object[]; [k: string]: unknown } => ({
    code: { coding: [{ system: METRIC, code }], ...(description ? { text: description } : {}) },
    ...extra,
    ...(value === null ? {} : { measureScore: score(value) }),
    ...(baseline === null
      ? {}
      : {
          extension: [
            {
              url: `${SD}/baseline`,
              extension: [
                { url: 'baseline', ...baseline },
                { url: 'period', valuePeriod: baselinePeriod },
              ],
            },
          ],
        }),
  });
  const pair = (f: (q: QuarterFigures) => number | null, wrap: (n: number) => Value) => {
    const now = f(p.current);
    const before = f(p.baseline);
    return [now === null ? null : wrap(now), before === null ? null : wrap(before)] as const;
  };
  const earned = p.settlement.amount;
  return {
    resourceType: 'MeasureReport',
    id: r.id,
    meta: { profile: [`${SD}/vbp-performance-measurereport`] },
    extension: [
      {
        url: 'http://hl7.org/fhir/StructureDefinition/measurereport-category',
        valueCodeableConcept: { coding: [{ system: 'http://hl7.org/fhir/CodeSystem/measurereport-category', code: 'vbp' }] },
      },
      { url: `${SD}/paid-through-date`, valueDate: p.current.paidThrough },
      ...c.paymentStreams.map(paymentStreamExtension),
      { url: FORMULA_EXTENSION, valueString: SAVINGS_FORMULA },
      ...r.opportunities.map((o) => ({ url: OPPORTUNITY_EXTENSION, valueString: o.text })),
    ],
    status: 'complete',
    type: 'summary',
    measure: contractCanonical(r.baseUrl, c),
    subject: { reference: r.group, extension: [{ url: `${SD}/organization-subject`, valueReference: { reference: c.organization } }] },
    date: r.date,
    reporter: { reference: REPORTER },
    period,
    group: [
      group(
        'member-months',
        ...pair(
          (q) => q.memberMonths,
          (n) => ({ valueInteger: n }),
        ),
      ),
      group('med-cost-pmpm', ...pair((q) => q.medPmpm, usd)),
      group('rx-cost-pmpm', ...pair((q) => q.rxPmpm, usd)),
      group('med-rx-cost-pmpm', ...pair((q) => q.totalPmpm, usd)),
      group('med-cost-pmpm-target', usd(c.benchmarkPmpm), null, { description: 'Benchmark: total cost of care per member per month' }),
      group('inpatient-admission', ...pair((q) => q.admissionsPer1000, dec), { description: 'Admissions per 1,000 members, annualised' }),
      group('ed-visit', ...pair((q) => q.edVisitsPer1000, dec), { description: 'ED visits per 1,000 members, annualised' }),
      group('readmission', ...pair((q) => q.readmissionsPer1000, dec), { description: 'Readmissions within 30 days per 1,000 members, annualised' }),
      ...p.current.quality.map((q) => {
        const before = p.baseline.quality.find((b) => b.measure === q.measure);
        const g = group('quality-metric-performance-incentive', q.rate === null ? null : dec(q.rate), before?.rate == null ? null : dec(before.rate), {
          id: q.measure,
          description: `${q.measure} rate on ${p.qualityMeasurementPeriod.start}..${p.qualityMeasurementPeriod.end}${q.target === undefined ? '' : `; target ${q.inverse ? 'at most' : 'at least'} ${q.target}${q.met ? ' (met)' : ' (not met)'}`}`,
          population: [population('denominator', q.denominator), population('numerator', q.numerator)],
        });
        // Which quality Measure the group reports: the one the contract's relatedArtifact names.
        return { ...g, extension: [{ url: QUALITY_MEASURE_EXTENSION, valueCanonical: qualityCanonical(r.baseUrl, q.measure) }, ...(g.extension ?? [])] };
      }),
      group('quality-gate-performance-percentage', dec(p.qualityGatePercentage), null, {
        description: p.qualityGatePassed ? 'Quality gate passed' : 'Quality gate not passed',
      }),
      group('shared-saving-deficit', usd(earned), null, { description: `${p.settlement.outcome}: ${SAVINGS_FORMULA}` }),
    ].map(clean),
    evaluatedResource: r.rosters.map((reference) => ({ reference })),
  } as Resource;
}

/** A figure as group.measureScore: the decimal, and for dollars the VBPR alternate score in USD. */
function score(v: Value) {
  if ('valueMoney' in v) return { value: v.valueMoney.value, unit: 'USD', extension: [{ url: `${SD}/alternate-measurescore`, ...v }] };
  return { value: 'valueDecimal' in v ? v.valueDecimal : v.valueInteger };
}

const population = (code: string, count: number) => ({
  code: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/measure-population', code }] },
  count,
});
const clean = <T extends object>(g: T): T => JSON.parse(JSON.stringify(g)) as T;
