import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clinicianClaims, OPERATOR_CLAIMS } from '../helpers/tokens.js';
import { startWorkers, type LocalWorkers } from '../helpers/wrangler.js';

/**
 * D1's size against its cap on the Worker: a database is capped at 10 GB, which cannot be
 * raised, so the operator hears at 80 %. The cap is set low here (D1_LIMIT_BYTES) so that the
 * local database, a few hundred kilobytes after its migrations, is past it.
 */
describe('D1 size on the Worker', () => {
  let w: LocalWorkers;
  const LIMIT = 100_000;

  beforeAll(async () => {
    w = await startWorkers({ vars: { D1_LIMIT_BYTES: String(LIMIT) }, participants: false });
  }, 180_000);

  afterAll(async () => {
    await w?.stop();
  });

  const storage = (token?: string) => w.fetch(`${w.primary}/admin/storage`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('tells the operator the size, the cap and the share used, and raises the alert past 80 %', async () => {
    const res = await storage(await w.issuer.mint(OPERATOR_CLAIMS));
    expect(res.status).toBe(200);
    const reading = (await res.json()) as { driver: string; bytes: number; limitBytes: number; used: number; alert: boolean };
    expect(reading).toMatchObject({ driver: 'd1', limitBytes: LIMIT, alert: true });
    expect(reading.bytes).toBeGreaterThan(0.8 * LIMIT);
    expect(reading.used).toBeCloseTo(reading.bytes / LIMIT, 2);
  });

  it('says nothing to anyone but an operator', async () => {
    expect((await storage()).status).toBe(401);
    const clinician = await storage(await w.issuer.mint(clinicianClaims('dr.s', 'dr-s')));
    expect(clinician.status).toBe(403);
    expect(await clinician.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'forbidden' }] });
  });

  it("logs the alert from the minute's cron, sizes only", async () => {
    expect(await w.scheduled()).toBe('ok');
    await expect.poll(() => w.logs(), { timeout: 5_000 }).toMatch(/"event":"storage-near-limit"/);
    const line = w
      .logs()
      .split('\n')
      .find((l) => l.includes('storage-near-limit'))!;
    expect(Object.keys(JSON.parse(line.slice(line.indexOf('{'))) as object).sort()).toEqual(['alert', 'bytes', 'driver', 'event', 'limitBytes', 'used']);
  });
});
