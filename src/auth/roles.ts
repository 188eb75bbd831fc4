import type { Purpose } from './purposes.js';
import { parseScope } from './scopes.js';

export type Role = 'patient' | 'caregiver' | 'clinician' | 'researcher' | 'operator';

export const ROLES: readonly Role[] = ['patient', 'caregiver', 'clinician', 'researcher', 'operator'];

/**
 * What each kind of person may be granted. Scopes a person asks for beyond these are dropped at
 * consent; the consent engine then decides, per resource, what the granted scopes reach.
 */
export const ROLE_POLICY: Readonly<
  Record<
    Role,
    {
      scopeContexts: readonly ('patient' | 'user')[];
      types?: readonly string[];
      /** Types this role may also create, update and delete (not only read and search). */
      manages?: readonly string[];
      purposes: readonly Purpose[];
      refresh: readonly RefreshScope[];
    }
  >
> = {
  // People reading their own record (or one they care for) may keep an app signed in.
  // A patient (or her caregiver) may register an endpoint to be told when her record is opened in an emergency.
  patient: { scopeContexts: ['patient'], manages: ['Subscription'], purposes: ['PATRQT'], refresh: ['offline_access', 'online_access'] },
  caregiver: { scopeContexts: ['patient'], manages: ['Subscription'], purposes: ['FAMRQT'], refresh: ['offline_access', 'online_access'] },
  // Staff reach many people's records: refresh only while their sign-in session lasts.
  clinician: { scopeContexts: ['user'], purposes: ['TREAT', 'ETREAT'], refresh: ['online_access'] },
  researcher: { scopeContexts: ['user'], types: ['Group', 'MeasureReport'], purposes: ['HRESCH'], refresh: ['online_access'] },
  // Operators run the exchange: they also create administrative Subscriptions for an attributed organization.
  operator: { scopeContexts: ['user'], types: ['AuditEvent', 'Subscription'], manages: ['Subscription'], purposes: ['HSYSADMIN'], refresh: ['online_access'] },
};

/**
 * SMART's refresh scopes. offline_access: a refresh token that outlives the sign-in session (up
 * to REFRESH_TOKEN_TTL); online_access: one that ends with it.
 */
export type RefreshScope = 'offline_access' | 'online_access';

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/**
 * Splits the scopes an app asked for into those this role may be granted and those it may not.
 * People get read and search only, but for the types their role `manages`; other writes
 * (consents) are granted per issue of their own.
 */
export function grantableScopes(role: Role, requested: readonly string[]): { granted: string[]; withheld: string[] } {
  const policy = ROLE_POLICY[role];
  const granted: string[] = [];
  const withheld: string[] = [];
  for (const scope of requested) {
    if (scope === 'openid' || scope === 'fhirUser' || scope === 'profile') granted.push(scope);
    else if (scope === 'launch/patient') (policy.scopeContexts.includes('patient') ? granted : withheld).push(scope);
    else if (scope === 'offline_access' || scope === 'online_access') (policy.refresh.includes(scope) ? granted : withheld).push(scope);
    else {
      const parsed = parseScope(scope);
      const ok =
        parsed !== undefined &&
        (policy.scopeContexts as readonly string[]).includes(parsed.context) &&
        (policy.types === undefined || policy.types.includes(parsed.type)) &&
        (policy.manages?.includes(parsed.type) === true || [...parsed.permissions].every((p) => p === 'r' || p === 's'));
      (ok ? granted : withheld).push(scope);
    }
  }
  return { granted, withheld };
}
