import { QUALITY_MEASURES, type QualityMeasure } from '../metrics/quality/index.js';

/**
 * The quality measures as FHIR `Measure` resources (DEQM needs `measure|version` on every
 * report, so the canonical is fixed, not the deployment's base URL: a report stays comparable
 * across deployments). Directory data: no patient data in them.
 */
export const MEASURE_CANONICAL_BASE = 'http://consent-gateway.example.org/fhir/Measure';
export const MEASURE_VERSION = '2025.1';

const SCORING = 'http://terminology.hl7.org/CodeSystem/measure-scoring';
const IMPROVEMENT = 'http://terminology.hl7.org/CodeSystem/measure-improvement-notation';
export const POPULATION_SYSTEM = 'http://terminology.hl7.org/CodeSystem/measure-population';
export const POPULATIONS = ['initial-population', 'denominator', 'denominator-exclusion', 'numerator'] as const;
export type Population = (typeof POPULATIONS)[number];

/** The eCQM each simplified measure follows (CMS eCQM ids). */
const ECQM: Record<string, string> = {
  'breast-cancer-screening': 'CMS125',
  'hba1c-poor-control': 'CMS122',
  'blood-pressure-control': 'CMS165',
};

export const measureUrl = (m: Pick<QualityMeasure, 'id'>) => `${MEASURE_CANONICAL_BASE}/${m.id}`;
/** What a MeasureReport names: `url|version` (DEQM deqm-0). */
export const measureCanonical = (m: Pick<QualityMeasure, 'id'>) => `${measureUrl(m)}|${MEASURE_VERSION}`;
export const improvementNotation = (m: Pick<QualityMeasure, 'inverse'>) => ({
  coding: [{ system: IMPROVEMENT, code: m.inverse ? 'decrease' : 'increase' }],
});
export const PROPORTION = { coding: [{ system: SCORING, code: 'proportion' }] };
export const populationCode = (code: Population) => ({ coding: [{ system: POPULATION_SYSTEM, code }] });

/** One quality measure as a FHIR R4 Measure. */
export function measureResource(m: QualityMeasure) {
  return {
    resourceType: 'Measure',
    id: m.id,
    url: measureUrl(m),
    identifier: [{ system: 'https://ecqi.healthit.gov/ecqm/measures', value: ECQM[m.id] ?? m.id }],
    version: MEASURE_VERSION,
    name: m.id.replace(/(^|-)([a-z0-9])/g, (_, _sep: string, c: string) => c.toUpperCase()),
    title: m.title,
    status: 'active',
    description: m.definition,
    scoring: PROPORTION,
    improvementNotation: improvementNotation(m),
    group: [
      {
        population: POPULATIONS.map((code) => ({
          id: code,
          code: populationCode(code),
          criteria: { description: criterion(m, code), language: 'text/cql', expression: DEFINE[code] },
        })),
      },
    ],
  };
}

/**
 * A population's criterion in words: its sentence of the measure's definition. R4 requires a
 * criteria Expression in a known language, so it names the define an eCQM's CQL would have; no
 * CQL library is published: the rule that runs is the TypeScript of src/metrics/quality. The
 * initial population is the denominator: these measures have no separate one.
 */
const DEFINE: Record<Population, string> = {
  'initial-population': 'Initial Population',
  denominator: 'Denominator',
  'denominator-exclusion': 'Denominator Exclusions',
  numerator: 'Numerator',
};

function criterion(m: QualityMeasure, code: Population): string {
  const label = code === 'numerator' ? 'Numerator' : code === 'denominator-exclusion' ? 'Exclusion' : 'Denominator';
  const sentence = m.definition.split(/(?<=\.) (?=[A-Z][a-z]+(?: \([^)]*\))?s?:)/).find((s) => s.startsWith(label));
  return sentence ?? (code === 'denominator-exclusion' ? 'None.' : m.definition);
}

/** The measures a `measureId`, `measureUrl` (with or without `|version`) or `measureIdentifier` names. */
export function findMeasure(by: 'measureId' | 'measureUrl' | 'measureIdentifier', value: string): QualityMeasure | undefined {
  return QUALITY_MEASURES.find((m) => {
    if (by === 'measureId') return m.id === value;
    if (by === 'measureUrl') return value === measureUrl(m) || value === measureCanonical(m);
    // A token: `system|value` or a bare value.
    const code = value.includes('|') ? value.slice(value.lastIndexOf('|') + 1) : value;
    return (ECQM[m.id] ?? m.id) === code;
  });
}
