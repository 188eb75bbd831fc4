import { TABLES } from '../../metrics/tables.js';
import { isReleaseId } from '../../release/store.js';
import type { FieldErrors } from '../forms.js';

export const COMPARE_TABLES = TABLES.map((t) => t.id);

export interface CompareQuery {
  /** What was asked, as typed (cut short), so the form can show it back. */
  typed: { a: string; b: string; table: string };
  errors: FieldErrors;
  /** Set only when there is no error and both releases were named. */
  valid?: { a: string; b: string; table: string };
}

/**
 * Reads `?a=&b=&table=` against the releases that exist. Nothing asked: no error, no comparison
 * (the form alone). A malformed or unknown id is an error on its own field, with the same words
 * for both, so the message says nothing about which ids exist beyond the list the form shows.
 */
export function readCompareQuery(query: Record<string, string | undefined>, releaseIds: readonly string[]): CompareQuery {
  const typed = { a: (query.a ?? '').slice(0, 40), b: (query.b ?? '').slice(0, 40), table: (query.table ?? 'total').slice(0, 40) };
  if (query.a === undefined && query.b === undefined) return { typed, errors: {} };
  const errors: Record<string, string> = {};
  for (const field of ['a', 'b'] as const) {
    const id = typed[field];
    if (id === '') errors[field] = 'Choose a release.';
    else if (!isReleaseId(id) || !releaseIds.includes(id)) errors[field] = 'There is no release with that name: choose one from the list.';
  }
  if (!errors.a && !errors.b && typed.a === typed.b) errors.b = 'Choose a different release from the first.';
  if (!COMPARE_TABLES.includes(typed.table)) errors.table = 'Choose a table from the list.';
  return Object.keys(errors).length > 0 ? { typed, errors } : { typed, errors, valid: { ...typed } };
}
