import { entityTags, versionPrecondition } from '../fhir/etag.js';
import { FhirError } from '../fhir/errors.js';

/** A stored version as HTTP validators see it. */
export interface Validators {
  versionId: number;
  lastUpdated: string;
}

/** The validator headers of a version: a weak ETag of its versionId and its Last-Modified. */
export function validatorHeaders(v: Validators): Record<string, string> {
  return { etag: `W/"${v.versionId}"`, 'last-modified': new Date(v.lastUpdated).toUTCString() };
}

/**
 * Whether a read may answer 304 (RFC 9110 §13.1.2, §13.1.3, §13.2.2): If-None-Match by weak
 * comparison when sent, else If-Modified-Since at the second Last-Modified gives. A header
 * that does not parse is ignored, as the RFC says for If-Modified-Since. Pure.
 */
export function notModified(headers: { ifNoneMatch?: string; ifModifiedSince?: string }, v: Validators): boolean {
  if (headers.ifNoneMatch !== undefined) {
    const tags = entityTags(headers.ifNoneMatch);
    return tags === '*' || (tags !== undefined && tags.includes(String(v.versionId)));
  }
  if (headers.ifModifiedSince !== undefined) {
    const since = Date.parse(headers.ifModifiedSince);
    return !Number.isNaN(since) && Math.floor(Date.parse(v.lastUpdated) / 1000) * 1000 <= since;
  }
  return false;
}

/**
 * An update's If-Match: `*` (the resource must exist) or the versionIds it may replace.
 * FHIR's ETags are `W/"{versionId}"`; anything else is a 400 naming the header. Pure.
 */
export function parseIfMatch(header: string | undefined): '*' | number[] | undefined {
  if (header === undefined) return undefined;
  const versions = versionPrecondition(header);
  if (versions === undefined) throw FhirError.of(400, 'value', 'If-Match must be * or an ETag such as W/"3" naming a versionId', 'If-Match');
  return versions;
}
