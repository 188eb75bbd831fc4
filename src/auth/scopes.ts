/** A SMART App Launch v2 resource scope, e.g. `patient/Observation.rs` or `system/*.cu`. */
export interface SmartScope {
  context: 'patient' | 'user' | 'system';
  /** A resource type, or `*` for all. */
  type: string;
  /** Granted interactions: c(reate) r(ead) u(pdate) d(elete) s(earch). */
  permissions: ReadonlySet<Letter>;
  /**
   * A granular scope's restriction (`?category=system|code`): only resources with one of these
   * categories. Undefined: the whole type.
   */
  categories?: readonly Category[];
}

export type Letter = 'c' | 'r' | 'u' | 'd' | 's';
export interface Category {
  /** Undefined when the scope named the code alone (any system). */
  system?: string;
  code: string;
}

/** The types whose granular scopes we honour, and the only query parameter: `category` (US Core's categories are listed in scopes_supported). */
export const GRANULAR_TYPES: readonly string[] = ['Observation', 'Condition'];

const V2 = /^(patient|user|system)\/([A-Z][A-Za-z]*|\*)\.(c?r?u?d?s?)(?:\?(.*))?$/;
const V1 = /^(patient|user|system)\/([A-Z][A-Za-z]*|\*)\.(read|write|\*)$/;

/**
 * Parses one scope token; anything that is not a resource scope we can enforce (openid,
 * launch/patient, a query on another parameter or type, …) is undefined, so it is never
 * granted: a restriction we could not apply would otherwise grant the whole type.
 */
export function parseScope(token: string): SmartScope | undefined {
  const v2 = V2.exec(token);
  if (v2 && v2[3] !== '') {
    const scope: SmartScope = { context: v2[1] as SmartScope['context'], type: v2[2]!, permissions: new Set(v2[3]!.split('') as Letter[]) };
    if (v2[4] === undefined) return scope;
    const categories = parseCategories(v2[2]!, v2[4]);
    return categories ? { ...scope, categories } : undefined;
  }
  const v1 = V1.exec(token);
  if (v1) {
    // SMART v1 names: read = rs, write = cud, * = everything.
    const permissions = v1[3] === 'read' ? 'rs' : v1[3] === 'write' ? 'cud' : 'cruds';
    return { context: v1[1] as SmartScope['context'], type: v1[2]!, permissions: new Set(permissions.split('') as Letter[]) };
  }
  return undefined;
}

/** `category=system|code[,system|code…]` on a type we index categories for; anything else is undefined. */
function parseCategories(type: string, query: string): Category[] | undefined {
  if (!GRANULAR_TYPES.includes(type)) return undefined;
  const match = /^category=([^&=]+)$/.exec(query);
  if (!match) return undefined;
  const categories: Category[] = [];
  for (const value of match[1]!.split(',')) {
    const bar = value.indexOf('|');
    const system = bar < 0 ? undefined : value.slice(0, bar);
    const code = bar < 0 ? value : value.slice(bar + 1);
    if (code === '' || system === '') return undefined;
    categories.push(system === undefined ? { code } : { system, code });
  }
  return categories;
}

export function parseScopes(scope: string | undefined): SmartScope[] {
  return (scope ?? '').split(/\s+/).flatMap((t) => (t ? (parseScope(t) ?? []) : []));
}

/**
 * Whether any scope grants `permission` on the whole of `type` (in any of the given contexts).
 * A category-restricted scope does not count: code that returns resources through this check
 * cannot apply the restriction. The gate's read and search use `reach`, which does.
 */
export function allows(
  scopes: readonly SmartScope[],
  type: string,
  permission: Letter,
  contexts: readonly SmartScope['context'][] = ['patient', 'user', 'system'],
): boolean {
  return reach(scopes, type, permission, contexts).kind === 'all';
}

/** How far scopes reach into one type for one permission: not at all, wholly, or only into some categories. */
export type Reach = { kind: 'none' } | { kind: 'all' } | { kind: 'some'; categories: readonly Category[] };

export const NO_REACH: Reach = { kind: 'none' };

export function reach(scopes: readonly SmartScope[], type: string, permission: Letter, contexts: readonly SmartScope['context'][]): Reach {
  let result: Reach = NO_REACH;
  for (const s of scopes) {
    if (!contexts.includes(s.context) || !(s.type === '*' || s.type === type) || !s.permissions.has(permission)) continue;
    result = union(result, s.categories ? { kind: 'some', categories: s.categories } : { kind: 'all' });
  }
  return result;
}

export function union(a: Reach, b: Reach): Reach {
  if (a.kind === 'all' || b.kind === 'all') return { kind: 'all' };
  if (a.kind === 'none') return b;
  if (b.kind === 'none') return a;
  return { kind: 'some', categories: [...a.categories, ...b.categories] };
}

/** What both reach: a search must be allowed to search and to read what it finds. */
export function intersect(a: Reach, b: Reach): Reach {
  if (a.kind === 'none' || b.kind === 'none') return NO_REACH;
  if (a.kind === 'all') return b;
  if (b.kind === 'all') return a;
  const categories = [
    ...a.categories.filter((x) => b.categories.some((y) => covers(y, x))),
    ...b.categories.filter((y) => a.categories.some((x) => covers(x, y))),
  ];
  return categories.length > 0 ? { kind: 'some', categories } : NO_REACH;
}

/** A category without a system covers the same code in any system. */
const covers = (wide: Category, narrow: Category) => wide.code === narrow.code && (wide.system === undefined || wide.system === narrow.system);

/** Whether a resource with these category codings is within the reach. */
export function reaches(r: Reach, codings: readonly { system?: string; code?: string }[]): boolean {
  if (r.kind !== 'some') return r.kind === 'all';
  return codings.some(
    (c) => c.code !== undefined && r.categories.some((cat) => cat.code === c.code && (cat.system === undefined || cat.system === (c.system ?? ''))),
  );
}

/**
 * Whether `asked` is within `registered`: same context, the same type or a wildcard, no more
 * letters, and no wider restriction. A backend client is given only what it was registered for.
 */
export function within(asked: SmartScope, registered: SmartScope): boolean {
  return (
    asked.context === registered.context &&
    (registered.type === '*' || registered.type === asked.type) &&
    [...asked.permissions].every((p) => registered.permissions.has(p)) &&
    (registered.categories === undefined || (asked.categories !== undefined && asked.categories.every((a) => registered.categories!.some((r) => covers(r, a)))))
  );
}
