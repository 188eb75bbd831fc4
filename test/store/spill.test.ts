import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Blobs } from '../../src/store/blobs.js';
import { INLINE_MAX_BYTES, isSpilled, LEAF_MAX_CHARS, rowContent, standIn, tooStructured, wholeContent } from '../../src/store/spill.js';

/** The blob store as a Map: R2 itself is exercised on the Worker (test/worker/large-records.test.ts). */
function memoryBlobs(): Blobs & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, put: async (k, t) => void map.set(k, t), get: async (k) => map.get(k) };
}

/** Every string leaf reachable by a path, as `path → value`. */
function leaves(node: unknown, at = '$', out = new Map<string, unknown>()): Map<string, unknown> {
  if (Array.isArray(node)) node.forEach((v, i) => leaves(v, `${at}[${i}]`, out));
  else if (node !== null && typeof node === 'object') for (const [k, v] of Object.entries(node)) leaves(v, `${at}.${k}`, out);
  else out.set(at, node);
  return out;
}

const shortValue = fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.boolean(), fc.constant(null));
// A resource with short values (codes, dates, references) and a few long texts that push it over the row's limit.
const large = fc
  .record({
    short: fc.dictionary(
      fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !k.startsWith('$')),
      shortValue,
      { maxKeys: 8 },
    ),
    coding: fc.array(fc.record({ system: fc.webUrl(), code: fc.string({ maxLength: 12 }) }), { maxLength: 4 }),
    long: fc.array(fc.integer({ min: 400_000, max: 700_000 }), { minLength: 3, maxLength: 4 }),
    char: fc.constantFrom('a', 'é', '字', '😀'),
  })
  .map(({ short, coding, long, char }) => ({
    resourceType: 'Observation',
    id: 'o1',
    ...short,
    code: { coding },
    note: long.map((n) => ({ text: char.repeat(Math.ceil(n / char.length)) })),
  }));

describe('bodies too large for a row', () => {
  it('keeps content within the limit in the row, byte for byte', async () => {
    const blobs = memoryBlobs();
    const content = JSON.stringify({ resourceType: 'Patient', id: 'p', text: 'é'.repeat(INLINE_MAX_BYTES / 2 - 100) });
    expect(await rowContent(blobs, 'Patient', 'p', content)).toBe(content);
    expect(blobs.map.size).toBe(0);
  });

  it('gives back exactly what was stored, and a stand-in under the limit with every short value where SQL reads it', async () => {
    await fc.assert(
      fc.asyncProperty(large, async (resource) => {
        const blobs = memoryBlobs();
        const content = JSON.stringify(resource);
        const row = await rowContent(blobs, 'Observation', 'o1', content);
        expect(isSpilled(row)).toBe(true);
        expect(new TextEncoder().encode(row).length).toBeLessThan(INLINE_MAX_BYTES);
        expect(await wholeContent(blobs, 'Observation', 'o1', row)).toBe(content);
        const kept = leaves(JSON.parse(row));
        for (const [path, value] of leaves(resource)) expect(kept.get(path)).toBe(typeof value === 'string' && value.length > LEAF_MAX_CHARS ? '' : value);
      }),
      { numRuns: 25 },
    );
  });

  it('never serves a body under another resource id, nor one altered in the store', async () => {
    const blobs = memoryBlobs();
    const content = JSON.stringify({ resourceType: 'Observation', id: 'mine', note: [{ text: 'x'.repeat(1_200_000) }] });
    const row = await rowContent(blobs, 'Observation', 'mine', content);
    await expect(wholeContent(blobs, 'Observation', 'theirs', row)).rejects.toThrow(/missing or does not match/);
    const [key] = blobs.map.keys();
    blobs.map.set(key!, content.replace('xxxx', 'yyyy'));
    await expect(wholeContent(blobs, 'Observation', 'mine', row)).rejects.toThrow(/missing or does not match/);
    blobs.map.clear();
    await expect(wholeContent(blobs, 'Observation', 'mine', row)).rejects.toThrow(/missing or does not match/);
  });

  it('refuses only what is over the limit even with its long text held apart', () => {
    expect(tooStructured({ resourceType: 'Observation', note: [{ text: 'x'.repeat(3_000_000) }] })).toBe(false);
    const component = Array.from({ length: 60_000 }, (_, i) => ({ code: { text: `c${i}` } }));
    expect(tooStructured({ resourceType: 'Observation', component })).toBe(true);
    expect(tooStructured({ resourceType: 'Observation', component: component.slice(0, 1000) })).toBe(false);
    // Whatever is not refused fits, stand-in and all.
    const near = { resourceType: 'Observation', component: component.slice(0, 30_000), note: [{ text: 'x'.repeat(900_000) }] };
    const content = JSON.stringify(near);
    if (!tooStructured(near)) expect(standIn(content, 'resources/Observation/o/abc')!.length).toBeLessThan(INLINE_MAX_BYTES);
  });
});
