import type { MeasurementPeriod, QualityMeasure } from '../metrics/quality/index.js';
import type { GapEvaluation, GapStatus } from './evaluate.js';
import { improvementNotation, measureCanonical, POPULATIONS, populationCode, PROPORTION } from './measures.js';

const DEQM = 'http://hl7.org/fhir/us/davinci-deqm/StructureDefinition';
export const PROFILES = {
  bundle: `${DEQM}/gaps-bundle-deqm`,
  composition: `${DEQM}/gaps-composition-deqm`,
  detectedIssue: `${DEQM}/gaps-detectedissue-deqm`,
  measureReport: `${DEQM}/indv-measurereport-deqm`,
};
const GAP_STATUS_EXTENSION = `${DEQM}/extension-gapStatus`;
const GAPS_STATUS_SYSTEM = 'http://hl7.org/fhir/us/davinci-deqm/CodeSystem/gaps-status';
const MEASURE_SCORING_EXTENSION = `${DEQM}/extension-measureScoring`;
const CRITERIA_REFERENCE = 'http://hl7.org/fhir/StructureDefinition/cqf-criteriaReference';
/** Ours: no DEQM element records the attribution roster version a report used. */
export const ROSTER_VERSION_EXTENSION = 'urn:consent-gateway:roster-version';
const DISPLAY: Record<GapStatus, string> = {
  'open-gap': 'Open Gap',
  'closed-gap': 'Closed Gap',
  'prospective-gap': 'Prospective Gap',
  'not-applicable': 'Not Applicable',
};

/** A record the requester may receive, exactly as stored for it (visibleFacts().records). */
export interface EvaluatedRecord {
  type: string;
  id: string;
  content: string;
}

export interface GapsDocumentInput {
  base: string;
  patientId: string;
  period: MeasurementPeriod;
  now: string;
  reporter: string;
  /** `Group/{id}/_history/{v}` of each roster the report read. */
  rosters: readonly string[];
  sections: readonly { measure: QualityMeasure; evaluation: GapEvaluation }[];
  records: ReadonlyMap<string, EvaluatedRecord>;
  newId: () => string;
}

export interface GapsDocument {
  bundle: Record<string, unknown>;
  /** The DetectedIssues in it: id, measure and status, for the care_gaps rows. */
  gaps: { id: string; measure: string; status: GapStatus }[];
}

/**
 * One patient's DEQM gaps document: the Composition first, one section per measure (focus → the
 * individual MeasureReport, entry → its DetectedIssue), then the reports, the issues and every
 * record evaluated, as the requester received it. A reference to a record it was not given is
 * never made: evidence missing from `records` is dropped, so nothing points at what is hidden.
 * Pure.
 */
export function gapsDocument(input: GapsDocumentInput): GapsDocument {
  const { base, patientId, period, now, reporter } = input;
  const subject = { reference: `Patient/${patientId}` };
  const fullUrl = (type: string, id: string) => `${base}/fhir/${type}/${id}`;
  const reports: object[] = [];
  const issues: object[] = [];
  const sections: object[] = [];
  const gaps: GapsDocument['gaps'] = [];
  const evaluated = new Map<string, EvaluatedRecord>();
  for (const { measure, evaluation } of input.sections) {
    const reportId = input.newId();
    const issueId = input.newId();
    const evidence = evaluation.evidence.filter((e) => input.records.has(e.ref));
    for (const e of evidence) evaluated.set(e.ref, input.records.get(e.ref)!);
    reports.push({
      resourceType: 'MeasureReport',
      id: reportId,
      meta: { profile: [PROFILES.measureReport] },
      extension: [{ url: MEASURE_SCORING_EXTENSION, valueCodeableConcept: PROPORTION }],
      status: 'complete',
      type: 'individual',
      measure: measureCanonical(measure),
      subject,
      date: now,
      reporter: { reference: reporter },
      period: { start: period.start, end: period.end },
      improvementNotation: improvementNotation(measure),
      group: [
        {
          population: POPULATIONS.map((code) => ({ code: populationCode(code), count: evaluation.populations[code] })),
          // Not applicable (outside the population, or excluded) has no score at all, not 0.
          ...(evaluation.score !== undefined ? { measureScore: { value: evaluation.score } } : {}),
        },
      ],
      evaluatedResource: evidence.map((e) => ({
        extension: e.criteria.map((c) => ({ url: CRITERIA_REFERENCE, valueString: c })),
        reference: e.ref,
      })),
    });
    issues.push({
      resourceType: 'DetectedIssue',
      id: issueId,
      meta: { profile: [PROFILES.detectedIssue] },
      modifierExtension: [
        {
          url: GAP_STATUS_EXTENSION,
          valueCodeableConcept: { coding: [{ system: GAPS_STATUS_SYSTEM, code: evaluation.status, display: DISPLAY[evaluation.status] }] },
        },
      ],
      status: 'final',
      code: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'CAREGAP', display: 'Caregap' }] },
      patient: subject,
      identifiedDateTime: now,
      evidence: [{ detail: [{ reference: `MeasureReport/${reportId}` }] }],
    });
    sections.push({ title: measure.title, focus: { reference: `MeasureReport/${reportId}` }, entry: [{ reference: `DetectedIssue/${issueId}` }] });
    gaps.push({ id: issueId, measure: measure.id, status: evaluation.status });
  }
  const composition = {
    resourceType: 'Composition',
    id: input.newId(),
    meta: { profile: [PROFILES.composition] },
    ...(input.rosters.length > 0 ? { extension: input.rosters.map((r) => ({ url: ROSTER_VERSION_EXTENSION, valueReference: { reference: r } })) } : {}),
    status: 'final',
    type: { coding: [{ system: 'http://loinc.org', code: '96315-7', display: 'Gaps in care report' }] },
    subject,
    date: now,
    author: [{ reference: reporter }],
    title: 'Gaps in care report',
    custodian: { reference: reporter },
    section: sections,
  };
  const resource = (type: string, r: { id: string }) => ({ fullUrl: fullUrl(type, r.id), resource: r });
  const bundle = {
    resourceType: 'Bundle',
    // Stored with its report: GET Bundle/{id} serves it again (src/gate/stored-gaps.ts).
    id: input.newId(),
    meta: { profile: [PROFILES.bundle] },
    identifier: { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${crypto.randomUUID()}` },
    type: 'document',
    timestamp: now,
    entry: [
      resource('Composition', composition),
      ...reports.map((r) => resource('MeasureReport', r as { id: string })),
      ...issues.map((r) => resource('DetectedIssue', r as { id: string })),
      ...[...evaluated.values()].map((row) => ({ fullUrl: fullUrl(row.type, row.id), resource: JSON.parse(row.content) as unknown })),
    ],
  };
  return { bundle, gaps };
}
