import { at, conceptText, type Resource } from './fhir-values.js';

/** A stored report as `$reports` lists it. */
export interface StoredReport {
  id: string;
  kind: string;
  created: string;
  period: { start: string; end: string };
  rosters: string[];
  documents: string[];
  contract?: string;
  counts: Record<string, number>;
}

export interface GapRow {
  patient: string;
  measure: string;
  status: string;
}

const GAP_STATUS = 'http://hl7.org/fhir/us/davinci-deqm/StructureDefinition/extension-gapStatus';

/** DEQM gaps documents as rows: one per patient and measure, with the gap's status. Pure. */
export function gapRows(bundles: readonly Resource[]): GapRow[] {
  const rows: GapRow[] = [];
  for (const b of bundles) {
    const resources = ((b['entry'] as { resource?: Resource }[] | undefined) ?? []).map((e) => e.resource).filter((r): r is Resource => !!r);
    const byRef = new Map(resources.map((r) => [`${String(r['resourceType'])}/${String(r['id'])}`, r]));
    const comp = resources.find((r) => r['resourceType'] === 'Composition');
    if (!comp) continue;
    const patient = String(at(comp, 'subject.reference') ?? '').replace(/^Patient\//, '');
    for (const section of (comp['section'] as { title?: string; entry?: { reference?: string }[] }[] | undefined) ?? []) {
      const issue =
        byRef.get(section.entry?.[0]?.reference ?? '') ??
        resources.find((r) => r['resourceType'] === 'DetectedIssue' && section.entry?.some((e) => e.reference?.endsWith(`/${String(r['id'])}`)));
      const ext = ((issue?.['modifierExtension'] as { url?: string; valueCodeableConcept?: unknown }[] | undefined) ?? []).find((x) => x.url === GAP_STATUS);
      rows.push({ patient, measure: section.title ?? 'Measure', status: conceptText(ext?.valueCodeableConcept) ?? '' });
    }
  }
  return rows.sort((a, b) => a.patient.localeCompare(b.patient) || a.measure.localeCompare(b.measure));
}

export interface ReadableMeasureReport {
  status: string;
  period: string;
  measure: string;
  groups: { name: string; populations: { name: string; count: number | undefined }[]; score?: string }[];
}

/** A MeasureReport as rows a person reads: each group's populations and score. Pure. */
export function readableReport(r: Resource): ReadableMeasureReport {
  const groups = ((r['group'] as Resource[] | undefined) ?? []).map((g, i) => {
    const score = at(g, 'measureScore.value') as number | undefined;
    return {
      name: conceptText(g['code']) ?? String(g['id'] ?? `Group ${i + 1}`),
      populations: ((g['population'] as Resource[] | undefined) ?? []).map((p) => ({
        name: conceptText(p['code']) ?? 'population',
        count: p['count'] as number | undefined,
      })),
      ...(score !== undefined ? { score: String(Math.round(score * 1000) / 1000) } : {}),
    };
  });
  return {
    status: String(r['status'] ?? ''),
    period: `${String(at(r, 'period.start') ?? '')} to ${String(at(r, 'period.end') ?? '')}`,
    measure: String(r['measure'] ?? ''),
    groups,
  };
}
