import type { Issue } from '../fhir/errors.js';
import { FHIR_ID } from '../fhir/types.js';
import { parseFhirDate } from '../store/fhir-dates.js';
import { foldText, RESOURCE_TYPES } from '../store/search-values.js';
import { RESULT_PARAMS, searchParamsOf, type SearchParamDefinition } from './definitions.js';
import { approximately, parseDateValue, parseToken, splitRaw, splitValues, type DatePrefix, type TokenValue } from './grammar.js';

export interface DateFilter {
  column: 'date' | 'lastUpdated';
  /** An R4 prefix, or `overlaps` (what `ap`, and $everything's start and end, become). */
  op: Exclude<DatePrefix, 'ap'> | 'overlaps';
  range: readonly [string, string];
  /** Further alternatives (comma-separated values are OR). */
  or?: { op: DateFilter['op']; range: readonly [string, string] }[];
}
export interface TokenFilter {
  param: 'code' | 'category';
  /** Any of these matches (comma-separated values are OR). */
  anyOf: TokenValue[];
  /** `:not`: matches resources with none of them, including those without the element. */
  not?: boolean;
}
/** Text matching against the folded index rows (see foldText), or the exact ones. */
export interface TextFilter {
  param: 'code:text' | 'category:text' | 'name' | 'name:exact';
  match: 'start' | 'contains' | 'exact';
  anyOf: string[];
}
export interface MissingFilter {
  field: 'date' | 'code' | 'category' | 'status' | 'name';
  missing: boolean;
}

export interface SearchQuery {
  /** The patient named by patient= or subject= (Patient/x or x): the compartment searched. */
  patient?: string;
  /** Every patient named, when more than one: all must be the same person (repeated parameters are AND). */
  patients?: string[];
  ids?: string[];
  dates: DateFilter[];
  tokens: TokenFilter[];
  texts?: TextFilter[];
  missing?: MissingFilter[];
  status?: string[];
  /** Each list from a `status:not`: the status is none of them (or there is none). */
  statusNot?: string[][];
  count: number;
  offset: number;
  sort: { column: 'date' | 'lastUpdated'; descending: boolean };
  /** $everything: restrict to these types. */
  types?: string[];
  /** _include=Type:param, for the referenced Practitioner, Organization and Encounter. */
  includes: { source: string; param: IncludeParam }[];
  /** `_summary=count` or `_count=0`: the total only. */
  summary?: 'count';
  /** `_total=none`: no total, so a full page needs no count of every match (R4 search.html, _total). */
  noTotal?: boolean;
  /** `_elements`: the top-level elements to keep. */
  elements?: string[];
  /** The _count asked for, when it was above MAX_COUNT and `count` was capped. */
  countAsked?: number;
  /** The parameters applied, as [name, value] in request order, but for _count and _offset: what the self link shows. */
  applied?: [string, string][];
}

/** Where each _include parameter finds its references. */
export const INCLUDE_PATHS = {
  encounter: ['encounter'],
  performer: ['performer'],
  participant: ['participant.individual'],
  'service-provider': ['serviceProvider'],
  provider: ['provider'],
  insurer: ['insurer'],
  'general-practitioner': ['generalPractitioner'],
  organization: ['organization', 'managingOrganization'],
  practitioner: ['practitioner'],
} as const;
export type IncludeParam = keyof typeof INCLUDE_PATHS;

/**
 * The _include parameters each searched type answers: its R4 reference elements that can point at
 * a Practitioner, Organization or Encounter. Any other pair would silently include nothing, so it
 * is refused; the CapabilityStatement lists these as searchInclude.
 */
export const INCLUDES_OF: Readonly<Record<string, readonly IncludeParam[]>> = {
  Patient: ['general-practitioner', 'organization'],
  PractitionerRole: ['practitioner', 'organization'],
  Location: ['organization'],
  Encounter: ['participant', 'service-provider'],
  Condition: ['encounter'],
  Observation: ['encounter', 'performer'],
  Procedure: ['encounter'],
  DiagnosticReport: ['encounter', 'performer'],
  MedicationRequest: ['encounter'],
  Immunization: ['encounter'],
  AllergyIntolerance: ['encounter'],
  ExplanationOfBenefit: ['provider', 'insurer'],
  Consent: ['organization'],
};

export const MAX_COUNT = 1000;
export const DEFAULT_COUNT = 50;

const EVERYTHING_PARAMS = ['_type', 'start', 'end', '_since'];

export interface ParseOptions {
  strict: boolean;
  everything?: boolean;
  /** The type searched; absent for $everything and the accounting of disclosures. */
  type?: string;
  /** For `ap`: how far a value is from now. */
  now?: Date;
}

/**
 * Parses FHIR search parameters (and $everything's) into a typed query. Pure. Values are only
 * ever bound as SQL parameters, but they are still held to their grammar here, so a malformed
 * one is a 400 and not a silent empty result. A modifier is applied or refused, never dropped. A
 * parameter the type does not have is ignored (and left out of the self link), or refused when
 * the client asked for `Prefer: handling=strict`.
 */
export function parseSearch(params: URLSearchParams, opts: ParseOptions): SearchQuery | Issue[] {
  const issues: Issue[] = [];
  const q: SearchQuery = {
    dates: [],
    tokens: [],
    includes: [],
    count: DEFAULT_COUNT,
    offset: 0,
    sort: { column: opts.everything ? 'date' : 'lastUpdated', descending: false },
    applied: [],
  };
  const declared = new Map(searchParamsOf(opts.everything ? '' : (opts.type ?? 'AuditEvent')).map((d) => [d.name, d]));
  const refuse = (name: string, diagnostics: string, code: Issue['code'] = 'value') => issues.push({ code, diagnostics, expression: name });
  for (const [name, value] of params) {
    const colon = name.indexOf(':');
    const base = colon < 0 ? name : name.slice(0, colon);
    const modifier = colon < 0 ? undefined : name.slice(colon + 1);
    const definition = declared.get(base);
    const result = RESULT_PARAMS.includes(base) || (opts.everything && EVERYTHING_PARAMS.includes(base));
    if (!definition && !result) {
      if (modifier !== undefined) refuse(name, `Search parameter '${name}' is not supported: modifiers are never ignored`, 'not-supported');
      else if (opts.strict) refuse(name, `Search parameter '${name}' is not supported${opts.type ? ` on ${opts.type}` : ''}`, 'not-supported');
      continue;
    }
    if (modifier !== undefined && (!definition || !(definition.modifiers as readonly string[]).includes(modifier))) {
      const allowed = definition?.modifiers.length ? `; it takes ${definition.modifiers.map((m) => `:${m}`).join(', ')}` : '';
      refuse(name, `Modifier ':${modifier}' is not supported on '${base}'${allowed}`, 'not-supported');
      continue;
    }
    const before = issues.length;
    if (definition) applyParam(q, definition, modifier, name, value, refuse, opts);
    else applyResultParam(q, base, name, value, refuse, opts);
    if (issues.length === before && base !== '_count' && base !== '_offset') q.applied!.push([name, value]);
  }
  if (opts.type === 'Patient' && q.ids) {
    // A Patient search is its own compartment.
    if (q.ids.length !== 1) refuse('_id', 'A Patient search takes one _id: the patient');
    else q.patient = q.ids[0]!;
  }
  return issues.length > 0 ? issues : q;
}

type Refuse = (name: string, diagnostics: string, code?: Issue['code']) => void;

function applyParam(q: SearchQuery, d: SearchParamDefinition, modifier: string | undefined, name: string, value: string, refuse: Refuse, opts: ParseOptions) {
  if (modifier === 'missing') {
    if (value !== 'true' && value !== 'false') return refuse(name, `${name} must be true or false`);
    (q.missing ??= []).push({ field: d.field as MissingFilter['field'], missing: value === 'true' });
    return;
  }
  const values = splitValues(value);
  switch (d.field) {
    case 'patient': {
      const id = value.replace(/^Patient\//, '');
      if (values.length > 1) return refuse(name, `${name} names one patient per search`);
      if (!FHIR_ID.test(id)) return refuse(name, `${name} must be a Patient reference`);
      if (q.patient === undefined) q.patient = id;
      else if (q.patient !== id) (q.patients ??= [q.patient]).push(id);
      return;
    }
    case 'id':
      if (values.some((i) => !FHIR_ID.test(i))) return refuse(name, '_id must be FHIR ids');
      q.ids = q.ids ? q.ids.filter((i) => values.includes(i)) : values;
      return;
    case 'status':
      if (values.some((v) => !/^[a-z-]{1,32}$/.test(v))) return refuse(name, `${name} must be codes (without a system: each status has its own)`);
      if (modifier === 'not') (q.statusNot ??= []).push(values);
      else q.status = q.status ? q.status.filter((s) => values.includes(s)) : values;
      return;
    case 'date':
    case 'lastUpdated': {
      const parsed = values.map(parseDateValue);
      if (parsed.some((p) => !p)) return refuse(name, `${name} must be a FHIR date, optionally prefixed by eq, ne, lt, gt, le, ge, sa, eb or ap`);
      const [first, ...rest] = parsed.map((p) =>
        p!.prefix === 'ap' ? { op: 'overlaps' as const, range: approximately(p!.range, opts.now ?? new Date()) } : { op: p!.prefix, range: p!.range },
      );
      q.dates.push({ column: d.field, ...first!, ...(rest.length > 0 ? { or: rest } : {}) });
      return;
    }
    case 'code':
    case 'category': {
      if (modifier === 'text') return addText(q, `${d.field}:text`, 'start', values, name, refuse);
      const anyOf = splitRaw(value).map(parseToken);
      if (anyOf.some((t) => !t)) return refuse(name, `${name} must be [system]|[code], system| or |code`);
      q.tokens.push({ param: d.field, anyOf: anyOf as TokenValue[], ...(modifier === 'not' ? { not: true } : {}) });
      return;
    }
    case 'name':
      if (modifier === 'exact') return addText(q, 'name:exact', 'exact', values, name, refuse);
      return addText(q, 'name', modifier === 'contains' ? 'contains' : 'start', values, name, refuse);
  }
}

function addText(q: SearchQuery, param: TextFilter['param'], match: TextFilter['match'], values: string[], name: string, refuse: Refuse) {
  const anyOf = match === 'exact' ? values : values.map(foldText);
  if (anyOf.some((v) => v === '' || v.length > 256)) return refuse(name, `${name} must be text of 1 to 256 characters`);
  (q.texts ??= []).push({ param, match, anyOf });
}

function applyResultParam(q: SearchQuery, base: string, name: string, value: string, refuse: Refuse, opts: ParseOptions) {
  switch (base) {
    case 'start':
    case 'end':
    case '_since': {
      const range = parseFhirDate(value);
      if (!range) return refuse(name, `${name} must be a FHIR date`);
      // $everything's care dates: what overlaps [start, …] or […, end]; _since: changed at or after.
      if (base === '_since') q.dates.push({ column: 'lastUpdated', op: 'ge', range: [range[0], range[0]] });
      else
        q.dates.push({
          column: 'date',
          op: 'overlaps',
          range: base === 'start' ? [range[0], '9999-12-31T23:59:59.999Z'] : ['0001-01-01T00:00:00.000Z', range[1]],
        });
      return;
    }
    case '_count': {
      if (!/^\d{1,9}$/.test(value)) return refuse(name, `_count must be a whole number (at most ${MAX_COUNT} are returned)`);
      const n = Number(value);
      q.count = Math.min(n, MAX_COUNT);
      if (n > MAX_COUNT) q.countAsked = n;
      else delete q.countAsked;
      if (n === 0) q.summary = 'count';
      return;
    }
    case '_offset':
      if (!/^\d{1,9}$/.test(value)) return refuse(name, '_offset must be a whole number');
      q.offset = Number(value);
      return;
    case '_sort': {
      const m = /^(-?)(date|_lastUpdated)$/.exec(value);
      if (!m) return refuse(name, '_sort supports date and _lastUpdated, optionally descending with -', 'not-supported');
      q.sort = { column: m[2] === 'date' ? 'date' : 'lastUpdated', descending: m[1] === '-' };
      return;
    }
    case '_total':
      if (value === 'none') q.noTotal = true;
      else if (value === 'accurate' || value === 'estimate') delete q.noTotal;
      else return refuse(name, '_total must be none, estimate or accurate');
      return;
    case '_summary':
      if (value === 'count') q.summary = 'count';
      else if (value !== 'false') return refuse(name, '_summary supports count and false', 'not-supported');
      return;
    case '_elements': {
      const names = value.split(',');
      if (names.some((n) => !/^[A-Za-z][A-Za-z0-9]{0,63}$/.test(n))) return refuse(name, '_elements must name top-level elements, separated by commas');
      q.elements = [...new Set([...(q.elements ?? []), ...names])];
      return;
    }
    case '_type': {
      const types = value.split(',');
      const unknown = types.filter((t) => !Object.hasOwn(RESOURCE_TYPES, t));
      if (unknown.length > 0) return refuse(name, `_type names types not held here: ${unknown.join(', ')}`, 'not-supported');
      q.types = types;
      return;
    }
    case '_include': {
      if (opts.everything || !opts.type) return refuse(name, '_include is for type searches', 'not-supported');
      const [source, param, target] = value.split(':');
      if (!source || !Object.hasOwn(RESOURCE_TYPES, source)) return refuse(name, `_include names a type not held here: '${source ?? ''}'`, 'not-supported');
      if (source !== opts.type) return refuse(name, `_include on a ${opts.type} search names ${opts.type}:{parameter}`, 'not-supported');
      const offered = INCLUDES_OF[source] ?? [];
      if (!param || !(offered as readonly string[]).includes(param))
        return refuse(name, offered.length > 0 ? `_include on ${source} supports ${offered.join(', ')}` : `${source} has no _include here`, 'not-supported');
      if (target !== undefined && !['Practitioner', 'Organization', 'Encounter'].includes(target))
        return refuse(name, '_include targets Practitioner, Organization or Encounter', 'not-supported');
      q.includes.push({ source, param: param as IncludeParam });
      return;
    }
    case '_format':
      // Answered before routing (406 for what is not served); kept in the self link so it reproduces the response.
      return;
  }
}
