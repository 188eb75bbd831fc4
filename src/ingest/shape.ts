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
 * Identifier's system and value are strings.
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
  // Depth is bounded at the edge (src/fhir/json-depth.ts), so a recursive walk is safe; the
  // path is kept as a list of keys and spelled out only for an issue.
  const path: (string | number)[] = [];
  const where = () => at + path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('');
  const LIST_ITEMS = new Set(['identifier', 'telecom', 'coding', 'payor', 'securityLabel', 'contained', 'extension', 'tag', 'security', 'generalPractitioner']);
  const STRING_ITEMS = new Set(['given', 'line', 'prefix', 'suffix', 'profile']);
  const walk = (node: unknown, key: string, inList: string | undefined, parentKey: string, inResource = false): void => {
    if (issues.length >= MAX_ISSUES || key.startsWith('_')) return;
    if (node === null) {
      issues.push({ code: 'structure', diagnostics: 'FHIR JSON has no null values', expression: where() });
      return;
    }
    if (inList === undefined && LISTS.has(key) && !Array.isArray(node)) {
      issues.push({ code: 'structure', diagnostics: `${key} must be a list`, expression: where() });
      return;
    }
    // The coded elements labels are read from: a Coding's code, a concept's text (a resource's own
    // `text` is its Narrative), and no resource's `code` given as bare words.
    const codedString = (parentKey === 'coding' && (key === 'code' || key === 'version')) || (key === 'text' && !inResource);
    if (inResource && key === 'code' && typeof node !== 'object') {
      issues.push({ code: 'structure', diagnostics: 'code must be a CodeableConcept, not a bare value', expression: where() });
      return;
    }
    if (inList === undefined && (STRINGS.has(key) || codedString || (parentKey === 'identifier' && key === 'value')) && typeof node !== 'string') {
      issues.push({ code: 'structure', diagnostics: `${key} must be a string`, expression: where() });
      return;
    }
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        path.push(i);
        walk(node[i], key, key, parentKey);
        path.pop();
      }
      return;
    }
    if (typeof node === 'object') {
      if (inList !== undefined && STRING_ITEMS.has(inList)) {
        issues.push({ code: 'structure', diagnostics: `${inList} must be a list of strings`, expression: where() });
        return;
      }
      const isResource = typeof (node as { resourceType?: unknown }).resourceType === 'string';
      for (const k in node as Record<string, unknown>) {
        path.push(k);
        walk((node as Record<string, unknown>)[k], k, undefined, inList ?? key, isResource);
        path.pop();
      }
      return;
    }
    if (inList !== undefined && LIST_ITEMS.has(inList))
      issues.push({ code: 'structure', diagnostics: `${inList} must be a list of objects`, expression: where() });
  };
  walk(resource, '', undefined, '');
  return issues;
}
