import { describe, expect, it } from 'vitest';
import { observation, putEntry, SOURCE_A } from '../helpers/fhir.js';
import { scenario } from '../helpers/scenario.js';
import { sourceClaims } from '../helpers/tokens.js';

type Event = {
  subtype: { code: string }[];
  action: string;
  agent: { type: { text?: string }; who: { identifier?: { value: string } } }[];
  entity: { what: { reference?: string; identifier?: { value: string } }; detail?: { type: string; valueString: string }[] }[];
};
const writesIn = (events: Event[]) =>
  events.filter((e) => ['create', 'update'].includes(e.subtype[0]!.code) && e.agent[0]!.who.identifier?.value === 'hospital-a');
const detail = (e: Event) => Object.fromEntries(e.entity.at(-1)!.detail!.map((d) => [d.type, d.valueString]));

describe('source writes in the accounting of disclosures', () => {
  it('shows the patient one AuditEvent per ingestion that touched her record: the source, the client, the interaction and the count', async () => {
    const { db, get, send, issuer, tokens, personOf } = await scenario();
    const source = await issuer.mint(sourceClaims(SOURCE_A));
    const auditCount = () => db.sqlite.prepare('select count(*) from audit_events').pluck().get() as number;
    const entries = Array.from({ length: 300 }, (_, i) => putEntry(observation(`new-${i}`, 'pa-1')));
    const before = auditCount();
    expect((await send('POST', '/fhir', source, { resourceType: 'Bundle', type: 'transaction', entry: entries })).status).toBe(200);
    // One event for the one person touched, not one per resource.
    expect(auditCount() - before).toBe(1);
    expect((await send('PUT', '/fhir/Observation/new-0', source, observation('new-0', 'pa-1', { status: 'amended' }))).status).toBe(200);

    const page = (await (await get(`/fhir/AuditEvent?patient=Patient/pa-1&_count=50`, tokens.maria)).json()) as { entry: { resource: Event }[] };
    const writes = writesIn(page.entry.map((e) => e.resource));
    expect(writes.map((e) => [e.subtype[0]!.code, e.action, detail(e)])).toEqual([
      ['update', 'U', { source: SOURCE_A, created: '0', updated: '1' }],
      ['create', 'C', { source: SOURCE_A, created: '300', updated: '0' }],
    ]);
    expect(writes[0]!.entity[0]!.what.reference).toBe(`Patient/${personOf('pa-1')}`);
  });
});
