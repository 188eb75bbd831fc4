/**
 * "The memory of every cache is bounded." Found by the red team: the directory cache was bounded
 * by its count of entries only (10,000), but a source may file a directory entry as large as a
 * request body, so 40 one-MiB Organizations were all held. It is now bounded by weight too (8
 * million characters, src/store/read.ts). This files 40 large Organizations, reads each once,
 * and measures what the process retains after a full garbage collection.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { putEntry, SOURCE_A } from '../helpers/fhir.js';
import { scenario } from '../helpers/scenario.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

describe('the directory cache memory', () => {
  it('reading 40 one-megabyte Organizations once each leaves less than 15 MB held (the bound is 8 million characters)', async () => {
    const s = await scenario();
    const big = 'x'.repeat(1024 * 1024);
    for (let i = 0; i < 40; i++) {
      await s.seed(SOURCE_A, [putEntry({ resourceType: 'Organization', id: `big-${i}`, meta: { source: SOURCE_A }, name: `Big ${i}`, alias: [`${big}${i}`] })]);
    }
    // One more write empties the cache before the baseline.
    await s.seed(SOURCE_A, [putEntry({ resourceType: 'Organization', id: 'small', meta: { source: SOURCE_A }, name: 'small' })]);
    expect((await s.get('/fhir/Organization/small', s.tokens.chen)).status).toBe(200);
    const baseline = heap();
    for (let i = 0; i < 40; i++) {
      const res = await s.get(`/fhir/Organization/big-${i}`, s.tokens.chen);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    const retained = heap() - baseline;
    console.log(`retained after reading 40 x 1 MiB Organizations: ${(retained / 1048576).toFixed(1)} MiB`);
    // Control: a write empties the cache at the next look, and the memory goes with it.
    await s.seed(SOURCE_A, [putEntry({ resourceType: 'Organization', id: 'small', meta: { source: SOURCE_A }, name: 'small again' })]);
    expect((await s.get('/fhir/Organization/small', s.tokens.chen)).status).toBe(200);
    const afterClear = heap() - baseline;
    console.log(`after a write and one read: ${(afterClear / 1048576).toFixed(1)} MiB`);
    expect(retained / 1048576, 'MiB retained by the directory cache (10,000 such entries would be ~10 GB)').toBeLessThan(15);
  });
});
