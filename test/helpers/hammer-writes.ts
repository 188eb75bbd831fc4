/**
 * A child process for test/e2e/concurrent-writers.test.ts: opens DATA_DIR's database as the CLI
 * does and writes the same few resources over and over, each time with new content, then prints
 * one JSON line: the status of every write (200/201, or the FhirError's status, or 500 for
 * anything else) and how many changed each resource.
 */
import { join } from 'node:path';
import { openSqlite } from '../../src/db/sqlite.js';
import { FhirError } from '../../src/fhir/errors.js';
import { ingest } from '../../src/ingest/index.js';
import { defaultCodeLists } from '../../src/labels/index.js';

const [dataDir, name, rounds, ids] = process.argv.slice(2) as [string, string, string, string];
const db = openSqlite(join(dataDir, 'gateway.db'));
const deps = { db, codeLists: defaultCodeLists, clock: () => new Date(), newId: () => crypto.randomUUID() };
const statuses: Record<string, number> = {};
const changed: Record<string, number> = {};
const errors: string[] = [];
for (let i = 0; i < Number(rounds); i++) {
  const entries = [];
  for (let k = 0; k < Number(ids); k++) {
    const id = `shared-${k}`;
    const resource = {
      resourceType: 'Observation',
      id,
      meta: { source: 'urn:test:lab' },
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '4548-4' }], text: `${name} ${i}` },
      subject: { reference: 'Patient/p-1' },
      effectiveDateTime: '2025-01-01',
    };
    entries.push({ ok: true as const, request: { index: k, method: 'PUT' as const, type: 'Observation', id, resource } });
  }
  try {
    const { outcomes } = await ingest(deps, { source: 'urn:test:lab', channel: 'cli', mode: 'transaction', entries });
    for (const o of outcomes) {
      const status = o.ok ? (o.created ? 201 : 200) : o.status;
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (o.ok && o.changed) changed[o.id] = (changed[o.id] ?? 0) + 1;
    }
  } catch (err) {
    const status = err instanceof FhirError && err.issues.length > 0 ? err.status : 500;
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status === 500) errors.push(String(err));
  }
}
db.close();
console.log(JSON.stringify({ statuses, changed, errors: errors.slice(0, 3) }));
