/** Through the real pipeline: a flagged Part 2 program's ordinary vital sign is stored labelled Part 2. */
import { describe, expect, it } from 'vitest';
import codeListsJson from '../../policies/sensitivity-codes.json' with { type: 'json' };
import programsJson from '../../policies/part2-programs.json' with { type: 'json' };
import { ingest, readBundle } from '../../src/ingest/index.js';
import { compileCodeLists, type SensitivityCodeLists } from '../../src/labels/index.js';
import { readCurrent } from '../../src/store/read.js';
import { tempDb, testDeps } from '../helpers/db.js';
import { bundle, observation, patient, putEntry, SOURCE_A, SOURCE_B } from '../helpers/fhir.js';

describe('ingest from a Part 2 program', () => {
  it('labels whatever a flagged source sends as Part 2, and nothing of other sources', async () => {
    const db = tempDb();
    const codeLists = compileCodeLists(codeListsJson as unknown as SensitivityCodeLists, {
      ...programsJson,
      programs: [{ source: SOURCE_B, name: 'Clinic B OTP', designatedBy: 'test', since: '2026-01-01' }],
    });
    const deps = testDeps(db, { codeLists });
    for (const source of [SOURCE_A, SOURCE_B]) {
      // Each source files under its own record of the patient.
      const own = `p-${source.length}`;
      const b = readBundle(bundle('transaction', [putEntry(patient(own, {}, source)), putEntry(observation(`o-${source.length}`, own, {}, source))], source));
      if (Array.isArray(b)) throw new Error(JSON.stringify(b));
      await ingest(deps, { source, channel: b.mode, mode: b.mode, entries: b.entries });
    }
    expect((await readCurrent(db, 'Observation', `o-${SOURCE_B.length}`))!.security).toBe(' ETH 42CFRPart2 R ');
    expect((await readCurrent(db, 'Observation', `o-${SOURCE_A.length}`))!.security).toBe('');
  });
});
