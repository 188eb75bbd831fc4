import type { Resource } from '../fhir/types.js';
import type { MultiPayerMeasure } from './multi-payer.js';
import { quarterPeriod, type Quarter } from './quarter.js';
import { trailingYear } from './compute.js';
import type { Opportunity } from './opportunity.js';
import { OPPORTUNITY_EXTENSION, REPORTER } from './report.js';

const PERCENT = { unit: '%', system: 'http://unitsofmeasure.org', code: '%' };

/**
 * The multi-payer view as a summary MeasureReport: one group per quality measure, the pooled
 * rate as its score, each plan a stratum with its rate only (never a population count), and the
 * pooled denominator only where multi-payer.ts allows it.
 */
export function multiPayerResource(
  baseUrl: string,
  organization: string,
  x: Quarter,
  view: readonly MultiPayerMeasure[],
  opportunities: readonly Opportunity[],
  date: string,
): Resource {
  return {
    resourceType: 'MeasureReport',
    extension: [
      ...opportunities.map((o) => ({ url: OPPORTUNITY_EXTENSION, valueString: `Across all plans: ${o.text}` })),
      {
        url: 'http://hl7.org/fhir/StructureDefinition/measurereport-category',
        valueCodeableConcept: { coding: [{ system: 'http://hl7.org/fhir/CodeSystem/measurereport-category', code: 'vbp' }] },
      },
    ],
    status: 'complete',
    type: 'summary',
    // The view is of several quality Measures at once; each group names its own (code.coding).
    measure: `${baseUrl}/fhir/Measure/multi-payer-quality`,
    subject: { reference: organization },
    date,
    reporter: { reference: REPORTER },
    period: trailingYear(x),
    group: view.map((m) => ({
      id: m.measure,
      code: {
        coding: [{ system: `${baseUrl}/fhir/Measure`, code: m.measure }],
        text: `${m.measure} across ${m.plansContributing} plan(s), rates in whole percent, ${quarterPeriod(x).end} trailing 12 months${m.inverse ? ' (lower is better)' : ''}`,
      },
      ...(m.pooledDenominator === undefined
        ? {}
        : {
            population: [
              { code: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/measure-population', code: 'denominator' }] }, count: m.pooledDenominator },
            ],
          }),
      ...(m.pooledRate === undefined ? {} : { measureScore: { value: m.pooledRate, ...PERCENT } }),
      stratifier: [
        {
          code: [{ text: 'payer' }],
          stratum: m.plans.map((p) => ({ value: { text: p.payer }, ...(p.rate === undefined ? {} : { measureScore: { value: p.rate, ...PERCENT } }) })),
        },
      ],
    })),
  } as Resource;
}
