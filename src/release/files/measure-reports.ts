import type { PublishedCell, PublishedValue } from '../../deid/index.js';
import { QUALITY_MEASURES } from '../../metrics/quality/index.js';
import { datasetUrl, type ReleaseInfo } from '../release.js';

const MEASURE_POPULATION = 'http://terminology.hl7.org/CodeSystem/measure-population';
const DATA_ABSENT = 'http://hl7.org/fhir/StructureDefinition/data-absent-reason';
const REASON = 'urn:consent-gateway:suppression-reason';

/**
 * A FHIR Bundle (collection) of summary MeasureReports, one per quality measure and year, with
 * stratifiers for each published one-way table, in the style of Da Vinci DEQM summary reports.
 * A suppressed count is absent with a data-absent-reason of `masked` and our reason code.
 */
export function measureReportBundle(info: ReleaseInfo, cells: readonly PublishedCell[]) {
  const annual = cells.filter((c) => !c.period.includes('-Q'));
  const reports = info.years.flatMap((year) =>
    QUALITY_MEASURES.map((m) => {
      const inYear = annual.filter((c) => c.period === String(year));
      const total = inYear.find((c) => c.table === 'total');
      const populations = (c: PublishedCell) => [
        population('denominator', c.quantities[`${m.id}.denominator`]),
        population('numerator', c.quantities[`${m.id}.numerator`]),
        population('denominator-exclusion', c.quantities[`${m.id}.exclusions`]),
      ];
      const stratifiers = ['segment', 'organization', 'geography', 'age_band', 'sex'].map((table) => ({
        code: [{ text: table }],
        stratum: inYear
          .filter((c) => c.table === table)
          .map((c) => ({ value: { text: Object.values(c.stratum)[0] }, population: populations(c), ...score(c.rates[`${m.id}.rate`]) })),
      }));
      return {
        resourceType: 'MeasureReport',
        id: `${info.id}-${m.id}-${year}`,
        status: 'complete',
        type: 'summary',
        measure: `${info.baseUrl}/public/measures/${m.id}`,
        date: info.issued,
        period: { start: `${year}-01-01`, end: `${year}-12-31` },
        improvementNotation: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/measure-improvement-notation', code: m.inverse ? 'decrease' : 'increase' }],
        },
        group: [
          {
            code: { text: m.title },
            population: total ? populations(total) : [],
            ...(total ? score(total.rates[`${m.id}.rate`]) : {}),
            stratifier: stratifiers,
          },
        ],
      };
    }),
  );
  return {
    resourceType: 'Bundle',
    id: `${info.id}-measure-reports`,
    type: 'collection',
    timestamp: info.issued,
    entry: reports.map((r) => ({ fullUrl: datasetUrl(info, `MeasureReport/${r.id}`), resource: r })),
  };
}

function population(code: string, v: PublishedValue | undefined) {
  const coding = { code: { coding: [{ system: MEASURE_POPULATION, code }] } };
  if (v?.status === 'published') return { ...coding, count: v.value };
  return { ...coding, _count: absent(v?.reason) };
}

function score(v: PublishedValue | undefined) {
  if (v?.status === 'published' && v.value !== null) return { measureScore: { value: v.value } };
  // measureScore is a Quantity, so the absent-reason sits inside it (not in a _ sibling).
  return { measureScore: absent(v?.reason) };
}

const absent = (reason: string | undefined) => ({
  extension: [{ url: DATA_ABSENT, valueCode: reason ? 'masked' : 'not-applicable' }, ...(reason ? [{ url: REASON, valueCode: reason }] : [])],
});
