const ENTITY_TAG = /^(?:W\/)?"([^"]*)"$/;

/** An If-Match or If-None-Match list: `*`, or the opaque values of its entity tags; undefined if any is malformed. Pure. */
export function entityTags(header: string): '*' | string[] | undefined {
  if (header.trim() === '*') return '*';
  const tags = header.split(',').map((t) => ENTITY_TAG.exec(t.trim())?.[1]);
  return tags.every((t): t is string => t !== undefined) ? tags : undefined;
}

/**
 * An If-Match naming versions: `*` (the resource must exist) or the versionIds FHIR's ETags
 * (`W/"3"`) carry; undefined when it is neither. Pure.
 */
export function versionPrecondition(value: string): '*' | number[] | undefined {
  const tags = entityTags(value);
  if (tags === undefined || (tags !== '*' && tags.some((t) => !/^\d{1,9}$/.test(t)))) return undefined;
  return tags === '*' ? '*' : tags.map(Number);
}
