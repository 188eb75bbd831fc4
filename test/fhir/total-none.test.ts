import { describe, expect, it } from 'vitest';
import { consentFor, scenario } from '../helpers/scenario.js';

type Page = { total?: number; link: { relation: string; url: string }[]; entry?: { resource: { id: string } }[] };

describe('_total=none', () => {
  it('pages without counting every match: no total, a next link while more remain, the same rows as with a total', async () => {
    const s = await scenario();
    const page = async (path: string) => (await (await s.get(path, s.tokens.chen)).json()) as Page;
    const counted = await page('/fhir/Observation?patient=pa-1&code=http://loinc.org|4548-4&_count=2');
    const first = await page('/fhir/Observation?patient=pa-1&code=http://loinc.org|4548-4&_count=2&_total=none');
    expect(counted.total).toBe(3);
    expect(first.total).toBeUndefined();
    expect(first.entry!.map((e) => e.resource.id)).toEqual(counted.entry!.map((e) => e.resource.id));
    const next = first.link.find((l) => l.relation === 'next')!.url;
    expect(next).toContain('_total=none');
    const second = await page(next.replace('http://gateway.test', ''));
    expect(second.entry).toHaveLength(1);
    expect(second.link.find((l) => l.relation === 'next')).toBeUndefined();
  });

  it('answers a requester who may see nothing exactly as a patient with nothing', async () => {
    const s = await scenario();
    const body = async (path: string, token: string) => {
      const text = await (await s.get(path, token)).text();
      return text.replace(/patient=[^&"]*/g, 'patient=X');
    };
    // She shuts Oakwood out; a Patient id that does not exist has nothing.
    const deny = consentFor('no-oak', { type: 'deny', actor: [{ role: { text: 'recipient' }, reference: { reference: 'Organization/clinic-oak-org' } }] });
    expect((await s.consent('no-oak', s.tokens.maria, deny)).status).toBe(201);
    const refused = await body('/fhir/Condition?patient=pa-1&_total=none', s.tokens.chen);
    const missing = await body('/fhir/Condition?patient=nobody&_total=none', s.tokens.chen);
    expect(refused).toBe(missing);
    expect(refused).not.toContain('"total"');
  });

  it('refuses a _total it does not know', async () => {
    const s = await scenario();
    const res = await s.get('/fhir/Observation?patient=pa-1&_total=some', s.tokens.chen);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { issue: { expression: string[] }[] }).issue[0]!.expression).toEqual(['_total']);
  });
});
