import { COMPARTMENT_TYPES } from '../store/search-values.js';
import type { GateContext } from './context.js';

// A literal reference to a resource, as stored JSON spells it: the type is what matters here.
const REFERENCE = /"reference":"(?:[^"]*\/)?([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}"/g;
const REFERABLE = COMPARTMENT_TYPES.filter((t) => t !== 'Patient');

/**
 * What a requester receives must not point at what it may not see: a visible Observation whose
 * `encounter` names an Encounter the patient hid from this requester would still say the visit
 * exists. References to a class denied to this requester lose their target and keep only
 * `display: "withheld"`; rows that refer to no denied class are returned byte for byte.
 *
 * `one` decides only the classes a single resource refers to (a read); `many` decides every
 * class once (from the decision memo) and then, when nothing is denied, which is the usual case
 * for a clinician, returns the rows untouched without reading them.
 */
export function referenceFilter(g: GateContext, person: string) {
  const denied = new Map<string, Promise<boolean>>();
  const isDenied = (type: string) => {
    let answer = denied.get(type);
    if (!answer) denied.set(type, (answer = g.decide(person, { cls: type }).then((d) => d.plan.kind === 'deny')));
    return answer;
  };
  const hide = (content: string, hidden: ReadonlySet<string>) => {
    if (hidden.size === 0 || ![...hidden].some((t) => content.includes(`${t}/`))) return content;
    const resource = JSON.parse(content) as unknown;
    return strip(resource, hidden) ? JSON.stringify(resource) : content;
  };
  return {
    async one(content: string): Promise<string> {
      const hidden = new Set<string>();
      for (const m of content.matchAll(REFERENCE)) if (REFERABLE.includes(m[1]!) && (await isDenied(m[1]!))) hidden.add(m[1]!);
      return hide(content, hidden);
    },
    async many<R extends { content: string }>(rows: readonly R[]): Promise<R[]> {
      if (rows.length === 0) return [];
      const hidden = new Set<string>();
      for (const type of REFERABLE) if (await isDenied(type)) hidden.add(type);
      return hidden.size === 0 ? [...rows] : rows.map((row) => ({ ...row, content: hide(row.content, hidden) }));
    },
  };
}

/** Takes out references to hidden types; says whether anything changed. */
function strip(node: unknown, hidden: ReadonlySet<string>): boolean {
  if (Array.isArray(node)) return node.map((item) => strip(item, hidden)).some(Boolean);
  if (node === null || typeof node !== 'object') return false;
  const record = node as Record<string, unknown>;
  let changed = false;
  if (typeof record.reference === 'string') {
    const type = /(?:^|\/)([A-Z][A-Za-z]+)\/[^/]+$/.exec(record.reference)?.[1];
    if (type && hidden.has(type)) {
      delete record.reference;
      record.display = 'withheld';
      changed = true;
    }
  }
  for (const key in record) if (key !== 'meta' && strip(record[key], hidden)) changed = true;
  return changed;
}
