import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import type { PublishedCell, PublishedValue } from '../../deid/index.js';
import { QUALITY_MEASURES } from '../../metrics/quality/index.js';
import type { ReleaseInfo } from '../release.js';

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
        // A canonical names the measure's definition (in methodology.md), independent of where the release is served.
        measure: `urn:consent-gateway:measure:${m.id}`,
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
    entry: reports.map((r) => ({ fullUrl: stableUuid(`${info.id}/MeasureReport/${r.id}`), resource: r })),
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

/**
 * A Bundle entry's fullUrl must be absolute, and a URL under the base of the moment would break
 * when it changes: a name-based UUID (RFC 9562 version 8, from SHA-256) is absolute, the same
 * for the same report, and points nowhere that can move.
 */
function stableUuid(name: string): string {
  const h = bytesToHex(sha256(utf8ToBytes(name)));
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
