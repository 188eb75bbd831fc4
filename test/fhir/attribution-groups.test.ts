import { beforeEach, describe, expect, it } from 'vitest';
import { consentFor, scenario } from '../helpers/scenario.js';

type Scenario = Awaited<ReturnType<typeof scenario>>;
let s: Scenario;
let maria: string;
let olga: string;

beforeEach(async () => {
  s = await scenario();
  maria = s.personOf('pa-1');
  olga = s.personOf('pb-1');
  // A release whose attribution put both patients on Oakwood's 2025 roster.
  await s.oakwoodRoster();
});

// Members reference readable Patient records; map them back to people to compare.
const members = async (res: Response) => {
  const refs = ((await res.json()) as { member: { entity: { reference: string } }[] }).member.map((m) => m.entity.reference);
  return refs.map((ref) => `Patient/${s.personOf(ref.replace('Patient/', ''))}`).sort();
};

describe('attribution rosters as FHIR Groups', () => {
  it("the organization reads its roster, with each member's method and reason", async () => {
    const res = await s.get('/fhir/Group/attribution-clinic-oak-org-2025', s.tokens.chen);
    expect(res.status).toBe(200);
    const group = (await res.clone().json()) as {
      resourceType: string;
      managingEntity: { reference: string };
      member: { extension: { valueCode?: string }[] }[];
    };
    expect(group.resourceType).toBe('Group');
    expect(group.managingEntity.reference).toBe('Organization/clinic-oak-org');
    expect(await members(res)).toEqual([`Patient/${maria}`, `Patient/${olga}`].sort());
    expect(group.member.map((m) => m.extension[0]!.valueCode).sort()).toEqual(['designation', 'plurality']);
  });

  it('a payer sees only its own members; another payer and the research client see no roster at all', async () => {
    const payer = await s.get('/fhir/Group/attribution-clinic-oak-org-2025', s.tokens.payer);
    expect(payer.status).toBe(200);
    expect(await members(payer)).toEqual([`Patient/${maria}`]);
    expect((await s.get('/fhir/Group/attribution-clinic-oak-org-2025', s.tokens.otherPayer)).status).toBe(404);
    expect((await s.get('/fhir/Group/attribution-clinic-oak-org-2025', s.tokens.analytics)).status).toBe(404);
  });

  it("a patient's consent against the organization takes her off what it sees", async () => {
    const put = await s.consent(
      'no-oak',
      s.tokens.maria,
      consentFor('no-oak', { type: 'deny', actor: [{ role: { text: 'recipient' }, reference: { reference: 'Organization/clinic-oak-org' } }] }),
    );
    expect(put.status).toBeLessThan(300);
    expect(await members(await s.get('/fhir/Group/attribution-clinic-oak-org-2025', s.tokens.chen))).toEqual([`Patient/${olga}`]);
  });

  it('an unknown roster, year or malformed id is 404, and a token without Group scope is refused', async () => {
    expect((await s.get('/fhir/Group/attribution-clinic-oak-org-2019', s.tokens.chen)).status).toBe(404);
    expect((await s.get('/fhir/Group/attribution-nowhere-2025', s.tokens.chen)).status).toBe(404);
    expect((await s.get('/fhir/Group/attribution-clinic-oak-org-2025', null)).status).toBe(401);
    expect((await s.get('/fhir/Group/attribution-clinic-oak-org-2025', s.tokens.operator)).status).toBe(403);
  });
});
