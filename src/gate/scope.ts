import type { Requester } from '../auth/requester.js';
import { intersect, NO_REACH, reach, union, type Reach } from '../auth/scopes.js';
import { FhirError } from '../fhir/errors.js';

export type Permission = 'r' | 's';

export { DIRECTORY_TYPES } from '../store/search-values.js';

const contextsOf = (r: Requester): ('patient' | 'user' | 'system')[] => (r.kind === 'system' ? ['system'] : ['patient', 'user']);

/**
 * How far the token reaches into a type for an interaction. A search returns the resources it
 * finds, so it needs read as well as search: `.s` alone finds nothing (SMART leaves this open;
 * we take the conservative reading).
 */
function scopeReach(r: Requester, type: string, permission: Permission, contexts = contextsOf(r)): Reach {
  const read = reach(r.scopes, type, 'r', contexts);
  return permission === 'r' ? read : intersect(read, reach(r.scopes, type, 's', contexts));
}

/** Does the token grant this permission on the whole of this type in any of its contexts? Decided before any lookup. */
export function scopeAllows(r: Requester, type: string, permission: Permission): boolean {
  return scopeReach(r, type, permission).kind === 'all';
}

/**
 * The first step of every gate method: a token without the scope is refused before anything is
 * looked up, so the refusal is the same whether or not the id exists. A granular scope passes
 * here; its restriction is applied by `scopeCoverage`.
 */
export function requireScope(r: Requester, type: string, permission: Permission): void {
  if (scopeReach(r, type, permission).kind === 'none')
    throw FhirError.of(403, 'forbidden', `The token does not grant ${permission === 'r' ? 'read' : 'search'} on ${type}`);
}

/**
 * How far the token reaches into this patient's resources of one type: not at all, wholly, or
 * some categories only. A patient-scoped grant covers only its own patient; user and system
 * grants cover anyone the policy allows.
 */
export function scopeCoverage(r: Requester, type: string, permission: Permission, person: string): Reach {
  if (r.kind === 'system') return scopeReach(r, type, permission, ['system']);
  const user = scopeReach(r, type, permission, ['user']);
  return r.patient === person ? union(user, scopeReach(r, type, permission, ['patient'])) : user.kind === 'none' ? NO_REACH : user;
}

/** The codings of a resource's `category` (a CodeableConcept or a list of them), for a granular scope's check. */
export function categoryCodings(content: string): { system?: string; code?: string }[] {
  const category = (JSON.parse(content) as { category?: unknown }).category;
  const concepts = Array.isArray(category) ? category : category === undefined ? [] : [category];
  return concepts.flatMap((c) =>
    c && typeof c === 'object' && Array.isArray((c as { coding?: unknown }).coding) ? (c as { coding: { system?: string; code?: string }[] }).coding : [],
  );
}
