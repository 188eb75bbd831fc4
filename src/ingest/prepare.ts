import type { Issue } from '../fhir/errors.js';
import type { Patient, Resource } from '../fhir/types.js';
import { mergeLabels, sensitiveCategories, type CompiledCodeLists } from '../labels/index.js';
import { matchKeys } from '../matching/index.js';
import type { Prepared } from '../store/plan.js';
import { searchValues, SearchValueError, type SearchValues } from '../store/search-values.js';
import type { WriteRequest } from './entries.js';

/**
 * `source` is the system the request came from: meta.source on the resource must agree with it
 * when both are present, so one source cannot write in another's name.
 */
export function prepare(request: WriteRequest, source: string | undefined, lists: CompiledCodeLists): Prepared | Issue[] {
  const at = `Bundle.entry[${request.index}].resource`;
  const resource = request.resource;
  const meta = (resource.meta ?? {}) as NonNullable<Resource['meta']>;
  const declared = meta.source;
  if (source && declared && declared !== source) {
    return [{ code: 'forbidden', diagnostics: `meta.source '${declared}' is not the sending system '${source}'`, expression: `${at}.meta.source` }];
  }
  const effectiveSource = declared ?? source;
  if (!effectiveSource) {
    return [{ code: 'required', diagnostics: 'meta.source is required: name the source system that sent this resource', expression: `${at}.meta.source` }];
  }
  let values: SearchValues;
  try {
    values = searchValues(resource);
  } catch (err) {
    if (err instanceof SearchValueError) return [{ code: 'value', diagnostics: err.message, expression: `${at}.${err.expression.replace(/^\w+\./, '')}` }];
    throw err;
  }
  const security = mergeLabels(meta.security, sensitiveCategories(resource, lists, effectiveSource), lists);
  // versionId and lastUpdated are the store's to set; whatever the source sent is dropped.
  const { versionId: _v, lastUpdated: _l, ...rest } = meta;
  resource.meta = { ...rest, source: effectiveSource, ...(security.length > 0 ? { security } : {}) };
  return {
    index: request.index,
    type: request.type,
    id: request.id!,
    source: effectiveSource,
    resource,
    values,
    securityCodes: security.map((c) => c.code!),
    ...(request.ifMatch !== undefined ? { ifMatch: request.ifMatch } : {}),
    ...(request.type === 'Patient' ? { matchKeys: matchKeys(resource as unknown as Patient) } : {}),
  };
}
