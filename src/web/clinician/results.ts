import { at, codes, conceptText, quantityText, rangeText, sourceOf, whenOf, type Concept, type Quantity, type Range, type Resource } from './fhir-values.js';

/** Out of range, as a clinician reads it: the lab's own interpretation first, else our reading of the range. */
export type Flag = 'high' | 'low' | 'abnormal';

export interface Result {
  what: string;
  /** "8.1%", "142/91 mmHg". */
  value: string;
  range?: string;
  flag?: Flag;
  /** Where the flag came from: the lab said so, or it was computed from the reference range. */
  flagFrom?: 'interpretation' | 'range';
  when: string;
  source: string;
  kind: 'lab' | 'vital';
}

export const LOINC = 'http://loinc.org';
const BP_PANEL = '85354-9';
const SYSTOLIC = '8480-6';
const DIASTOLIC = '8462-4';
export const HBA1C = '4548-4';

const HIGH = new Set(['H', 'HH', 'HU', '>']);
const LOW = new Set(['L', 'LL', 'LU', '<']);
const ABNORMAL = new Set(['A', 'AA', 'POS', 'DET', 'R']);

/** The lab's interpretation (v3 ObservationInterpretation), if it gave one that says out of range. */
function interpretationFlag(interpretation: unknown): Flag | undefined | 'normal' {
  const all = (Array.isArray(interpretation) ? interpretation : []).flatMap((c) => codes(c));
  if (all.some((c) => HIGH.has(c))) return 'high';
  if (all.some((c) => LOW.has(c))) return 'low';
  if (all.some((c) => ABNORMAL.has(c))) return 'abnormal';
  if (all.some((c) => c === 'N' || c === 'NEG' || c === 'ND')) return 'normal';
  return undefined;
}

/** Our reading of a reference range, when the lab gave no interpretation: outside low..high, inclusive. */
export function rangeFlag(q: Quantity | undefined, ranges: Range[] | undefined): Flag | undefined {
  const v = q?.value;
  const r = ranges?.[0];
  if (v === undefined || !r) return undefined;
  if (r.high?.value !== undefined && v > r.high.value) return 'high';
  if (r.low?.value !== undefined && v < r.low.value) return 'low';
  return undefined;
}

function flagOf(interpretation: unknown, parts: { q: Quantity | undefined; ranges: Range[] | undefined }[]): Pick<Result, 'flag' | 'flagFrom'> {
  const said = interpretationFlag(interpretation);
  if (said === 'normal') return {};
  if (said) return { flag: said, flagFrom: 'interpretation' };
  for (const p of parts) {
    const f = rangeFlag(p.q, p.ranges);
    if (f) return { flag: f, flagFrom: 'range' };
  }
  return {};
}

interface Component {
  code?: Concept;
  valueQuantity?: Quantity;
  referenceRange?: Range[];
  interpretation?: unknown;
}

const componentOf = (o: Resource, code: string) => ((o['component'] as Component[] | undefined) ?? []).find((c) => codes(c.code).includes(code));

/** A blood pressure panel as "142/91 mmHg" from its components, or undefined if either is missing. */
export function bloodPressure(o: Resource): { systolic: number; diastolic: number; text: string } | undefined {
  const s = componentOf(o, SYSTOLIC)?.valueQuantity?.value;
  const d = componentOf(o, DIASTOLIC)?.valueQuantity?.value;
  if (s === undefined || d === undefined) return undefined;
  return { systolic: s, diastolic: d, text: `${s}/${d} mmHg` };
}

const isBloodPressure = (o: Resource) =>
  codes(o['code']).includes(BP_PANEL) || (componentOf(o, SYSTOLIC) !== undefined && componentOf(o, DIASTOLIC) !== undefined);

/** One Observation as a result line, or undefined when it has no value to show. */
export function toResult(o: Resource): Result | undefined {
  const kind = ((o['category'] as Concept[] | undefined) ?? []).some((c) => codes(c).includes('vital-signs')) ? 'vital' : 'lab';
  const base = { when: whenOf(o), source: sourceOf(o), kind } as const;
  if (isBloodPressure(o)) {
    const bp = bloodPressure(o);
    if (!bp) return undefined;
    const s = componentOf(o, SYSTOLIC)!;
    const d = componentOf(o, DIASTOLIC)!;
    const ranges = [rangeText(s.referenceRange?.[0]), rangeText(d.referenceRange?.[0])];
    const range = ranges[0] && ranges[1] ? `${ranges[0].replace(/ mmHg$/, '')} / ${ranges[1]}` : undefined;
    const flag = flagOf(
      o['interpretation'] ?? [...(Array.isArray(s.interpretation) ? s.interpretation : []), ...(Array.isArray(d.interpretation) ? d.interpretation : [])],
      [
        { q: s.valueQuantity, ranges: s.referenceRange },
        { q: d.valueQuantity, ranges: d.referenceRange },
      ],
    );
    return { ...base, what: 'Blood pressure', value: bp.text, ...(range ? { range } : {}), ...flag, kind: 'vital' };
  }
  const q = o['valueQuantity'] as Quantity | undefined;
  const value = quantityText(q) ?? (o['valueString'] as string | undefined) ?? conceptText(o['valueCodeableConcept']);
  if (value === undefined) return undefined;
  const ranges = o['referenceRange'] as Range[] | undefined;
  const range = rangeText(ranges?.[0]);
  return { ...base, what: conceptText(o['code']) ?? 'Observation', value, ...(range ? { range } : {}), ...flagOf(o['interpretation'], [{ q, ranges }]) };
}

/** The key a result is "the same test" by: its first LOINC code, else its first code, else its name. */
export function testKey(o: Resource): string {
  const coding = (at(o, 'code.coding') as { system?: string; code?: string }[] | undefined) ?? [];
  return coding.find((c) => c.system === LOINC)?.code ?? coding[0]?.code ?? conceptText(o['code']) ?? '';
}

/** The latest result of each test, most recent first; vitals and labs alike. Cancelled and entered-in-error results are not results. */
export function latestResults(resources: readonly Resource[]): Result[] {
  const latest = new Map<string, { when: string; result: Result }>();
  for (const o of resources) {
    if (o['resourceType'] !== 'Observation' || o['status'] === 'entered-in-error' || o['status'] === 'cancelled') continue;
    const result = toResult(o);
    if (!result) continue;
    const key = testKey(o);
    const seen = latest.get(key);
    if (!seen || seen.when < result.when) latest.set(key, { when: result.when, result });
  }
  return [...latest.values()].map((l) => l.result).sort((a, b) => b.when.localeCompare(a.when));
}
