import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateRegion } from '../../src/synthetic/index.js';
import { ofType } from './helpers.js';

const fixture = JSON.parse(readFileSync('fixtures/named-people.json', 'utf8'));

describe('the named people are data in fixtures/', () => {
  it('a fresh clone has fixtures/README.md and fixtures/named-people.json', () => {
    expect(readFileSync('fixtures/README.md', 'utf8')).toMatch(/generated\//);
    expect(existsSync('fixtures/named-people.json')).toBe(true);
  });

  it('the generator takes the accounts and Maria from the file', () => {
    const region = generateRegion({ patients: 20, seed: 1 });
    expect(region.people).toEqual(fixture.accounts);
    const maria = ofType(region, 'Patient').find((p) => p.id === fixture.maria.patientIds['clinic-oak'])!;
    expect(maria.birthDate).toBe(fixture.maria.demographics.birthDate);
    expect(JSON.stringify(maria.name)).toContain(fixture.maria.demographics.middle);
  });

  it('imports the file statically, so a Worker bundle needs no fs: the generator uses no Node module', () => {
    const dir = 'src/synthetic';
    for (const file of readdirSync(dir)) expect(readFileSync(`${dir}/${file}`, 'utf8'), file).not.toMatch(/from '(node:)?(fs|path|fs\/promises)'/);
    expect(readFileSync(`${dir}/named.ts`, 'utf8')).toMatch(/from '\.\.\/\.\.\/fixtures\/named-people\.json' with \{ type: 'json' \}/);
  });

  // The hash moved on purpose since: payers' Patient records carry the member's choice of primary care (issue 16);
  // the region gained prescriptions, allergies, immunizations, lab reports, locations and calibrated claims (issue 17),
  // and each payer segment pays its own price level (issue 17, item 6).
  it('leaves the region byte for byte as it was when the people were code (seed 7, 60 patients)', () => {
    const hash = createHash('sha256')
      .update(JSON.stringify(generateRegion({ patients: 60, seed: 7 })))
      .digest('hex');
    expect(hash).toBe('dc6abac4017fd958699548162fc982d310a670a1409aeefcdb15def87b478bc5');
  });
});
