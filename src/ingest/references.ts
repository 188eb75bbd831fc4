import type { WriteRequest } from './entries.js';

/**
 * Gives every POSTed resource its server id, then points every reference to an entry's
 * temporary fullUrl (urn:uuid:… or urn:oid:…) at `Type/id`, as FHIR transactions require.
 * References by absolute URL are already resolvable and are left as sent.
 */
export function resolveReferences(requests: WriteRequest[], newId: () => string): void {
  const byFullUrl = new Map<string, string>();
  for (const request of requests) {
    if (request.method === 'POST') {
      request.id = newId();
      request.resource.id = request.id;
    }
    if (request.fullUrl?.startsWith('urn:')) byFullUrl.set(request.fullUrl, `${request.type}/${request.id}`);
  }
  if (byFullUrl.size === 0) return;
  for (const request of requests) rewrite(request.resource, byFullUrl);
}

function rewrite(node: unknown, byFullUrl: Map<string, string>): void {
  if (Array.isArray(node)) {
    for (const item of node) rewrite(item, byFullUrl);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  for (const key in record) {
    const value = record[key];
    if (key === 'reference' && typeof value === 'string') {
      const target = byFullUrl.get(value);
      if (target) record[key] = target;
    } else if (typeof value === 'object') {
      rewrite(value, byFullUrl);
    }
  }
}
