import { COMPARTMENT_TYPES } from '../store/search-values.js';
import type { GateContext } from './context.js';

// A literal reference to a patient-compartment resource, as stored JSON spells it.
const REFERENCE = /"reference":"(?:[^"]*\/)?([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}"/g;
const COMPARTMENT = new Set(COMPARTMENT_TYPES.filter((t) => t !== 'Patient'));

/**
 * What a requester receives must not point at what it may not see: a visible Observation whose
 * `encounter` names an Encounter the patient hid from this requester would still say the visit
 * exists. For each resource type a row refers to, the class is decided for this requester (once
 * per request, from the decision memo); references to a denied class lose their target and keep
 * only `display: "withheld"`. Rows that refer to no denied class are returned byte for byte.
 */
export function referenceFilter(g: GateContext, person: string): (content: string) => Promise<string> {
  const denied = new Map<string, Promise<boolean>>();
  const isDenied = (type: string) => {
    let answer = denied.get(type);
    if (!answer) denied.set(type, (answer = g.decide(person, { cls: type }).then((d) => d.plan.kind === 'deny')));
    return answer;
  };
  return async (content) => {
    const types = new Set<string>();
    for (const m of content.matchAll(REFERENCE)) if (COMPARTMENT.has(m[1]!)) types.add(m[1]!);
    if (types.size === 0) return content;
    const hidden = new Set<string>();
    for (const type of types) if (await isDenied(type)) hidden.add(type);
    if (hidden.size === 0) return content;
    const resource = JSON.parse(content) as unknown;
    strip(resource, hidden);
    return JSON.stringify(resource);
  };
}

function strip(node: unknown, hidden: ReadonlySet<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) strip(item, hidden);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  if (typeof record.reference === 'string') {
    const type = /(?:^|\/)([A-Z][A-Za-z]+)\/[^/]+$/.exec(record.reference)?.[1];
    if (type && hidden.has(type)) {
      delete record.reference;
      record.display = 'withheld';
    }
  }
  for (const key in record) if (key !== 'meta') strip(record[key], hidden);
}
