/**
 * Small readers over FHIR R4 JSON as the API returns it, for the clinician's pages. Pure; every
 * field is optional, so a resource missing one is shown with less, never refused.
 */
export type Resource = Record<string, unknown>;

export interface Coding {
  system?: string;
  code?: string;
  display?: string;
}
export interface Concept {
  text?: string;
  coding?: Coding[];
}
export interface Quantity {
  value?: number;
  unit?: string;
  code?: string;
  comparator?: string;
}
export interface Range {
  low?: Quantity;
  high?: Quantity;
  text?: string;
}

/** A value at a dotted path, or undefined. */
export function at(r: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), r);
}

/** What a person reads for a concept: its text, else its first coding's display, else its code. */
export function conceptText(v: unknown): string | undefined {
  const c = v as Concept | undefined;
  return c?.text ?? c?.coding?.find((x) => x.display)?.display ?? c?.coding?.[0]?.code;
}

/** Whether a concept carries this code (in any system, or in the given one). */
export function hasCode(v: unknown, code: string, system?: string): boolean {
  const c = v as Concept | undefined;
  return (c?.coding ?? []).some((x) => x.code === code && (system === undefined || x.system === system));
}

export function codes(v: unknown): string[] {
  return ((v as Concept | undefined)?.coding ?? []).map((x) => x.code ?? '').filter(Boolean);
}

/** UCUM's "mm[Hg]" is what a clinician writes "mmHg". */
function unitText(q: Quantity | undefined): string {
  const u = q?.unit ?? q?.code ?? '';
  return u === 'mm[Hg]' ? 'mmHg' : u;
}

/** "7.2%", "142 mmHg": a unit that is a symbol sits against the number, a word after a space. */
export function quantityText(q: Quantity | undefined): string | undefined {
  if (q?.value === undefined) return undefined;
  const u = unitText(q);
  const n = `${q.comparator ?? ''}${q.value}`;
  return u === '' ? n : u === '%' ? `${n}%` : `${n} ${u}`;
}

/** "4.0–5.6%", "< 140 mmHg", or the range's own text. */
export function rangeText(r: Range | undefined): string | undefined {
  if (!r) return undefined;
  const lo = r.low?.value;
  const hi = r.high?.value;
  const u = unitText(r.high ?? r.low);
  const unit = u === '' ? '' : u === '%' ? '%' : ` ${u}`;
  if (lo !== undefined && hi !== undefined) return `${lo}–${hi}${unit}`;
  if (hi !== undefined) return `≤ ${hi}${unit}`;
  if (lo !== undefined) return `≥ ${lo}${unit}`;
  return r.text;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "11 Nov 2025" from a FHIR date or dateTime (the calendar day as written, no time-zone shift). */
export function dayText(when: string | undefined): string {
  const m = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?/.exec(when ?? '');
  if (!m) return '';
  if (!m[2]) return m[1]!;
  const month = MONTHS[Number(m[2]) - 1] ?? m[2];
  return m[3] ? `${Number(m[3])} ${month} ${m[1]}` : `${month} ${m[1]}`;
}

/** The moment a resource is about, for sorting and showing. */
export function whenOf(r: Resource): string {
  return String(
    at(r, 'effectiveDateTime') ??
      at(r, 'effectivePeriod.start') ??
      at(r, 'period.start') ??
      at(r, 'occurrenceDateTime') ??
      at(r, 'performedDateTime') ??
      at(r, 'performedPeriod.start') ??
      at(r, 'onsetDateTime') ??
      at(r, 'onsetPeriod.start') ??
      at(r, 'recordedDate') ??
      at(r, 'authoredOn') ??
      at(r, 'issued') ??
      at(r, 'billablePeriod.start') ??
      at(r, 'meta.lastUpdated') ??
      '',
  );
}

export function sourceOf(r: Resource): string {
  return String(at(r, 'meta.source') ?? 'unknown');
}
