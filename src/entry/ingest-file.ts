import { readFile } from 'node:fs/promises';
import { FhirError } from '../fhir/errors.js';
import { nestedTooDeep, tooDeepMessage } from '../fhir/json-depth.js';
import { ingest, readBundle, readNdjson, validateResource, type IngestDeps, type IngestResult } from '../ingest/index.js';
import type { Resource } from '../fhir/types.js';

/**
 * Ingests a file: a transaction or batch Bundle, a single resource (.json), or NDJSON
 * (.ndjson, one resource per line, written as a batch).
 */
export async function ingestFile(deps: IngestDeps, path: string, source?: string): Promise<IngestResult> {
  const text = await readFile(path, 'utf8');
  if (/\.ndjson$/i.test(path)) return ingest(deps, { ...(source ? { source } : {}), channel: 'cli', mode: 'batch', entries: readNdjson(text) });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw FhirError.of(400, 'structure', `${path} is not valid JSON`);
  }
  if (nestedTooDeep(body)) throw FhirError.of(400, 'structure', `${path}: ${tooDeepMessage}`);
  if ((body as { resourceType?: unknown })?.resourceType === 'Bundle') {
    const bundle = readBundle(body);
    if (Array.isArray(bundle)) throw new FhirError(400, bundle);
    return ingest(deps, {
      ...((source ?? bundle.source) ? { source: source ?? bundle.source } : {}),
      channel: 'cli',
      mode: bundle.mode,
      entries: bundle.entries,
    });
  }
  const issues = validateResource(body, 'resource');
  if (issues.length > 0) throw new FhirError(400, issues);
  const resource = body as Resource;
  if (typeof resource.id !== 'string') throw FhirError.of(400, 'required', 'A single resource needs an id to be ingested from a file');
  return ingest(deps, {
    ...(source ? { source } : {}),
    channel: 'cli',
    mode: 'transaction',
    entries: [{ ok: true, request: { index: 0, method: 'PUT', type: resource.resourceType, id: resource.id, resource } }],
  });
}
