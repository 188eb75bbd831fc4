import type { Purpose } from './purposes.js';
import { parseScope } from './scopes.js';

export type Role = 'patient' | 'caregiver' | 'clinician' | 'researcher' | 'operator';

export const ROLES: readonly Role[] = ['patient', 'caregiver', 'clinician', 'researcher', 'operator'];

/**
 * What each kind of person may be granted. Scopes a person asks for beyond these are dropped at
 * consent; the consent engine then decides, per resource, what the granted scopes reach.
 */
export const ROLE_POLICY: Readonly<Record<Role, { scopeContexts: readonly ('patient' | 'user')[]; types?: readonly string[]; purposes: readonly Purpose[] }>> =
  {
    patient: { scopeContexts: ['patient'], purposes: ['PATRQT'] },
    caregiver: { scopeContexts: ['patient'], purposes: ['FAMRQT'] },
    clinician: { scopeContexts: ['user'], purposes: ['TREAT', 'ETREAT'] },
    researcher: { scopeContexts: ['user'], types: ['Group', 'MeasureReport'], purposes: ['HRESCH'] },
    operator: { scopeContexts: ['user'], types: ['AuditEvent'], purposes: ['HSYSADMIN'] },
  };

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/**
 * Splits the scopes an app asked for into those this role may be granted and those it may not.
 * People get read and search only; writes (consents) are granted per issue of their own.
 */
export function grantableScopes(role: Role, requested: readonly string[]): { granted: string[]; withheld: string[] } {
  const policy = ROLE_POLICY[role];
  const granted: string[] = [];
  const withheld: string[] = [];
  for (const scope of requested) {
    if (scope === 'openid' || scope === 'fhirUser' || scope === 'profile') granted.push(scope);
    else if (scope === 'launch/patient') (policy.scopeContexts.includes('patient') ? granted : withheld).push(scope);
    else {
      const parsed = parseScope(scope);
      const ok =
        parsed !== undefined &&
        (policy.scopeContexts as readonly string[]).includes(parsed.context) &&
        (policy.types === undefined || policy.types.includes(parsed.type)) &&
        [...parsed.permissions].every((p) => p === 'r' || p === 's');
      (ok ? granted : withheld).push(scope);
    }
  }
  return { granted, withheld };
}
