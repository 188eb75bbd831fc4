import { nestedTooDeep, tooDeepMessage } from '../fhir/json-depth.js';
import { FHIR_ID } from '../fhir/types.js';
import type { EntryRead } from './entries.js';
import { validateResource } from './validate.js';

/**
 * NDJSON (FHIR Bulk Data format): one resource per line, each an upsert by its id. A line that
 * is not JSON or not a valid resource is reported against its line, like a batch entry.
 */
export function readNdjson(text: string): EntryRead[] {
  const entries: EntryRead[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const index = entries.length;
    const at = `line ${i + 1}`;
    let resource: unknown;
    try {
      resource = JSON.parse(line);
    } catch {
      entries.push({ ok: false, index, issues: [{ code: 'structure', diagnostics: `${at} is not valid JSON` }] });
      continue;
    }
    if (nestedTooDeep(resource)) {
      entries.push({ ok: false, index, issues: [{ code: 'structure', diagnostics: `${at}: ${tooDeepMessage}` }] });
      continue;
    }
    const issues = validateResource(resource, at);
    const r = resource as { resourceType: string; id?: string };
    if (issues.length === 0 && (typeof r.id !== 'string' || !FHIR_ID.test(r.id))) {
      issues.push({ code: 'required', diagnostics: `${at}: NDJSON resources need an id`, expression: at });
    }
    entries.push(
      issues.length > 0
        ? { ok: false, index, issues }
        : { ok: true, request: { index, method: 'PUT', type: r.resourceType, id: r.id!, resource: resource as never } },
    );
  }
  return entries;
}
