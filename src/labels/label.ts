import type { Coding } from '../fhir/types.js';
import type { CompiledCodeLists } from './code-lists.js';

/** The sensitivity categories (ids from the code lists) whose codes appear anywhere in the resource. */
export function sensitiveCategories(resource: unknown, lists: CompiledCodeLists): Set<string> {
  const found = new Set<string>();
  visit(resource, lists, found);
  return found;
}

function visit(node: unknown, lists: CompiledCodeLists, found: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) visit(item, lists, found);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  if (typeof record.system === 'string' && typeof record.code === 'string') {
    const rules = lists.bySystem.get(record.system);
    if (rules) {
      for (const id of rules.exact.get(record.code) ?? []) found.add(id);
      for (const [prefix, id] of rules.prefixes) if (record.code.startsWith(prefix)) found.add(id);
    }
  }
  for (const key in record) {
    // meta holds the labels themselves; matching them would be circular.
    if (key !== 'meta') visit(record[key], lists, found);
  }
}

/**
 * The resource's labels after ingest: what the source sent, then what the code lists add.
 * A source can add labels but never lose one of ours, and order is stable so an unchanged
 * resource re-ingested compares equal.
 */
export function mergeLabels(sent: readonly Coding[] | undefined, categories: Iterable<string>, lists: CompiledCodeLists): Coding[] {
  const merged: Coding[] = [];
  const seen = new Set<string>();
  const add = (coding: Coding) => {
    const key = `${coding.system ?? ''}|${coding.code ?? ''}`;
    if (seen.has(key)) return;
    seen.add(key);
    merged.push(coding);
  };
  for (const coding of sent ?? []) add(coding);
  for (const id of [...categories].sort()) for (const coding of lists.labelsOf.get(id) ?? []) add(coding);
  return merged;
}
