import type { Context } from 'hono';
import type { Issue } from '../../fhir/errors.js';
import { DEFAULT_COUNT, MAX_COUNT } from '../../search/params.js';

export { DEFAULT_COUNT, MAX_COUNT };

/** `Prefer: handling=strict`: unknown parameters are refused rather than ignored. */
export const strictHandling = (c: Context): boolean => /handling=strict/.test(c.req.header('prefer') ?? '');

/**
 * `_count` on the routes that page by their own cursor (instance history, the accounting of
 * disclosures): a whole number from 1 to the server's maximum, or the issue naming it.
 */
export function pageCount(value: string, name: string): number | Issue {
  if (!/^\d{1,6}$/.test(value) || Number(value) < 1 || Number(value) > MAX_COUNT)
    return { code: 'value', diagnostics: `_count must be a whole number from 1 to ${MAX_COUNT}`, expression: name };
  return Number(value);
}
