import type { Coding } from '../fhir/types.js';
import { normaliseCode, sourceKey, systemKey, type CompiledCodeLists, type CompiledSystem } from './code-lists.js';

/**
 * The sensitivity categories (ids from the code lists) whose codes or terms appear anywhere in
 * the resource, and the Part 2 category when `source` (the system that sent it) is a listed Part
 * 2 program.
 *
 * A coding is matched by code under its normalised system. A CodeableConcept is also read by the
 * term lists when its codes cannot judge it: it has no coding in a system whose lists are complete
 * (ICD), so its `text` and the displays of its unsystemed, local or unmatched codings are read.
 * @example sensitiveCategories({ resourceType: 'Condition', code: { text: 'opioid use disorder' } }, lists) // Set {'sud'}
 */
export function sensitiveCategories(resource: unknown, lists: CompiledCodeLists, source?: string): Set<string> {
  const found = new Set<string>();
  if (source !== undefined && lists.part2Sources.size > 0 && lists.part2Sources.has(sourceKey(source))) found.add(lists.part2Category);
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
  if (Array.isArray(record.coding)) concept(record, record.coding, lists, found);
  else if (typeof record.text === 'string' && isBareConcept(record)) addAll(found, lists.terms.categoriesIn(record.text));
  else if (typeof record.system === 'string' && typeof record.code === 'string') {
    const system = systemOf(record.system, lists);
    if (system) matchCode(system, record.code, found);
  }
  for (const key in record) {
    // meta holds the labels themselves; matching them would be circular. A concept's codings are read above.
    if (key === 'meta' || key === 'coding') continue;
    const value = record[key];
    if (value !== null && typeof value === 'object') visit(value, lists, found);
  }
}

/** A CodeableConcept: its codings by code, then, unless a complete code list judged it, its words. */
function concept(record: Record<string, unknown>, codings: unknown[], lists: CompiledCodeLists, found: Set<string>): void {
  let judged = false;
  let unread: string[] | undefined;
  for (const item of codings) {
    if (item === null || typeof item !== 'object') continue;
    const coding = item as Record<string, unknown>;
    const system = typeof coding.system === 'string' ? systemOf(coding.system, lists) : undefined;
    const matched = system !== undefined && typeof coding.code === 'string' && matchCode(system, coding.code, found);
    if (system && !system.readDisplay && typeof coding.code === 'string') judged = true;
    else if (!matched && typeof coding.display === 'string') (unread ??= []).push(coding.display);
  }
  if (judged) return;
  for (const display of unread ?? []) addAll(found, lists.terms.categoriesIn(display));
  if (typeof record.text === 'string') addAll(found, lists.terms.categoriesIn(record.text));
}

/** `{ text }` with nothing but an id or extensions beside it: a CodeableConcept sent as text only. */
function isBareConcept(record: Record<string, unknown>): boolean {
  for (const key in record) if (key !== 'text' && key !== 'id' && key !== 'extension') return false;
  return true;
}

function matchCode(system: CompiledSystem, raw: string, found: Set<string>): boolean {
  const code = normaliseCode(raw, system.icd);
  let matched = false;
  const exact = system.exact.get(code);
  if (exact) matched = addAll(found, exact);
  for (const length of system.prefixLengths) {
    if (length > code.length) break;
    const ids = system.prefixes.get(code.slice(0, length));
    if (ids) matched = addAll(found, ids) || matched;
  }
  return matched;
}

function addAll(found: Set<string>, ids: readonly string[]): boolean {
  for (const id of ids) found.add(id);
  return ids.length > 0;
}

// Systems arrive as a handful of distinct strings; normalise each once. Bounded, since a source picks them.
const systemMemo = new WeakMap<CompiledCodeLists, Map<string, CompiledSystem | null>>();
function systemOf(uri: string, lists: CompiledCodeLists): CompiledSystem | undefined {
  let memo = systemMemo.get(lists);
  if (!memo) systemMemo.set(lists, (memo = new Map()));
  let entry = memo.get(uri);
  if (entry === undefined) {
    entry = lists.bySystem.get(systemKey(uri)) ?? null;
    if (memo.size >= 1000) memo.clear();
    memo.set(uri, entry);
  }
  return entry ?? undefined;
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
