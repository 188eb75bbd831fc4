import { parseReference } from '../fhir/references.js';
import type { Resource } from '../fhir/types.js';
import { parseFhirDate } from './fhir-dates.js';

/** What the store indexes of a resource: its patient compartment and the searchable columns. */
export interface SearchValues {
  patientId: string | null;
  dateStart: string | null;
  dateEnd: string | null;
  status: string | null;
  /**
   * Rows of the resource_tokens index. `code` and `category` hold codings (system '' when there
   * is none). `code:text` and `category:text` hold CodeableConcept.text and Coding.display, and
   * `name` a directory name's parts, folded by foldText for case- and accent-insensitive matching;
   * `name:exact` holds those parts as written. Text rows have system ''.
   */
  tokens: { param: IndexParam; system: string; code: string }[];
}

export type IndexParam = 'code' | 'category' | 'code:text' | 'category:text' | 'name' | 'name:exact';

/** Longest text kept in the index: a search matches the start of a value, or within this much of it. */
const MAX_TEXT = 512;

/** Text as string search compares it: accents removed, lower case, spaces collapsed. */
export function foldText(value: string): string {
  return value.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

export class SearchValueError extends Error {
  constructor(
    message: string,
    readonly expression: string,
  ) {
    super(message);
  }
}

type Get = (r: Record<string, unknown>) => unknown;

/** Where each indexed value lives, per resource type. A type absent here is not stored. */
interface TypeSpec {
  patient?: { path: string; get: Get };
  date?: { path: string; get: Get }[];
  code?: Get;
  category?: Get;
  status?: Get;
  /** The string values of `name`. */
  name?: (r: Record<string, unknown>) => string[];
}

const field =
  (name: string): Get =>
  (r) =>
    r[name];
const self = (): Get => (r) => `Patient/${String(r.id)}`;
const clinicalStatus: Get = (r) => (r.clinicalStatus as { coding?: { code?: string }[] } | undefined)?.coding?.[0]?.code;
const subject = { path: 'subject', get: field('subject') };
const patient = { path: 'patient', get: field('patient') };
const dates = (...names: string[]) => names.map((n) => ({ path: n, get: field(n) }));
const strings = (v: unknown): string[] => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);
const nameAndAliases = (r: Record<string, unknown>) => [...strings(r.name), ...strings(r.alias)];
/** Every part of every HumanName: R4's `name` matches any of them. */
const humanNameParts = (r: Record<string, unknown>) =>
  (Array.isArray(r.name) ? (r.name as Record<string, unknown>[]) : []).flatMap((n) =>
    n && typeof n === 'object' ? [...strings(n.text), ...strings(n.family), ...strings(n.given), ...strings(n.prefix), ...strings(n.suffix)] : [],
  );

export const RESOURCE_TYPES: Readonly<Record<string, TypeSpec>> = {
  Patient: { patient: { path: 'id', get: self() } },
  RelatedPerson: { patient, date: dates('period') },
  Practitioner: { name: humanNameParts },
  PractitionerRole: {},
  Organization: { name: nameAndAliases },
  Location: { name: nameAndAliases },
  Encounter: { patient: subject, date: dates('period'), code: field('type'), category: field('class'), status: field('status') },
  Condition: {
    patient: subject,
    date: dates('onsetDateTime', 'onsetPeriod', 'recordedDate'),
    code: field('code'),
    category: field('category'),
    status: clinicalStatus,
  },
  Observation: {
    patient: subject,
    date: dates('effectiveDateTime', 'effectivePeriod', 'effectiveInstant', 'issued'),
    code: field('code'),
    category: field('category'),
    status: field('status'),
  },
  Procedure: {
    patient: subject,
    date: dates('performedDateTime', 'performedPeriod'),
    code: field('code'),
    category: field('category'),
    status: field('status'),
  },
  DiagnosticReport: {
    patient: subject,
    date: dates('effectiveDateTime', 'effectivePeriod', 'issued'),
    code: field('code'),
    category: field('category'),
    status: field('status'),
  },
  MedicationRequest: {
    patient: subject,
    date: dates('authoredOn'),
    code: field('medicationCodeableConcept'),
    category: field('category'),
    status: field('status'),
  },
  Immunization: { patient, date: dates('occurrenceDateTime'), code: field('vaccineCode'), status: field('status') },
  AllergyIntolerance: { patient, date: dates('recordedDate', 'onsetDateTime'), code: field('code'), status: clinicalStatus },
  Coverage: { patient: { path: 'beneficiary', get: field('beneficiary') }, date: dates('period'), code: field('type'), status: field('status') },
  ExplanationOfBenefit: { patient, date: dates('billablePeriod', 'created'), code: field('type'), status: field('status') },
  Consent: { patient, date: dates('dateTime'), category: field('category'), status: field('status') },
  Group: {},
};

/** The types held in a patient's compartment: everything with a patient reference. */
export const COMPARTMENT_TYPES: readonly string[] = Object.entries(RESOURCE_TYPES)
  .filter(([, spec]) => spec.patient)
  .map(([type]) => type);

/** Directory data: not about a patient, readable by any authenticated requester with the scope. */
export const DIRECTORY_TYPES: readonly string[] = ['Organization', 'Practitioner', 'PractitionerRole', 'Location'];

export function isStoredType(type: string): boolean {
  return Object.hasOwn(RESOURCE_TYPES, type);
}

/** Extracts the indexed values; throws SearchValueError when an indexed element is malformed. */
export function searchValues(resource: Resource): SearchValues {
  const spec = RESOURCE_TYPES[resource.resourceType];
  if (!spec) throw new SearchValueError(`Resource type '${resource.resourceType}' is not supported`, 'resourceType');
  const r = resource as Record<string, unknown>;
  const values: SearchValues = { patientId: null, dateStart: null, dateEnd: null, status: null, tokens: [] };

  if (spec.patient) values.patientId = patientIdOf(spec.patient.get(r), `${resource.resourceType}.${spec.patient.path}`);

  for (const { path, get } of spec.date ?? []) {
    const v = get(r);
    if (v === undefined) continue;
    const range = dateRangeOf(v, `${resource.resourceType}.${path}`);
    if (range && values.dateStart === null) [values.dateStart, values.dateEnd] = range;
  }

  if (spec.status) {
    const s = spec.status(r);
    if (s !== undefined && typeof s !== 'string') throw new SearchValueError('status must be a code', `${resource.resourceType}.status`);
    values.status = s ?? null;
  }
  if (spec.code) addTokens(values.tokens, 'code', spec.code(r));
  if (spec.category) addTokens(values.tokens, 'category', spec.category(r));
  if (spec.name) for (const part of spec.name(r)) addText(values.tokens, 'name', part, true);
  return values;
}

function patientIdOf(value: unknown, expression: string): string | null {
  if (value === undefined) return null;
  const reference = typeof value === 'string' ? value : (value as { reference?: unknown } | null)?.reference;
  if (reference === undefined) return null;
  if (typeof reference !== 'string') throw new SearchValueError('reference must be a string', expression);
  const ref = parseReference(reference, ['Patient']);
  if (!ref) throw new SearchValueError(`'${reference}' is not a reference to a Patient`, expression);
  return ref.id;
}

function dateRangeOf(value: unknown, expression: string): readonly [string, string] | undefined {
  if (typeof value === 'string') {
    const range = parseFhirDate(value);
    if (!range) throw new SearchValueError(`'${value}' is not a valid FHIR date or dateTime`, expression);
    return range;
  }
  if (value && typeof value === 'object') {
    const { start, end } = value as { start?: unknown; end?: unknown };
    const s = start === undefined ? undefined : dateRangeOf(start, `${expression}.start`);
    const e = end === undefined ? undefined : dateRangeOf(end, `${expression}.end`);
    if (s && e && e[1] < s[0]) throw new SearchValueError('period ends before it starts', expression);
    if (!s && !e) return undefined;
    // An open end means "still going"; an open start is unknown, so the end bounds both.
    return [s?.[0] ?? e![0], e?.[1] ?? '9999-12-31T23:59:59.999Z'];
  }
  throw new SearchValueError('must be a date, dateTime or Period', expression);
}

/** Accepts a CodeableConcept, a Coding, or an array of either; their text and displays go to `${param}:text`. */
function addTokens(out: SearchValues['tokens'], param: 'code' | 'category', value: unknown): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    for (const v of value) addTokens(out, param, v);
    return;
  }
  if (typeof value !== 'object') return;
  const v = value as { coding?: unknown; system?: unknown; code?: unknown; text?: unknown; display?: unknown };
  if (typeof v.text === 'string') addText(out, `${param}:text`, v.text, false);
  if (Array.isArray(v.coding)) {
    for (const c of v.coding) addTokens(out, param, c);
    return;
  }
  if (typeof v.code === 'string') out.push({ param, system: typeof v.system === 'string' ? v.system : '', code: v.code });
  if (typeof v.display === 'string') addText(out, `${param}:text`, v.display, false);
}

function addText(out: SearchValues['tokens'], param: 'code:text' | 'category:text' | 'name', text: string, exactToo: boolean): void {
  const folded = foldText(text).slice(0, MAX_TEXT);
  if (folded === '') return;
  if (!out.some((t) => t.param === param && t.code === folded)) out.push({ param, system: '', code: folded });
  if (exactToo && !out.some((t) => t.param === 'name:exact' && t.code === text)) out.push({ param: 'name:exact', system: '', code: text.slice(0, MAX_TEXT) });
}
