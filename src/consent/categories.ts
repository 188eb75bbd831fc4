import type { CompiledCodeLists } from '../labels/index.js';

/** Sensitivity categories a decision distinguishes; `normal` is data with none of them. */
export type Category = 'normal' | 'sud' | 'hiv' | 'bh' | 'srh';
export const SENSITIVE: readonly Exclude<Category, 'normal'>[] = ['sud', 'hiv', 'bh', 'srh'];

// The confidentiality code R is shared by every category, so it says nothing about which.
const GENERIC = new Set(['R', 'N', 'V', 'M', 'L', 'U']);

/** Security label code → category, from the same code lists that label data at ingest. */
export function categoryIndex(lists: CompiledCodeLists): ReadonlyMap<string, Category> {
  // Built once per compiled lists: reads asked for it on every request.
  let index = indexes.get(lists);
  if (index) return index;
  index = new Map<string, Category>();
  for (const [id, labels] of lists.labelsOf) {
    for (const label of labels) if (label.code && !GENERIC.has(label.code)) index.set(label.code, id as Category);
  }
  indexes.set(lists, index);
  return index;
}
const indexes = new WeakMap<CompiledCodeLists, Map<string, Category>>();

/** The categories of data carrying these security codes; `normal` when none is sensitive. */
export function categoriesOf(codes: Iterable<string>, index: ReadonlyMap<string, Category>): Category[] {
  const found = new Set<Category>();
  for (const code of codes) {
    const category = index.get(code);
    if (category) found.add(category);
  }
  return found.size === 0 ? ['normal'] : [...found].sort();
}

/** The categories of a stored resource, from its `security` column (space-padded codes: ` R HIV `). */
export const categoriesOfColumn = (security: string, index: ReadonlyMap<string, Category>): Category[] =>
  categoriesOf(security.split(' ').filter(Boolean), index);

/** The security codes that mark data of these categories: what a redaction must withhold. */
export function codesOf(categories: readonly Category[], lists: CompiledCodeLists): string[] {
  const codes = new Set<string>();
  for (const category of categories) for (const label of lists.labelsOf.get(category) ?? []) if (label.code && !GENERIC.has(label.code)) codes.add(label.code);
  return [...codes];
}
