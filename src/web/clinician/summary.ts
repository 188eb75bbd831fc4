import { at, codes, conceptText, hasCode, sourceOf, whenOf, type Concept, type Resource } from './fhir-values.js';
import { latestResults, type Result } from './results.js';
import { bloodPressureTrend, hba1cTrend, type Trend } from './trends.js';

export interface Line {
  what: string;
  when: string;
  source: string;
  /** A second fact beside the name: criticality and reaction, the last fill, the kind of visit. */
  detail?: string;
}

export interface Encounter extends Line {
  kind: 'admission' | 'emergency' | 'visit';
  end?: string;
}

export interface PharmacyFill {
  drug: string;
  fills: number;
  first: string;
  last: string;
  source: string;
}

export interface RecordSummary {
  problems: Line[];
  medications: Line[];
  /** Drugs still being filled (pharmacy claims) that no active prescription here names. */
  dispensed: PharmacyFill[];
  allergies: Line[];
  immunizations: Line[];
  encounters: Encounter[];
  results: Result[];
  trends: { hba1c: Trend; bloodPressure: Trend };
  pharmacyFills: PharmacyFill[];
}

const CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
const of = (resources: readonly Resource[], type: string) => resources.filter((r) => r['resourceType'] === type);
const newestFirst = <T extends { when: string }>(a: T, b: T) => b.when.localeCompare(a.when);

/** Active problems: a Condition whose clinical status is active, recurrence or relapse (no status: not known to be active, so not listed). */
function activeProblems(resources: readonly Resource[]): Line[] {
  return of(resources, 'Condition')
    .filter((c) => ['active', 'recurrence', 'relapse'].some((s) => hasCode(c['clinicalStatus'], s, CLINICAL) || hasCode(c['clinicalStatus'], s)))
    .filter((c) => !hasCode(c['verificationStatus'], 'entered-in-error') && !hasCode(c['verificationStatus'], 'refuted'))
    .map((c) => ({
      what: conceptText(c['code']) ?? 'Condition',
      when: String(at(c, 'onsetDateTime') ?? at(c, 'onsetPeriod.start') ?? at(c, 'recordedDate') ?? ''),
      source: sourceOf(c),
    }))
    .sort(newestFirst);
}

/** Pharmacy claims, one line per drug: how many fills, the first and the last. */
export function pharmacyFills(resources: readonly Resource[]): PharmacyFill[] {
  const byDrug = new Map<string, PharmacyFill>();
  for (const eob of of(resources, 'ExplanationOfBenefit').filter(isPharmacyClaim)) {
    const drug =
      conceptText(at(eob, 'item.0.productOrService')) ??
      conceptText((eob['item'] as { productOrService?: Concept }[] | undefined)?.[0]?.productOrService) ??
      'Unnamed drug';
    const when = whenOf(eob);
    const f = byDrug.get(drug) ?? { drug, fills: 0, first: when, last: when, source: sourceOf(eob) };
    f.fills++;
    if (when < f.first) f.first = when;
    if (when > f.last) f.last = when;
    byDrug.set(drug, f);
  }
  return [...byDrug.values()].sort((a, b) => b.last.localeCompare(a.last));
}

export const isPharmacyClaim = (r: Resource) => r['resourceType'] === 'ExplanationOfBenefit' && hasCode(r['type'], 'pharmacy');

const drugOf = (m: Resource) => conceptText(m['medicationCodeableConcept']) ?? String(at(m, 'medicationReference.display') ?? 'Medication');

/** Active prescriptions, each with its last pharmacy fill of the same drug when there is one (matched by code, else by name). */
function activeMedications(resources: readonly Resource[], fills: readonly PharmacyFill[] = pharmacyFills(resources)): Line[] {
  const eobs = of(resources, 'ExplanationOfBenefit').filter(isPharmacyClaim);
  return of(resources, 'MedicationRequest')
    .filter((m) => m['status'] === 'active')
    .map((m) => {
      const what = drugOf(m);
      const mine = new Set(codes(m['medicationCodeableConcept']));
      const lastByCode = eobs
        .filter((e) =>
          codes(at(e, 'item.0.productOrService') ?? (e['item'] as { productOrService?: Concept }[] | undefined)?.[0]?.productOrService).some((c) =>
            mine.has(c),
          ),
        )
        .map(whenOf)
        .sort()
        .pop();
      const last = lastByCode ?? fills.find((f) => f.drug.toLowerCase() === what.toLowerCase())?.last;
      const dosage = (m['dosageInstruction'] as { text?: string }[] | undefined)?.[0]?.text;
      const detail = [dosage, last ? `last filled ${last.slice(0, 10)}` : undefined].filter(Boolean).join('; ');
      return { what, when: String(m['authoredOn'] ?? ''), source: sourceOf(m), ...(detail ? { detail } : {}) };
    })
    .sort(newestFirst);
}

/** A drug whose last fill is this close to the record's latest fill is still being taken, as far as claims can say. */
const STILL_FILLED_DAYS = 180;

/**
 * Pharmacy fills of drugs that no active MedicationRequest names, still being filled as of the
 * record's latest claim (not today's date: a record that ends in December reads the same in
 * March). Claims are often the only medication list a record has.
 */
function dispensedOnly(fills: readonly PharmacyFill[], medications: readonly Line[]): PharmacyFill[] {
  const latest = fills
    .map((f) => f.last)
    .sort()
    .pop();
  if (!latest) return [];
  const since = new Date(Date.parse(latest.slice(0, 10)) - STILL_FILLED_DAYS * 86_400_000).toISOString().slice(0, 10);
  const named = medications.map((m) => m.what.toLowerCase());
  return fills.filter((f) => f.last.slice(0, 10) >= since && !named.some((n) => f.drug.toLowerCase().includes(n) || n.includes(f.drug.toLowerCase())));
}

/** Allergies that are not resolved or refuted, with criticality and the reactions recorded. */
export function allergies(resources: readonly Resource[]): Line[] {
  return of(resources, 'AllergyIntolerance')
    .filter(
      (a) =>
        !hasCode(a['clinicalStatus'], 'resolved') &&
        !hasCode(a['clinicalStatus'], 'inactive') &&
        !hasCode(a['verificationStatus'], 'refuted') &&
        !hasCode(a['verificationStatus'], 'entered-in-error'),
    )
    .map((a) => {
      const reactions = ((a['reaction'] as { manifestation?: Concept[]; severity?: string }[] | undefined) ?? []).flatMap((r) =>
        (r.manifestation ?? []).map((m) => conceptText(m)).filter(Boolean),
      );
      const criticality = a['criticality'] ? `criticality ${String(a['criticality'])}` : undefined;
      const detail = [criticality, reactions.length ? `reaction: ${reactions.join(', ')}` : undefined].filter(Boolean).join('; ');
      return {
        what: conceptText(a['code']) ?? 'Allergy',
        when: String(a['recordedDate'] ?? a['onsetDateTime'] ?? ''),
        source: sourceOf(a),
        ...(detail ? { detail } : {}),
      };
    })
    .sort(newestFirst);
}

/** The latest dose of each vaccine given (not-done and entered-in-error are not doses). */
function latestImmunizations(resources: readonly Resource[]): Line[] {
  const latest = new Map<string, Line>();
  for (const i of of(resources, 'Immunization').filter((i) => i['status'] === 'completed' || i['status'] === undefined)) {
    const what = conceptText(i['vaccineCode']) ?? 'Vaccine';
    const key = codes(i['vaccineCode'])[0] ?? what;
    const line = { what, when: whenOf(i), source: sourceOf(i) };
    const seen = latest.get(key);
    if (!seen || seen.when < line.when) latest.set(key, line);
  }
  return [...latest.values()].sort(newestFirst);
}

function encounterKind(e: Resource): Encounter['kind'] {
  const cls = String(at(e, 'class.code') ?? '');
  if (cls === 'IMP' || cls === 'ACUTE') return 'admission';
  if (cls === 'EMER') return 'emergency';
  return 'visit';
}

const RANK = { admission: 0, emergency: 1, visit: 2 } as const;

/** The most recent encounters: admissions first, then emergency visits, then the rest, each newest first. */
function recentEncounters(resources: readonly Resource[], limit = 8): Encounter[] {
  return of(resources, 'Encounter')
    .map((e) => {
      const type = conceptText(Array.isArray(e['type']) ? (e['type'] as unknown[])[0] : undefined) ?? conceptText(e['serviceType']);
      const kind = encounterKind(e);
      const end = at(e, 'period.end') as string | undefined;
      return {
        what: type ?? (kind === 'admission' ? 'Hospital admission' : kind === 'emergency' ? 'Emergency visit' : 'Visit'),
        when: whenOf(e),
        source: sourceOf(e),
        kind,
        ...(end ? { end } : {}),
      };
    })
    .sort(newestFirst)
    .slice(0, limit)
    .sort((a, b) => RANK[a.kind] - RANK[b.kind] || b.when.localeCompare(a.when));
}

/**
 * The first screen of a record, from what the API returned to the clinician and nothing else.
 * Pure. A withheld resource is simply not among `resources`, so it leaves no line, count or gap.
 */
export function summarize(resources: readonly Resource[]): RecordSummary {
  const fills = pharmacyFills(resources);
  const medications = activeMedications(resources, fills);
  return {
    problems: activeProblems(resources),
    medications,
    dispensed: dispensedOnly(fills, medications),
    allergies: allergies(resources),
    immunizations: latestImmunizations(resources),
    encounters: recentEncounters(resources),
    results: latestResults(resources),
    trends: { hba1c: hba1cTrend(resources), bloodPressure: bloodPressureTrend(resources) },
    pharmacyFills: fills,
  };
}
