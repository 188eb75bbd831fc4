import type { Context } from 'hono';
import type { Issue } from '../../fhir/errors.js';
import { DEFAULT_COUNT, MAX_COUNT } from '../../search/params.js';

export { DEFAULT_COUNT, MAX_COUNT };

/** `Prefer: handling=strict`: unknown parameters are refused rather than ignored. */
export const strictHandling = (c: Context): boolean => /handling=strict/.test(c.req.header('prefer') ?? '');

/**
 * A modifier on a parameter of a route that parses its own few (instance history, the
 * accounting of disclosures, the Subscription list): never ignored, strict handling or not,
 * since `date:foo` dropped answers another question than the one asked (red team 8).
 */
export function modifierIssue(name: string, route: string): Issue | undefined {
  const at = name.indexOf(':');
  if (at < 0) return undefined;
  return { code: 'not-supported', diagnostics: `Modifier ':${name.slice(at + 1)}' is not supported on '${name.slice(0, at)}' (${route})`, expression: name };
}

/**
 * `_count` on the routes that page by their own cursor (instance history, the accounting of
 * disclosures): a whole number from 1 to the server's maximum, or the issue naming it.
 */
export function pageCount(value: string, name: string): number | Issue {
  if (!/^\d{1,6}$/.test(value) || Number(value) < 1 || Number(value) > MAX_COUNT)
    return { code: 'value', diagnostics: `_count must be a whole number from 1 to ${MAX_COUNT}`, expression: name };
  return Number(value);
}
