import type { Issue } from '../fhir/errors.js';
import { FHIR_ID } from '../fhir/types.js';
import { parseFhirDate } from '../store/fhir-dates.js';
import { RESOURCE_TYPES } from '../store/search-values.js';

export interface DateFilter {
  column: 'date' | 'lastUpdated';
  op: 'eq' | 'gt' | 'lt' | 'ge' | 'le';
  range: readonly [string, string];
}
export interface TokenFilter {
  param: 'code' | 'category';
  /** Any of these matches (comma-separated values are OR). system undefined = any system. */
  anyOf: { system?: string; code: string }[];
}

export interface SearchQuery {
  /** Patient ids named by patient= or subject= (Patient/x or x). */
  patient?: string;
  ids?: string[];
  dates: DateFilter[];
  tokens: TokenFilter[];
  status?: string[];
  count: number;
  offset: number;
  sort: { column: 'date' | 'lastUpdated'; descending: boolean };
  /** $everything: restrict to these types. */
  types?: string[];
  /** _include=Type:param, for the referenced Practitioner, Organization and Encounter. */
  includes: { source: string; param: IncludeParam }[];
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

export const MAX_COUNT = 1000;
export const DEFAULT_COUNT = 50;

const KNOWN = new Set([
  'patient',
  'subject',
  '_id',
  '_lastUpdated',
  'date',
  'code',
  'category',
  'status',
  '_count',
  '_sort',
  '_offset',
  '_format',
  '_type',
  'start',
  'end',
  '_since',
  '_include',
]);
const ID = FHIR_ID;

/**
 * Parses FHIR search parameters (and $everything's) into a typed query. Pure. Values are only
 * ever bound as SQL parameters, but they are still held to their grammar here, so a malformed
 * one is a 400 and not a silent empty result. Unknown parameters are ignored, or refused when
 * the client asked for `Prefer: handling=strict`.
 */
export function parseSearch(params: URLSearchParams, opts: { strict: boolean; everything?: boolean }): SearchQuery | Issue[] {
  const issues: Issue[] = [];
  const q: SearchQuery = {
    dates: [],
    tokens: [],
    includes: [],
    count: DEFAULT_COUNT,
    offset: 0,
    sort: { column: opts.everything ? 'date' : 'lastUpdated', descending: false },
  };
  for (const [name, value] of params) {
    const base = name.split(':')[0]!;
    if (!KNOWN.has(base) || name.includes(':')) {
      if (opts.strict) issues.push({ code: 'not-supported', diagnostics: `Search parameter '${name}' is not supported`, expression: name });
      continue;
    }
    switch (base) {
      case 'patient':
      case 'subject': {
        const id = value.replace(/^Patient\//, '');
        if (!ID.test(id)) issues.push({ code: 'value', diagnostics: `${name} must be a Patient reference`, expression: name });
        else q.patient = id;
        break;
      }
      case '_id': {
        const ids = value.split(',');
        if (ids.some((i) => !ID.test(i))) issues.push({ code: 'value', diagnostics: '_id must be FHIR ids', expression: name });
        else q.ids = ids;
        break;
      }
      case 'date':
      case '_lastUpdated':
      case 'start':
      case 'end':
      case '_since': {
        const column = base === '_lastUpdated' || base === '_since' ? 'lastUpdated' : 'date';
        const m = /^(eq|gt|lt|ge|le)?(.+)$/.exec(value);
        const op = base === 'start' || base === '_since' ? 'ge' : base === 'end' ? 'le' : ((m?.[1] ?? 'eq') as DateFilter['op']);
        const range = m && parseFhirDate(base === 'date' || base === '_lastUpdated' ? m[2]! : value);
        if (!range) issues.push({ code: 'value', diagnostics: `${name} must be a FHIR date, optionally prefixed by eq, gt, lt, ge or le`, expression: name });
        else q.dates.push({ column, op, range });
        break;
      }
      case 'code':
      case 'category': {
        const anyOf = value.split(',').map((v) => {
          const bar = v.indexOf('|');
          return bar < 0 ? { code: v } : { system: v.slice(0, bar), code: v.slice(bar + 1) };
        });
        if (anyOf.some((t) => t.code === '' || t.code.length > 256 || (t.system ?? '').length > 512))
          issues.push({ code: 'value', diagnostics: `${name} must be [system|]code`, expression: name });
        else q.tokens.push({ param: base, anyOf });
        break;
      }
      case 'status':
        if (!/^[a-z\-]{1,32}(,[a-z\-]{1,32})*$/.test(value)) issues.push({ code: 'value', diagnostics: 'status must be codes', expression: name });
        else q.status = value.split(',');
        break;
      case '_count': {
        const n = Number(value);
        if (!/^\d{1,6}$/.test(value) || n < 1 || n > MAX_COUNT)
          issues.push({ code: 'value', diagnostics: `_count must be a whole number from 1 to ${MAX_COUNT}`, expression: name });
        else q.count = n;
        break;
      }
      case '_offset': {
        if (!/^\d{1,9}$/.test(value)) issues.push({ code: 'value', diagnostics: '_offset must be a whole number', expression: name });
        else q.offset = Number(value);
        break;
      }
      case '_sort': {
        const m = /^(-?)(date|_lastUpdated)$/.exec(value);
        if (!m) issues.push({ code: 'not-supported', diagnostics: '_sort supports date and _lastUpdated, optionally descending with -', expression: name });
        else q.sort = { column: m[2] === 'date' ? 'date' : 'lastUpdated', descending: m[1] === '-' };
        break;
      }
      case '_type': {
        const types = value.split(',');
        const unknown = types.filter((t) => !Object.hasOwn(RESOURCE_TYPES, t));
        if (unknown.length > 0) issues.push({ code: 'not-supported', diagnostics: `_type names types not held here: ${unknown.join(', ')}`, expression: name });
        else q.types = types;
        break;
      }
      case '_include': {
        const [source, param, target] = value.split(':');
        if (!source || !Object.hasOwn(RESOURCE_TYPES, source))
          issues.push({ code: 'not-supported', diagnostics: `_include names a type not held here: '${source ?? ''}'`, expression: name });
        else if (!param || !Object.hasOwn(INCLUDE_PATHS, param))
          issues.push({ code: 'not-supported', diagnostics: `_include supports ${Object.keys(INCLUDE_PATHS).join(', ')}`, expression: name });
        else if (target !== undefined && !['Practitioner', 'Organization', 'Encounter'].includes(target))
          issues.push({ code: 'not-supported', diagnostics: '_include targets Practitioner, Organization or Encounter', expression: name });
        else q.includes.push({ source, param: param as IncludeParam });
        break;
      }
      case '_format':
        if (!/json/.test(value)) issues.push({ code: 'not-supported', diagnostics: 'Only JSON is served', expression: name });
        break;
    }
  }
  return issues.length > 0 ? issues : q;
}
