/** A SMART App Launch v2 resource scope, e.g. `patient/Observation.rs` or `system/*.cu`. */
export interface SmartScope {
  context: 'patient' | 'user' | 'system';
  /** A resource type, or `*` for all. */
  type: string;
  /** Granted interactions: c(reate) r(ead) u(pdate) d(elete) s(earch). */
  permissions: ReadonlySet<'c' | 'r' | 'u' | 'd' | 's'>;
}

const V2 = /^(patient|user|system)\/([A-Z][A-Za-z]*|\*)\.(c?r?u?d?s?)$/;
const V1 = /^(patient|user|system)\/([A-Z][A-Za-z]*|\*)\.(read|write|\*)$/;

/** Parses one scope token; anything that is not a resource scope (openid, launch/patient, …) is undefined. */
export function parseScope(token: string): SmartScope | undefined {
  const v2 = V2.exec(token);
  if (v2 && v2[3] !== '') {
    return { context: v2[1] as SmartScope['context'], type: v2[2]!, permissions: new Set(v2[3]!.split('') as ('c' | 'r' | 'u' | 'd' | 's')[]) };
  }
  const v1 = V1.exec(token);
  if (v1) {
    // SMART v1 names: read = rs, write = cud, * = everything.
    const permissions = v1[3] === 'read' ? 'rs' : v1[3] === 'write' ? 'cud' : 'cruds';
    return { context: v1[1] as SmartScope['context'], type: v1[2]!, permissions: new Set(permissions.split('') as ('c' | 'r' | 'u' | 'd' | 's')[]) };
  }
  return undefined;
}

export function parseScopes(scope: string | undefined): SmartScope[] {
  return (scope ?? '').split(/\s+/).flatMap((t) => (t ? (parseScope(t) ?? []) : []));
}

/** Whether any scope grants `permission` on `type` (in any of the given contexts). */
export function allows(
  scopes: readonly SmartScope[],
  type: string,
  permission: 'c' | 'r' | 'u' | 'd' | 's',
  contexts: readonly SmartScope['context'][] = ['patient', 'user', 'system'],
): boolean {
  return scopes.some((s) => contexts.includes(s.context) && (s.type === '*' || s.type === type) && s.permissions.has(permission));
}
