/** $care-gaps with Prefer: respond-async over real HTTP: kick-off, poll, download NDJSON, cancel (issue 16 item 4). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { onLoopback } from '../http/loopback.js';
import { consentFor } from '../helpers/scenario.js';
import { ALL_STATUSES, careGapsQuery, gapsWorld, OAK, type GapsWorld } from './world.js';
import { auditTexts } from '../helpers/audit.js';

let w: GapsWorld;
let server: Awaited<ReturnType<typeof onLoopback>>;
beforeEach(async () => {
  w = await gapsWorld();
  server = await onLoopback(w.deps);
});
afterEach(() => server.close());

const call = (path: string, token: string, init: RequestInit = {}) =>
  fetch(path.startsWith('http') ? path : `${server.base}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as object) } });
const kickOff = (token: string) =>
  call(careGapsQuery({ status: ALL_STATUSES, subject: `Group/${w.roster.groupId}` }), token, {
    headers: { prefer: 'respond-async', accept: 'application/fhir+json' },
  });

async function manifestOf(token: string, kick: Response) {
  expect(kick.status).toBe(202);
  const statusUrl = kick.headers.get('content-location')!;
  expect(statusUrl.startsWith(`${server.base}/fhir/`)).toBe(true);
  let status = await call(statusUrl, token);
  for (let i = 0; i < 200 && status.status === 202; i++) {
    expect(status.headers.get('x-progress')).toBeTruthy();
    await new Promise((r) => setTimeout(r, 20));
    status = await call(statusUrl, token);
  }
  expect(status.status).toBe(200);
  return { statusUrl, manifest: (await status.json()) as { output: { type: string; url: string; count: number }[]; request: string } };
}

async function lines(token: string, url: string) {
  const res = await call(url, token, { headers: { accept: 'application/fhir+ndjson' } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+ndjson/);
  return (await res.text())
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as any);
}
const subjectName = (doc: any) => {
  const ref = doc.entry[0].resource.subject.reference;
  return doc.entry.find((e: any) => `${e.resource.resourceType}/${e.resource.id}` === ref)?.resource.name[0].given[0];
};

describe('async $care-gaps', () => {
  it('kick-off, poll, download: one valid gaps document per line, each for a roster member, and only its owner may poll', async () => {
    const { statusUrl, manifest } = await manifestOf(w.tokens.chen, await kickOff(w.tokens.chen));
    // Nothing has left yet, so nothing about Bea is in her accounting until the file is read.
    const bea = w.personOf('pay-bea');
    const beaAudits = () => auditTexts(w.db.sqlite, { person: bea }).filter((c) => c.includes('care-gaps')).length;
    expect(beaAudits()).toBe(0);
    expect(manifest.output).toHaveLength(1);
    expect(manifest.output[0]).toMatchObject({ type: 'Bundle' });
    // Someone else's status and file: as if there were none.
    expect((await call(statusUrl, w.tokens.riverside)).status).toBe(404);
    expect((await call(manifest.output[0]!.url, w.tokens.payer)).status).toBe(404);
    const docs = await lines(w.tokens.chen, manifest.output[0]!.url);
    expect(docs.length).toBe(manifest.output[0]!.count);
    expect(beaAudits()).toBe(1);
    // Each line is about a member of the roster, and every member Oakwood may see has hers.
    const names = docs.map(subjectName);
    expect(names.every((n) => ['Ana', 'Bea', 'Carl', 'Hana', 'Maria'].includes(n))).toBe(true);
    expect(names).toEqual(expect.arrayContaining(['Ana', 'Bea', 'Carl']));
    for (const doc of docs) {
      expect(doc).toMatchObject({ resourceType: 'Bundle', type: 'document' });
      expect(doc.entry[0].resource).toMatchObject({ resourceType: 'Composition', author: [{ reference: 'Organization/org-hie' }] });
      expect(doc.entry[0].resource.extension[0].valueReference.reference).toBe(`Group/${w.roster.groupId}/_history/1`);
      // The line is the stored document, readable again by its id.
      const again = await call(`/fhir/Bundle/${doc.id}`, w.tokens.chen);
      expect(again.status).toBe(200);
      expect(await again.json()).toEqual(doc);
    }
    expect(w.db.sqlite.prepare('select organization from reports').pluck().all()).toEqual([OAK]);
  });

  it('each member is decided again at download: one who withdraws consent after the run is left out', async () => {
    const { manifest } = await manifestOf(w.tokens.chen, await kickOff(w.tokens.chen));
    const res = await w.consent(
      'no-oak',
      w.tokens.maria,
      consentFor('no-oak', { type: 'deny', actor: [{ role: { text: 'recipient' }, reference: { reference: OAK } }] }),
    );
    expect(res.status).toBe(201);
    const docs = await lines(w.tokens.chen, manifest.output[0]!.url);
    expect(docs.length).toBe(manifest.output[0]!.count - 1);
    expect(JSON.stringify(docs)).not.toContain('pa-1');
  });

  it("another organization's Group is refused at kick-off exactly as a nonexistent one, and no job is made", async () => {
    const none = 'roster-2025-12-000000000000';
    const ask = (token: string, group: string) =>
      call(careGapsQuery({ status: ALL_STATUSES, subject: `Group/${group}` }), token, {
        headers: { prefer: 'respond-async', accept: 'application/fhir+json' },
      });
    const hidden = await ask(w.tokens.riverside, w.roster.groupId);
    const missing = await ask(w.tokens.riverside, none);
    expect(hidden.status).toBe(404);
    expect((await hidden.text()).replace(w.roster.groupId, 'X')).toBe((await missing.text()).replace(none, 'X'));
    expect(w.db.sqlite.prepare('select count(*) from export_jobs').pluck().get()).toBe(0);
  });

  it('a Patient the requester may not see is refused at kick-off exactly as a nonexistent one (no 202 then 404 to tell them apart)', async () => {
    const ask = (patient: string) =>
      call(careGapsQuery({ status: ALL_STATUSES, subject: `Patient/${patient}` }), w.tokens.otherPayer, {
        headers: { prefer: 'respond-async', accept: 'application/fhir+json' },
      });
    const hidden = await ask('pay-bea');
    const missing = await ask('pay-nobody');
    expect(hidden.status).toBe(404);
    expect((await hidden.text()).replace('pay-bea', 'X')).toBe((await missing.text()).replace('pay-nobody', 'X'));
    expect(w.db.sqlite.prepare('select count(*) from export_jobs').pluck().get()).toBe(0);
  });

  it('DELETE cancels: the status and the file are gone', async () => {
    const { statusUrl, manifest } = await manifestOf(w.tokens.chen, await kickOff(w.tokens.chen));
    expect((await call(statusUrl, w.tokens.riverside, { method: 'DELETE' })).status).toBe(404);
    expect((await call(statusUrl, w.tokens.chen, { method: 'DELETE' })).status).toBe(202);
    expect((await call(statusUrl, w.tokens.chen)).status).toBe(404);
    expect((await call(manifest.output[0]!.url, w.tokens.chen)).status).toBe(404);
  });
});
