import { FhirError, type IssueCode } from '../fhir/errors.js';
import type { MeasurementPeriod, QualityMeasure } from '../metrics/quality/index.js';
import { QUALITY_MEASURES } from '../metrics/quality/index.js';
import { GAP_STATUSES, type GapStatus } from './evaluate.js';
import { findMeasure } from './measures.js';

/** A `$care-gaps` request, checked. */
export interface CareGapsParams {
  period: MeasurementPeriod;
  subject?: { type: 'Patient' | 'Group'; id: string; version?: number };
  organization?: string;
  practitioner?: string;
  statuses: ReadonlySet<GapStatus>;
  measures: readonly QualityMeasure[];
}

/** The STU5 OperationDefinition's inputs we answer; the resource-valued ones are refused as unsupported. */
const KNOWN = ['periodStart', 'periodEnd', 'subject', 'organization', 'practitioner', 'status', 'measureId', 'measureUrl', 'measureIdentifier', '_format'];
const UNSUPPORTED = ['topic', 'subjectGroup', 'parameters', 'organizationResource', 'measureResource', 'measure', 'manifest', 'isDocument', 'program'];
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const ID = /^[A-Za-z0-9.-]{1,64}$/;

const bad = (expression: string, diagnostics: string, code: IssueCode = 'invalid') => new FhirError(400, [{ code, diagnostics, expression }]);

/** The name/value pairs of a query string. */
export const queryPairs = (params: URLSearchParams): [string, string][] => [...params.entries()];

/** The name/value pairs of a POSTed Parameters resource (value[x] of any primitive type). */
export function parametersPairs(body: unknown): [string, string][] {
  const p = body as { resourceType?: unknown; parameter?: unknown };
  if (!p || p.resourceType !== 'Parameters') throw bad('Parameters', 'the body must be a Parameters resource');
  const list = Array.isArray(p.parameter) ? (p.parameter as unknown[]) : [];
  return list.map((item, i) => {
    if (!item || typeof item !== 'object' || Array.isArray(item))
      throw bad(`Parameters.parameter[${i}]`, 'each parameter must be an object with a name and a value');
    const entry = item as Record<string, unknown>;
    const name = typeof entry.name === 'string' ? entry.name : '';
    const key = Object.keys(entry).find((k) => k.startsWith('value'));
    const value = key ? entry[key] : undefined;
    if (key === 'valueReference') return [name, String((value as { reference?: unknown })?.reference ?? '')];
    if (entry.resource !== undefined || entry.part !== undefined) return [name, '\u0000resource'];
    return [name, typeof value === 'string' ? value : String(value ?? '')];
  });
}

/**
 * Checks a request. Required: periodStart, periodEnd (end not before start) and at least one
 * status; and, by the OperationDefinition's conformance rule, a subject, or an organization, or
 * a practitioner with an organization. Unknown parameters are refused under `handling=strict`,
 * ignored otherwise (as the searches do); the ones we do not support are always refused.
 */
export function parseCareGaps(pairs: readonly [string, string][], strict: boolean, measureId?: string): CareGapsParams {
  const values = new Map<string, string[]>();
  for (const [name, value] of pairs) {
    if (UNSUPPORTED.includes(name)) throw bad(name, `$care-gaps does not support ${name}`, 'not-supported');
    if (!KNOWN.includes(name)) {
      if (strict) throw bad(name, `$care-gaps has no parameter ${name}`, 'not-supported');
      continue;
    }
    values.set(name, [...(values.get(name) ?? []), value]);
  }
  const one = (name: string): string | undefined => {
    const v = values.get(name) ?? [];
    if (v.length > 1) throw bad(name, `${name} may be given once`);
    return v[0];
  };
  const date = (name: string): string => {
    const v = one(name);
    if (v === undefined) throw bad(name, `${name} is required`, 'required');
    const day = new Date(`${v}T00:00:00Z`);
    if (!DATE.test(v) || Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== v) throw bad(name, `${name} must be a date, YYYY-MM-DD`, 'value');
    return v;
  };
  const start = date('periodStart');
  const end = date('periodEnd');
  if (end < start) throw bad('periodEnd', `periodEnd (${end}) is before periodStart (${start})`, 'value');
  // The measures look back and forward by months: keep the dates where calendar arithmetic holds.
  if (start < '1900-01-01' || end > '2199-12-31')
    throw bad(start < '1900-01-01' ? 'periodStart' : 'periodEnd', 'the period must lie between 1900-01-01 and 2199-12-31', 'value');

  const statuses = values.get('status') ?? [];
  if (statuses.length === 0)
    throw bad('status', 'status is required: open-gap, closed-gap, prospective-gap or not-applicable, repeated for several', 'required');
  for (const s of statuses) if (!(GAP_STATUSES as readonly string[]).includes(s)) throw bad('status', `status ${s} is not a gaps-status code`, 'value');

  const subject = subjectOf(one('subject'));
  const organization = reference(one('organization'), 'organization', 'Organization');
  const practitioner = reference(one('practitioner'), 'practitioner', 'Practitioner');
  if (!subject && !organization)
    throw bad(
      subject === undefined && practitioner ? 'organization' : 'subject',
      'give a subject, or an organization, or a practitioner and an organization',
      'required',
    );

  return { period: { start, end }, subject, organization, practitioner, statuses: new Set(statuses as GapStatus[]), measures: measuresOf(values, measureId) };
}

function subjectOf(v: string | undefined): CareGapsParams['subject'] {
  if (v === undefined) return undefined;
  const m = /^(Patient|Group)\/([A-Za-z0-9.-]{1,64})(?:\/_history\/(\d{1,9}))?$/.exec(v);
  if (!m || (m[1] === 'Patient' && m[3])) throw bad('subject', 'subject must be Patient/{id} or Group/{id}', 'value');
  return { type: m[1] as 'Patient' | 'Group', id: m[2]!, ...(m[3] ? { version: Number(m[3]) } : {}) };
}

function reference(v: string | undefined, name: string, type: string): string | undefined {
  if (v === undefined) return undefined;
  const id = v.startsWith(`${type}/`) ? v.slice(type.length + 1) : '';
  if (!ID.test(id)) throw bad(name, `${name} must be ${type}/{id}`, 'value');
  return v;
}

/** The measures named (every one when none is): an unknown one is an error naming it, never silently skipped. */
function measuresOf(values: Map<string, string[]>, instance?: string): QualityMeasure[] {
  const named: QualityMeasure[] = [];
  const selectors: ['measureId' | 'measureUrl' | 'measureIdentifier', string][] = [
    ...(instance !== undefined ? [['measureId', instance] as ['measureId', string]] : []),
    ...(['measureId', 'measureUrl', 'measureIdentifier'] as const).flatMap((by) => (values.get(by) ?? []).map((v) => [by, v] as [typeof by, string])),
  ];
  for (const [by, value] of selectors) {
    const m = findMeasure(by, value);
    if (!m)
      throw new FhirError(instance !== undefined && by === 'measureId' && value === instance ? 404 : 400, [
        { code: 'not-found', diagnostics: `Measure ${value} is not known`, expression: by },
      ]);
    if (!named.includes(m)) named.push(m);
  }
  return named.length > 0 ? QUALITY_MEASURES.filter((m) => named.includes(m)) : [...QUALITY_MEASURES];
}
