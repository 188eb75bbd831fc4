import { displayName } from '../display.js';
import { toResult } from './results.js';
import { isPharmacyClaim } from './summary.js';
/** A resource as the record page needs it. */
export interface Item {
  type: string;
  id: string;
  what: string;
  when: string;
  source: string;
  encounter?: string;
  /** A pharmacy claim: shown one line per drug (summary.pharmacyFills), not one per fill. */
  pharmacy?: boolean;
}

export interface VisitGroup {
  encounter?: Item;
  items: Item[];
}

/**
 * Groups a longitudinal record ($everything) by visit and by source. Pure. Only what the API
 * returned is used, so anything withheld leaves no trace: no counts, no empty slots. Pharmacy
 * claims are left out of the visits: a year of monthly fills is one line per drug elsewhere.
 */
export function groupRecord(resources: readonly Record<string, unknown>[]): {
  visits: VisitGroup[];
  sources: { source: string; count: number; types: string[] }[];
  patient?: Item;
} {
  const items = resources.map(toItem);
  const encounters = new Map(items.filter((i) => i.type === 'Encounter').map((e) => [`Encounter/${e.id}`, { encounter: e, items: [] as Item[] }]));
  const loose: Item[] = [];
  for (const i of items) {
    if (i.type === 'Encounter' || i.type === 'Patient' || i.pharmacy) continue;
    const group = i.encounter ? encounters.get(i.encounter) : undefined;
    (group ? group.items : loose).push(i);
  }
  const visits = [...encounters.values()].sort((a, b) => b.encounter.when.localeCompare(a.encounter.when));
  const bySource = new Map<string, { count: number; types: Set<string> }>();
  for (const i of items) {
    const s = bySource.get(i.source) ?? { count: 0, types: new Set<string>() };
    s.count++;
    s.types.add(i.type);
    bySource.set(i.source, s);
  }
  const patient = items.find((i) => i.type === 'Patient');
  return {
    visits: loose.length > 0 ? [...visits, { items: loose.sort((a, b) => b.when.localeCompare(a.when)) }] : visits,
    sources: [...bySource].map(([source, s]) => ({ source, count: s.count, types: [...s.types].sort() })).sort((a, b) => a.source.localeCompare(b.source)),
    ...(patient ? { patient } : {}),
  };
}

function toItem(r: Record<string, unknown>): Item {
  const get = (path: string): unknown =>
    path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), r);
  const concept = (v: unknown): string | undefined => {
    const c = v as { text?: string; coding?: { display?: string; code?: string }[] } | undefined;
    return c?.text ?? c?.coding?.[0]?.display ?? c?.coding?.[0]?.code;
  };
  const type = String(r['resourceType']);
  const name = get('name') as { given?: string[]; family?: string }[] | undefined;
  const what =
    type === 'Patient'
      ? displayName(name)
      : (concept(get('code')) ??
        concept(get('medicationCodeableConcept')) ??
        concept(Array.isArray(get('type')) ? (get('type') as unknown[])[0] : get('type')) ??
        type);
  const when = String(
    get('effectiveDateTime') ??
      get('period.start') ??
      get('performedDateTime') ??
      get('onsetDateTime') ??
      get('recordedDate') ??
      get('authoredOn') ??
      get('billablePeriod.start') ??
      get('meta.lastUpdated') ??
      '',
  );
  const encounter = (get('encounter.reference') as string | undefined) ?? (get('context.reference') as string | undefined);
  // A result reads with its value: "Hemoglobin A1c 8.1% (4.0–5.6%)", not just its name.
  const result = type === 'Observation' ? toResult(r) : undefined;
  const shown = result
    ? `${result.what} ${result.value}${result.range ? ` (range ${result.range})` : ''}${result.flag ? `, ${result.flag}` : ''}`
    : what || type;
  return {
    type,
    id: String(r['id']),
    what: shown,
    when,
    ...(isPharmacyClaim(r) ? { pharmacy: true } : {}),
    source: String(get('meta.source') ?? 'unknown'),
    ...(encounter ? { encounter } : {}),
  };
}
