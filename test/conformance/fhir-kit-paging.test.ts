import { Client } from 'fhir-kit-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../helpers/gateway.js';
import { personToken } from '../helpers/gateway-tokens.js';
import { fhirProblems } from '../helpers/validate.js';

type Bundle = {
  resourceType: string;
  type: string;
  total?: number;
  entry?: { resource: { resourceType: string; id: string } }[];
  link?: { relation: string; url: string }[];
};

const MARIA = 'clinic-oak-pat-000001';

/** fhir-kit-client, a FHIR client we did not write, paging through a search with `nextPage`; every page validated. */
describe('fhir-kit-client pages through a search', () => {
  let gw: Gateway;
  let client: Client;
  beforeAll(async () => {
    fhirProblems({ resourceType: 'Basic', code: { text: 'warm-up' } });
    gw = await startGateway({ patients: 30 });
    client = new Client({ baseUrl: gw.fhir, bearerToken: await personToken(gw, 'dr.chen') });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('follows next to the last page: every match exactly once, the total right, each page a valid searchset', async () => {
    const pages: Bundle[] = [
      (await client.search({ resourceType: 'Observation', searchParams: { patient: MARIA, _count: '4', _sort: 'date' } })) as unknown as Bundle,
    ];
    for (let i = 0; i < 100; i++) {
      const next = (await client.nextPage({ bundle: pages.at(-1)! as never })) as unknown as Bundle | false;
      if (!next) break;
      pages.push(next);
    }
    expect(pages.length).toBeGreaterThan(2);
    const ids = pages.flatMap((p) => (p.entry ?? []).map((e) => `${e.resource.resourceType}/${e.resource.id}`));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(pages[0]!.total);
    expect(pages.slice(0, -1).every((p) => p.entry?.length === 4)).toBe(true);
    expect(pages.at(-1)!.link?.some((l) => l.relation === 'next')).toBe(false);
    const invalid = Object.fromEntries(pages.map((p, i) => [`page ${i + 1}`, fhirProblems(p)] as const).filter(([, problems]) => problems.length > 0));
    expect(invalid).toEqual({});
  });
  // The gateway gives no `previous` link, so prevPage has nowhere to go: test/conformance/findings.pending.ts.
});
