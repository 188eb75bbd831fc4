import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/db/sqlite.js';
import { ingest } from '../../src/ingest/index.js';
import { defaultCodeLists } from '../../src/labels/index.js';
import { tempDir } from '../helpers/db.js';

const ROUNDS = 150;
const IDS = 3;

function writer(dataDir: string, name: string): Promise<{ statuses: Record<string, number>; changed: Record<string, number>; errors: string[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/hammer-writes.ts', dataDir, name, String(ROUNDS), String(IDS)], { stdio: 'pipe' });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) reject(new Error(`writer ${name} exited ${code}:\n${out}`));
      else resolve(JSON.parse(line));
    }),
  );
}

describe('two processes writing the same resources at once', () => {
  it('answers every write with 2xx or 409, never 500, and keeps versions 1..n with matching history', async () => {
    const dataDir = join(tempDir('cg-writers-'), 'data');
    mkdirSync(dataDir, { recursive: true });
    // Migrate once first, so the writers race on the data and not on the migrator, and store the
    // lab's own record of the patient (a source files results only under its own records).
    const setup = openSqlite(join(dataDir, 'gateway.db'));
    await ingest(
      { db: setup, codeLists: defaultCodeLists, clock: () => new Date(), newId: () => crypto.randomUUID() },
      {
        source: 'urn:test:lab',
        channel: 'cli',
        mode: 'transaction',
        entries: [
          {
            ok: true,
            request: {
              index: 0,
              method: 'PUT',
              type: 'Patient',
              id: 'p-1',
              resource: { resourceType: 'Patient', id: 'p-1', meta: { source: 'urn:test:lab' } },
            },
          },
        ],
      },
    );
    setup.close();

    const results = await Promise.all([writer(dataDir, 'a'), writer(dataDir, 'b')]);
    for (const r of results) {
      expect(r.errors).toEqual([]);
      for (const status of Object.keys(r.statuses)) expect(['200', '201', '409']).toContain(status);
    }

    const db = openSqlite(join(dataDir, 'gateway.db'));
    try {
      for (let k = 0; k < IDS; k++) {
        const id = `shared-${k}`;
        const current = db.sqlite.prepare(`select version_id v, content from resources where type = 'Observation' and id = ?`).get(id) as {
          v: number;
          content: string;
        };
        const history = db.sqlite
          .prepare(`select version_id v, content from resource_history where type = 'Observation' and id = ? order by version_id`)
          .all(id) as {
          v: number;
          content: string;
        }[];
        // Every successful change made exactly one version, and the versions have no gaps.
        const changes = results.reduce((n, r) => n + (r.changed[id] ?? 0), 0);
        expect(current.v).toBe(changes);
        expect(history.map((h) => h.v)).toEqual(Array.from({ length: current.v - 1 }, (_, i) => i + 1));
        for (const h of [...history, current]) expect(JSON.parse(h.content).meta.versionId).toBe(String(h.v));
      }
    } finally {
      db.close();
    }
  }, 120_000);
});
