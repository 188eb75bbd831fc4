import { r4Issues } from './r4.js';

import type { Issue } from '../fhir/errors.js';
import type { Resource } from '../fhir/types.js';
import { isStoredType } from '../store/search-values.js';

/**
 * Checks at the edge: the resource is an object of a type we store, it keeps R4's structure
 * (src/ingest/r4.ts: elements, cardinality, primitive formats, required bindings), and its meta
 * carries what labelling reads. Nothing that breaks R4 is stored, so no reader is served it.
 * Returns the issues found; none means valid.
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
  const issues = r4Issues(resource as Record<string, unknown>, at);
  if (resource.resourceType === 'Consent' && issues.length === 0) issues.push(...consentInvariants(resource as Record<string, unknown>, at));
  if (issues.length > 0) return issues;
  return validateMeta(resource.meta, `${at}.meta`);
}

/**
 * R4's invariants on Consent that structure alone does not catch. ppc-1: a Consent states the
 * policy it is made under, as a policy (a reference to the rules) or a policyRule (a code such as
 * OPTIN or OPTOUT); without one, nothing says what the patient agreed to.
 */
function consentInvariants(consent: Record<string, unknown>, at: string): Issue[] {
  if (consent.policy !== undefined || consent.policyRule !== undefined) return [];
  return [
    {
      code: 'required',
      diagnostics: 'Consent needs a policy or a policyRule (R4 invariant ppc-1), e.g. policyRule with the v3-ActCode OPTIN or OPTOUT',
      expression: `${at}.policy`,
    },
  ];
}

/** What labelling reads of meta, beyond R4: a source that is a URI with a scheme, and security labels with system and code. */
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
