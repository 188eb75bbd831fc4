import type { Issue } from '../fhir/errors.js';

// Elements that are lists wherever they appear in the R4 resources held here (Organization.name
// is a string and Location.address one Address, so those two are checked per type below;
// Consent provisions are checked where they are compiled).
const LISTS = new Set([
  'identifier',
  'given',
  'prefix',
  'suffix',
  'line',
  'telecom',
  'coding',
  'payor',
  'securityLabel',
  'contained',
  'extension',
  'modifierExtension',
  'tag',
  'security',
  'profile',
  'generalPractitioner',
  'contact',
  'communication',
]);
// Elements that are strings wherever they appear.
const STRINGS = new Set(['family', 'city', 'postalCode', 'state', 'country', 'district', 'display', 'system']);
const MAX_ISSUES = 20;
// Types whose name and address are lists (HumanName[], Address[]).
const PEOPLE = new Set(['Patient', 'Practitioner', 'RelatedPerson']);

/**
 * The structure every later step relies on, checked once at the edge so that none of them meets
 * a value of the wrong kind: FHIR JSON has no nulls (outside the `_element` arrays that align
 * primitive extensions), list elements are lists, and string elements are strings; an
 * Identifier's system and value are strings. Iterative, so depth costs no stack.
 */
export function shapeIssues(resource: unknown, at: string): Issue[] {
  const issues: Issue[] = [];
  const type = (resource as { resourceType?: unknown } | null)?.resourceType;
  if (typeof type === 'string' && PEOPLE.has(type)) {
    for (const key of ['name', 'address']) {
      const value = (resource as Record<string, unknown>)[key];
      if (value !== undefined && (!Array.isArray(value) || value.some((v) => v === null || typeof v !== 'object' || Array.isArray(v))))
        issues.push({ code: 'structure', diagnostics: `${key} must be a list of objects`, expression: `${at}.${key}` });
    }
    const names = (resource as { name?: unknown }).name;
    if (Array.isArray(names))
      names.forEach((n, i) => {
        const given = (n as { given?: unknown } | null)?.given;
        if (given !== undefined && (!Array.isArray(given) || given.some((g) => typeof g !== 'string')))
          issues.push({ code: 'structure', diagnostics: 'given must be a list of strings', expression: `${at}.name[${i}].given` });
      });
  }
  const stack: { node: unknown; path: string; key: string; parentKey: string }[] = [{ node: resource, path: at, key: '', parentKey: '' }];
  while (stack.length > 0 && issues.length < MAX_ISSUES) {
    const { node, path, key, parentKey } = stack.pop()!;
    if (key.startsWith('_')) continue;
    if (node === null) {
      issues.push({ code: 'structure', diagnostics: 'FHIR JSON has no null values', expression: path });
      continue;
    }
    if (LISTS.has(key) && !Array.isArray(node)) {
      issues.push({ code: 'structure', diagnostics: `${key} must be a list`, expression: path });
      continue;
    }
    if ((STRINGS.has(key) || (parentKey === 'identifier' && key === 'value')) && typeof node !== 'string') {
      issues.push({ code: 'structure', diagnostics: `${key} must be a string`, expression: path });
      continue;
    }
    if (Array.isArray(node)) {
      node.forEach((item, i) => stack.push({ node: item, path: `${path}[${i}]`, key: `${key}[]`, parentKey: key }));
    } else if (typeof node === 'object') {
      // Items of a list carry the list's name as their parent, so an Identifier's fields are known.
      const owner = key.endsWith('[]') ? key.slice(0, -2) : key;
      if (key.endsWith('[]') && (owner === 'given' || owner === 'line' || owner === 'prefix' || owner === 'suffix' || owner === 'profile')) {
        issues.push({ code: 'structure', diagnostics: `${owner} must be a list of strings`, expression: path });
        continue;
      }
      for (const [k, v] of Object.entries(node as Record<string, unknown>)) stack.push({ node: v, path: `${path}.${k}`, key: k, parentKey: owner });
    } else if (
      key.endsWith('[]') &&
      [
        'identifier',
        'name',
        'telecom',
        'address',
        'coding',
        'payor',
        'actor',
        'class',
        'securityLabel',
        'contained',
        'extension',
        'tag',
        'security',
        'generalPractitioner',
      ].includes(key.slice(0, -2))
    ) {
      issues.push({ code: 'structure', diagnostics: `${key.slice(0, -2)} must be a list of objects`, expression: path });
    }
  }
  return issues;
}
