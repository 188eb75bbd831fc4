import type { Issue } from '../fhir/errors.js';
import { parseFhirDate } from '../store/fhir-dates.js';
import { isStoredType } from '../store/search-values.js';
import tables from './r4-shapes.json' with { type: 'json' };

/**
 * R4's structure for the stored types, checked in one walk over a resource: every element is one
 * R4 defines for its type (or a primitive's `_name` sibling), lists are non-empty lists and single
 * elements are not lists, required elements are present, at most one of a choice (`value[x]`) is
 * sent, primitives have their JSON kind and R4's format, and codes bound with strength `required`
 * come from their value set (for a CodeableConcept, one of its codings does). The tables are
 * generated from the official StructureDefinitions (scripts/generate-r4-shapes.ts); this file
 * only turns them into lookups once, at load. Pure and Worker-safe.
 */

interface ElementRule {
  type: string;
  list: boolean;
  primitive: Primitive | undefined;
  /** Required binding: system -> codes, and every code for a `code` element. */
  binding: { bySystem: Map<string, Set<string>>; codes: Set<string>; name: string; listed: string } | undefined;
  choice: string | undefined;
}
interface TypeRule {
  elements: Map<string, ElementRule>;
  required: string[];
  /** Choice bases of which one is required. */
  requiredChoices: string[];
}
interface Primitive {
  name: string;
  kind: 'string' | 'boolean' | 'number';
  pattern: RegExp | undefined;
}

type Tables = {
  primitives: Record<string, [string, string?]>;
  types: Record<string, Record<string, [string, number, string | 0, string?]>>;
  valueSets: Record<string, Record<string, string[]>>;
};
const T = tables as unknown as Tables;

const PRIMITIVES = new Map<string, Primitive>(
  Object.entries(T.primitives).map(([name, [kind, regex]]) => [name, { name, kind: kind as Primitive['kind'], pattern: pattern(regex) }]),
);

/**
 * R4's regexes are XML Schema's, where \s is only space, tab, CR and LF (JavaScript's also takes
 * no-break and other Unicode spaces), so they are translated. `[ \r\n\t\S]+` (string, markdown)
 * then matches any non-empty text, which is checked without a regex.
 */
function pattern(regex: string | undefined): RegExp | undefined {
  if (regex === undefined || regex === '[ \\r\\n\\t\\S]+') return undefined;
  const xml = regex.replaceAll('[^\\s]', '[^ \\t\\n\\r]').replaceAll('\\s', '[ \\t\\n\\r]').replaceAll('\\S', '[^ \\t\\n\\r]');
  return new RegExp(`^(?:${xml})$`);
}
const BINDINGS = new Map(
  Object.entries(T.valueSets).map(([name, systems]) => {
    const bySystem = new Map(Object.entries(systems).map(([s, codes]) => [s, new Set(codes)]));
    const codes = new Set(Object.values(systems).flat());
    // A short value set is spelled out in the message, so the sender sees what to send.
    const listed = codes.size <= 12 ? ` (${[...codes].join(', ')})` : '';
    return [name, { bySystem, codes, name, listed }] as const;
  }),
);
const TYPES = new Map<string, TypeRule>(
  Object.entries(T.types).map(([name, elements]) => {
    const rule: TypeRule = { elements: new Map(), required: [], requiredChoices: [] };
    for (const [element, [type, flags, valueSet, choice]] of Object.entries(elements)) {
      rule.elements.set(element, {
        type,
        list: (flags & 2) !== 0,
        primitive: PRIMITIVES.get(type),
        binding: valueSet === 0 ? undefined : BINDINGS.get(valueSet),
        choice,
      });
      if (flags & 1) {
        if (choice === undefined) rule.required.push(element);
        else if (!rule.requiredChoices.includes(choice)) rule.requiredChoices.push(choice);
      }
    }
    return [name, rule];
  }),
);
const ELEMENT = TYPES.get('Element')!;
const MAX_ISSUES = 20;
const INT32 = 2 ** 31;

/**
 * The issues R4's structure finds in a resource of a stored type, each naming its element by a
 * FHIRPath-like expression that starts at `at`; at most 20. None means valid.
 */
export function r4Issues(resource: Record<string, unknown>, at: string): Issue[] {
  const issues: Issue[] = [];
  const path: (string | number)[] = [];
  const where = (): string => at + path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('');
  const fail = (code: Issue['code'], diagnostics: string): void => {
    if (issues.length >= MAX_ISSUES) return;
    const expression = where();
    issues.push({ code, diagnostics: `${expression} ${diagnostics}`, expression });
  };

  const primitive = (value: unknown, p: Primitive, binding: ElementRule['binding']): void => {
    if (p.kind === 'string') {
      if (typeof value !== 'string') return fail('structure', `must be a JSON string (${p.name})`);
      if (value === '') return fail('value', `must not be empty (${p.name}): leave the element out instead`);
    } else if (typeof value !== p.kind) return fail('structure', `must be a JSON ${p.kind} (${p.name})`);
    if (p.kind === 'number') {
      const n = value as number;
      if (!Number.isFinite(n)) return fail('value', `is not a valid ${p.name}`);
      if (p.name !== 'decimal') {
        if (!Number.isInteger(n) || n < -INT32 || n >= INT32) return fail('value', `must be a 32-bit integer (${p.name})`);
        if ((p.name === 'positiveInt' && n < 1) || (p.name === 'unsignedInt' && n < 0)) return fail('value', `is out of range for ${p.name}`);
      }
      return;
    }
    if (p.kind === 'string') {
      const s = value as string;
      if (p.pattern && !p.pattern.test(s)) return fail('value', `is not a valid ${p.name}`);
      // The regex allows a 31st of any month; the calendar is asked only past the 28th.
      if ((p.name === 'date' || p.name === 'dateTime' || p.name === 'instant') && s.length >= 10 && Number(s.slice(8, 10)) > 28 && !parseFhirDate(s))
        return fail('value', `is not a valid ${p.name}`);
      if (binding && !binding.codes.has(s)) fail('value', `'${s}' is not in the required value set ${binding.name}${binding.listed}`);
    }
  };

  const complex = (value: unknown, typeName: string, binding: ElementRule['binding']): void => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return fail('structure', `must be a JSON object (${typeName})`);
    const node = value as Record<string, unknown>;
    let rule: TypeRule | undefined;
    if (typeName === 'Resource') {
      const type = node.resourceType;
      rule = typeof type === 'string' && isStoredType(type) ? TYPES.get(type) : undefined;
      if (!rule) return fail('not-supported', `a contained resource must be of a stored type`);
    } else rule = TYPES.get(typeName);
    if (!rule) return fail('not-supported', `type ${typeName} is not supported`);
    walkObject(node, rule, typeName === 'Resource' || isStoredType(typeName));
    if (binding && (typeName === 'Coding' || typeName === 'CodeableConcept')) {
      const codings = typeName === 'Coding' ? [node] : Array.isArray(node.coding) ? (node.coding as Record<string, unknown>[]) : [];
      const inSet = codings.some((c) => c && typeof c.code === 'string' && binding.bySystem.get(c.system as string)?.has(c.code) === true);
      if (!inSet) fail('value', `must have a coding from the required value set ${binding.name}`);
    }
  };

  const walkObject = (node: Record<string, unknown>, rule: TypeRule, isResource: boolean): void => {
    let choices: string[] | undefined;
    let empty = true;
    for (const key in node) {
      if (issues.length >= MAX_ISSUES) return;
      const value = node[key];
      // JSON has no undefined: a key an in-process caller left undefined is an absent element.
      if (value === undefined) continue;
      empty = false;
      if (isResource && key === 'resourceType') continue;
      path.push(key);
      if (key.charCodeAt(0) === 95 /* _ */) {
        const el = rule.elements.get(key.slice(1));
        if (!el?.primitive) fail('structure', `is not an element of R4 (no primitive '${key.slice(1)}' here)`);
        else extensionSibling(value, el.list);
        path.pop();
        continue;
      }
      const el = rule.elements.get(key);
      if (!el) {
        fail('structure', `is not an element R4 defines here`);
        path.pop();
        continue;
      }
      if (el.choice !== undefined) {
        if (choices?.includes(el.choice)) fail('structure', `only one of ${el.choice}[x] may be sent`);
        else (choices ??= []).push(el.choice);
      }
      if (el.list) {
        if (!Array.isArray(value)) fail('structure', 'must be a list');
        else if (value.length === 0) fail('structure', 'must not be an empty list: leave the element out instead');
        else
          for (let i = 0; i < value.length; i++) {
            path.push(i);
            one(value[i], el);
            path.pop();
          }
      } else if (Array.isArray(value)) fail('structure', 'must be a single value, not a list');
      else one(value, el);
      path.pop();
    }
    if (empty) return fail('structure', 'must not be an empty object');
    for (const name of rule.required) {
      if (node[name] === undefined && node[`_${name}`] === undefined) {
        path.push(name);
        fail('required', 'is required');
        path.pop();
      }
    }
    for (const base of rule.requiredChoices) {
      if (!choices?.includes(base)) {
        path.push(`${base}[x]`);
        fail('required', 'is required');
        path.pop();
      }
    }
  };

  const one = (value: unknown, el: ElementRule): void => {
    if (value === null) return fail('structure', 'FHIR JSON has no null values');
    if (el.primitive) primitive(value, el.primitive, el.binding);
    else complex(value, el.type, el.binding);
  };

  // `_name` holds a primitive's id and extensions: an Element, or for a list, one per item (null where none).
  const extensionSibling = (value: unknown, list: boolean): void => {
    if (!list) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return fail('structure', 'must be a JSON object (Element)');
      return walkObject(value as Record<string, unknown>, ELEMENT, false);
    }
    if (!Array.isArray(value)) return fail('structure', 'must be a list');
    for (let i = 0; i < value.length; i++) {
      if (value[i] === null) continue;
      path.push(i);
      if (typeof value[i] !== 'object' || Array.isArray(value[i])) fail('structure', 'must be a JSON object (Element) or null');
      else walkObject(value[i] as Record<string, unknown>, ELEMENT, false);
      path.pop();
    }
  };

  const rule = TYPES.get(String(resource.resourceType));
  if (!rule)
    return [{ code: 'not-supported', diagnostics: `Resource type '${String(resource.resourceType)}' is not supported`, expression: `${at}.resourceType` }];
  walkObject(resource, rule, true);
  return issues;
}
