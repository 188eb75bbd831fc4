import { shapeIssues } from './shape.js';

import type { Issue } from '../fhir/errors.js';
import { FHIR_ID, type Resource } from '../fhir/types.js';
import { parseFhirDate } from '../store/fhir-dates.js';
import { isStoredType } from '../store/search-values.js';

/** Dates that are not search columns but that matching or metrics rely on, checked here. */
const OTHER_DATES: Readonly<Record<string, readonly string[]>> = {
  Patient: ['birthDate', 'deceasedDateTime'],
};

/**
 * Structural checks at the edge: the resource is an object of a type we store, its id obeys
 * FHIR's rule, and its meta is well formed. Elements the store indexes are checked when their
 * values are extracted. Returns the issues found; none means valid.
 */
export function validateResource(value: unknown, at: string, expectedType?: string): Issue[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return [{ code: 'structure', diagnostics: 'A resource must be a JSON object', expression: at }];
  }
  const resource = value as Partial<Resource>;
  if (typeof resource.resourceType !== 'string' || resource.resourceType === '') {
    return [{ code: 'required', diagnostics: 'resourceType is missing', expression: `${at}.resourceType` }];
  }
  if (!isStoredType(resource.resourceType)) {
    return [{ code: 'not-supported', diagnostics: `Resource type '${resource.resourceType}' is not supported`, expression: `${at}.resourceType` }];
  }
  if (expectedType !== undefined && resource.resourceType !== expectedType) {
    return [
      {
        code: 'invalid',
        diagnostics: `resourceType '${resource.resourceType}' does not match the URL's type '${expectedType}'`,
        expression: `${at}.resourceType`,
      },
    ];
  }
  const issues: Issue[] = [];
  if (resource.id !== undefined && (typeof resource.id !== 'string' || !FHIR_ID.test(resource.id))) {
    issues.push({ code: 'value', diagnostics: 'id must be 1-64 characters of A-Z, a-z, 0-9, - and .', expression: `${at}.id` });
  }
  issues.push(...validateMeta(resource.meta, `${at}.meta`));
  // The structure every later step reads, labelling above all: a code sent in the wrong shape
  // would otherwise pass the code lists unread.
  issues.push(...shapeIssues(resource, at));
  for (const name of OTHER_DATES[resource.resourceType] ?? []) {
    const v = (resource as Record<string, unknown>)[name];
    if (v !== undefined && (typeof v !== 'string' || !parseFhirDate(v))) {
      issues.push({ code: 'value', diagnostics: `${name} is not a valid FHIR date`, expression: `${at}.${name}` });
    }
  }
  return issues;
}

function validateMeta(meta: unknown, at: string): Issue[] {
  if (meta === undefined) return [];
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) return [{ code: 'structure', diagnostics: 'meta must be an object', expression: at }];
  const { security, source } = meta as { security?: unknown; source?: unknown };
  const issues: Issue[] = [];
  if (source !== undefined && (typeof source !== 'string' || !/^[a-z][a-z0-9+.-]*:\S+$/i.test(source))) {
    issues.push({ code: 'value', diagnostics: 'meta.source must be a URI', expression: `${at}.source` });
  }
  if (security !== undefined) {
    const ok = Array.isArray(security) && security.every((c) => c && typeof c === 'object' && typeof c.system === 'string' && typeof c.code === 'string');
    if (!ok) issues.push({ code: 'structure', diagnostics: 'meta.security must be an array of Codings with system and code', expression: `${at}.security` });
  }
  return issues;
}
