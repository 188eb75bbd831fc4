/**
 * The red team's malformed requests to the report APIs: each a 4xx OperationOutcome naming what
 * is wrong, never a 500, and nothing stored.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { careGapsQuery, gapsWorld, OAK, type GapsWorld } from './world.js';

let w: GapsWorld;
let writer: string;
beforeEach(async () => {
  w = await gapsWorld();
  writer = await w.issuer.mint({
    sub: 'dr.chen',
    client_id: 'portal',
    role: 'clinician',
    fhirUser: 'Practitioner/clinic-oak-prac-chen',
    organization: OAK,
    scope: 'user/*.rs user/Task.c',
    purpose_of_use: ['TREAT'],
  });
});

const stored = () => w.db.sqlite.prepare('select (select count(*) from reports) + (select count(*) from attribution_disputes)').pluck().get();
async function refused(res: Response, status: number, expression?: string) {
  expect(res.status).toBe(status);
  const body = (await res.json()) as { resourceType: string; issue: { expression?: string[] }[] };
  expect(body.resourceType).toBe('OperationOutcome');
  if (expression) expect(body.issue[0]!.expression?.[0]).toContain(expression);
}

describe('malformed report requests', () => {
  it('a period beyond the calendar the measures can count in, and days that do not exist', async () => {
    const before = stored();
    await refused(await w.get(careGapsQuery({ status: 'open-gap', organization: OAK, periodEnd: '9999-12-31' }), w.tokens.chen), 400, 'periodEnd');
    await refused(await w.get(careGapsQuery({ status: 'open-gap', organization: OAK, periodEnd: '2025-02-30' }), w.tokens.chen), 400, 'periodEnd');
    await refused(await w.get(`/fhir/Organization/clinic-oak-org/$reports?date=2025-02-30`, w.tokens.chen), 400, 'date');
    expect(stored()).toBe(before);
  });

  it('a Parameters body with a parameter that is not an object', async () => {
    await refused(await w.send('POST', '/fhir/Measure/$care-gaps', w.tokens.chen, { resourceType: 'Parameters', parameter: [null] }), 400, 'parameter[0]');
  });

  it('a dispute Task whose codings are not lists', async () => {
    const before = stored();
    const task = (extra: object) => ({
      resourceType: 'Task',
      status: 'requested',
      intent: 'order',
      focus: { reference: `Group/${w.roster.groupId}/_history/1` },
      ...extra,
    });
    await refused(await w.send('POST', '/fhir/Task', writer, task({ code: { coding: 'x' } })), 400, 'Task.code');
    await refused(
      await w.send(
        'POST',
        '/fhir/Task',
        writer,
        task({
          code: { coding: [{ system: 'urn:consent-gateway:task', code: 'attribution-dispute' }] },
          for: { reference: 'Patient/pay-bea' },
          input: [{ type: { coding: 'x' } }],
        }),
      ),
      400,
      'Task.input',
    );
    expect(stored()).toBe(before);
  });
});
