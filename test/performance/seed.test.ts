import { describe, expect, it } from 'vitest';
import { contractById, contractsOf } from '../../src/performance/store.js';
import { seedContracts } from '../../src/performance/seed.js';
import { tempDb } from '../helpers/db.js';

describe('seedContracts', () => {
  it('stores every fixture contract, validated, and is idempotent', async () => {
    const db = tempDb();
    const n = await seedContracts(db, '2025-01-01T00:00:00Z');
    expect(await seedContracts(db, '2025-01-01T00:00:00Z')).toBe(n);
    const all = await contractsOf(db);
    expect(all).toHaveLength(n);
    expect(new Set(all.map((c) => c.payer))).toEqual(
      new Set(['Organization/payer-lakeshore-org', 'Organization/payer-greatlakes-ma-org', 'Organization/payer-peninsula-medicaid-org']),
    );
    const ma = await contractById(db, 'greatlakes-ma-oak-2025');
    expect(ma).toMatchObject({ category: '3B', downside: { sharingRate: 0.4, cap: 250_000 }, organization: 'Organization/clinic-oak-org' });
  });
});
