import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOURCE, startRig, type Rig } from './helpers.js';

/**
 * Guarantee 3, attacked by racing consent writes against a stream of reads through the other
 * isolate: once her write's response is back, no request that starts after it may be served
 * under the old permission (reads, searches across patients, $everything-like paths).
 */
describe('red team 5: consent writes raced against reads across isolates', () => {
  let r: Rig;
  let clinician: string;
  const denyFor = (pid: string) => ({
    resourceType: 'Consent',
    status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ text: 'privacy' }],
    patient: { reference: `Patient/${pid}` },
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
    provision: { type: 'deny', actor: [{ role: { text: 'recipient' }, reference: { reference: 'Practitioner/dr-w' } }] },
  });

  beforeAll(async () => {
    r = await startRig({ AUDIT_REPORT_MS: '200', ANCHOR_EVERY_MS: '1000' });
    await r.seedPatients(['cr-1', 'cr-2', 'cr-3', 'cr-4']);
    for (const [type, id] of [
      ['Organization', 'clinic-oak-org'],
      ['Practitioner', 'dr-w'],
    ] as const)
      expect(
        (await r.send(r.w.primary, `/fhir/${type}/${id}`, r.source, { method: 'PUT', body: { resourceType: type, id, meta: { source: SOURCE } } })).status,
      ).toBeLessThan(300);
    for (const id of ['cr-1', 'cr-2', 'cr-3', 'cr-4'])
      expect(
        (
          await r.send(r.w.primary, `/fhir/Observation/obs-${id}`, r.source, {
            method: 'PUT',
            body: {
              resourceType: 'Observation',
              id: `obs-${id}`,
              meta: { source: SOURCE },
              status: 'final',
              code: { text: 'hr' },
              subject: { reference: `Patient/${id}` },
            },
          })
        ).status,
      ).toBeLessThan(300);
    clinician = await r.clinicianToken();
  }, 240_000);

  afterAll(async () => {
    await r?.w.stop();
  });

  it('C1: 6 rounds of deny / withdraw through alternating isolates under a continuous stream of reads: nothing stale starts after a write returns', async () => {
    const patient = await r.patientToken('cr-1');
    type Hit = { start: number; end: number; status: number; path: string };
    const hits: Hit[] = [];
    let running = true;
    const paths = ['/fhir/Patient/cr-1', '/fhir/Observation/obs-cr-1', '/fhir/Observation?patient=cr-1', '/fhir/Patient?_id=cr-1,cr-2'];
    const hammer = async (base: string, k: number) => {
      for (let i = 0; running; i++) {
        const path = paths[(i + k) % paths.length]!;
        const start = performance.now();
        const res = await r.send(base, path, clinician);
        const text = await res.text();
        let status = res.status;
        // A search "sees" her when her resource is in the bundle.
        if (path.includes('?')) status = text.includes('"cr-1"') || text.includes('obs-cr-1') ? 200 : 404;
        hits.push({ start, end: performance.now(), status, path: `${base === r.w.primary ? 'P' : 'R'} ${path}` });
      }
    };
    const hammers = [0, 1, 2, 3].map((k) => hammer(k % 2 ? r.w.replica! : r.w.primary, k));
    // Warm the caches on both isolates.
    await new Promise((res) => setTimeout(res, 500));
    const windows: { from: number; to: number; expect: number }[] = [];
    let consentId: string | undefined;
    const problems: string[] = [];
    for (let round = 0; round < 6; round++) {
      const via = round % 2 ? r.w.replica! : r.w.primary;
      const other = round % 2 ? r.w.primary : r.w.replica!;
      const body = consentId ? { ...denyFor('cr-1'), id: consentId } : denyFor('cr-1');
      const res = await r.send(via, consentId ? `/fhir/Consent/${consentId}` : '/fhir/Consent', patient, { method: consentId ? 'PUT' : 'POST', body });
      expect(res.status, await res.clone().text()).toBeLessThan(300);
      consentId ??= ((await res.json()) as { id: string }).id;
      const denyAt = performance.now();
      for (const p of paths.slice(0, 2)) {
        const s = (await r.send(other, p, clinician)).status;
        if (s !== 404) problems.push(`round ${round}: right after the deny, ${p} through the other isolate answered ${s}`);
      }
      await new Promise((res) => setTimeout(res, 300));
      // Withdraw it: status inactive.
      const w = await r.send(other, `/fhir/Consent/${consentId}`, patient, { method: 'PUT', body: { ...denyFor('cr-1'), id: consentId, status: 'inactive' } });
      expect(w.status).toBe(200);
      windows.push({ from: denyAt, to: performance.now() - 0, expect: 404 });
      await new Promise((res) => setTimeout(res, 300));
    }
    running = false;
    await Promise.all(hammers);
    // Every read that started inside a deny window (after the deny returned, before the withdraw was sent) must have been refused.
    for (const h of hits)
      for (const win of windows)
        if (h.start > win.from && h.end < win.to - 300 && h.status !== 404)
          problems.push(`stale: ${h.path} started ${Math.round(h.start - win.from)} ms after the deny returned -> ${h.status}`);
    expect(problems).toEqual([]);
  }, 120_000);

  it('C2: $everything and a compartment search through the other isolate drop her at once after her deny (her view cached there first)', async () => {
    const patient = await r.patientToken('cr-2');
    const seen = async (base: string) => {
      const e = await (await r.send(base, '/fhir/Patient/cr-2/$everything', clinician)).text();
      const o = await (await r.send(base, '/fhir/Observation?patient=Patient/cr-2', clinician)).text();
      return [e.includes('obs-cr-2'), o.includes('obs-cr-2')];
    };
    for (let i = 0; i < 3; i++) expect(await seen(r.w.replica!)).toEqual([true, true]);
    const res = await r.send(r.w.primary, '/fhir/Consent', patient, { body: denyFor('cr-2') });
    expect(res.status).toBe(201);
    expect(await seen(r.w.replica!)).toEqual([false, false]);
  }, 60_000);

  it('C3: a deny raced by 50 concurrent reads through the other isolate started only after it returned: all refused', async () => {
    const patient = await r.patientToken('cr-3');
    // Warm her view on the replica.
    for (let i = 0; i < 3; i++) expect((await r.send(r.w.replica!, '/fhir/Patient/cr-3', clinician)).status).toBe(200);
    const inFlight = Array.from({ length: 50 }, () => r.send(r.w.replica!, '/fhir/Patient/cr-3', clinician).then((x) => x.status));
    const res = await r.send(r.w.primary, '/fhir/Consent', patient, { body: denyFor('cr-3') });
    expect(res.status).toBe(201);
    await Promise.all(inFlight); // these raced the write: any answer is fair
    const after = await Promise.all(
      Array.from({ length: 50 }, (_, i) => r.send(i % 2 ? r.w.replica! : r.w.primary, '/fhir/Patient/cr-3', clinician).then((x) => x.status)),
    );
    expect(after.filter((s) => s !== 404)).toEqual([]);
  }, 60_000);

  it('C4: a paper deny recorded by an operator through one isolate is enforced by the next read through the other', async () => {
    for (let i = 0; i < 2; i++) expect((await r.send(r.w.primary, '/fhir/Patient/cr-4', clinician)).status).toBe(200);
    const res = await r.send(r.w.replica!, '/fhir/Consent', r.operator, { body: denyFor('cr-4') });
    expect(res.status, await res.clone().text()).toBe(201);
    expect((await r.send(r.w.primary, '/fhir/Patient/cr-4', clinician)).status).toBe(404);
  }, 60_000);
});
