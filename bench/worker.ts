/**
 * npm run bench:worker [-- --patients 1000 --concurrency 200 --requests 4000 --revocations 20]
 *
 * The Worker locally under workerd (what `wrangler dev` runs, via miniflare): two workers, each its
 * own isolate, over one local D1 and one set of Durable Objects, as two Cloudflare locations
 * would be. In the same run, at the same concurrency, over real HTTP on loopback:
 *
 * - ours: audited, consent-checked reads of Patient/{id} spread over 1,000 patients, then all to
 *   one patient (every read asks her object for her consent version and appends to her chain);
 * - baseline: `/auth/me` on the same workers with the same tokens (the token checked, no
 *   database, no object, no audit): the floor the runtime and the harness set;
 * - revocation: a deny written through one worker, then the next read through the other, timed
 *   from the write's start to the refused read's end; it must be refused every time;
 * - then every chain and anchor verified, and every read counted in the trail;
 * - notification latency, commit to receipt: break-the-glass grants told to the patient's
 *   endpoint through the Worker's queue, against the Node deliverer (the same app on SQLite over
 *   loopback, polling its outbox) in the same run.
 *
 * Local figures only: one machine runs workerd's objects, D1 and the load generator, so they bound
 * the code's cost, not Cloudflare's capacity (docs/scaling.md).
 */
import { parseArgs } from 'node:util';
import { clinicianClaims, OPERATOR_CLAIMS, patientClaims, sourceClaims } from '../test/helpers/tokens.js';
import { startWorkers } from '../test/helpers/wrangler.js';
import { startNodeTarget } from '../test/helpers/node-target.js';
import { notificationLatency } from './notify-latency.js';

const { values } = parseArgs({
  options: {
    patients: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '200' },
    requests: { type: 'string', default: '4000' },
    revocations: { type: 'string', default: '20' },
    notifications: { type: 'string', default: '20' },
  },
});
const N = Number(values.patients);
const CONCURRENCY = Number(values.concurrency);
const REQUESTS = Number(values.requests);
const REVOCATIONS = Number(values.revocations);
const NOTIFICATIONS = Number(values.notifications);
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

// Development mode, for the notification measure only: its endpoint is on loopback, which production refuses.
const w = await startWorkers({ replica: true, vars: { AUDIT_REPORT_MS: '1000', ANCHOR_EVERY_MS: '2000', GATEWAY_ENV: 'development' } });
const bases = [w.primary, w.replica!];
try {
  const source = await w.issuer.mint(sourceClaims('urn:test:worker'));
  const operator = await w.issuer.mint(OPERATOR_CLAIMS);
  const patientToken = (id: string) => w.issuer.mint(patientClaims(id));
  const send = (base: string, path: string, token: string, init: { method?: string; body?: object } = {}) =>
    w.fetch(`${base}${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/fhir+json' } : {}) },
      ...(init.body ? { body: JSON.stringify(init.body) } : {}),
    });

  const ids = [...Array.from({ length: N }, (_, i) => `bw-${i}`), 'bw-hot', 'bw-revoke'];
  const t0 = performance.now();
  for (let i = 0; i < ids.length; i += 100) {
    const entry = ids.slice(i, i + 100).map((id) => ({
      resource: { resourceType: 'Patient', id, meta: { source: 'urn:test:worker' }, name: [{ family: `Bench${id}` }] },
      request: { method: 'PUT', url: `Patient/${id}` },
    }));
    const res = await send(w.primary, '/fhir', source, {
      method: 'POST',
      body: { resourceType: 'Bundle', type: 'transaction', meta: { source: 'urn:test:worker' }, entry },
    });
    if (res.status !== 200) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
  }
  for (const [type, id] of [
    ['Organization', 'clinic-oak-org'],
    ['Practitioner', 'dr-bench'],
  ] as const)
    await send(w.primary, `/fhir/${type}/${id}`, source, { method: 'PUT', body: { resourceType: type, id, meta: { source: 'urn:test:worker' } } });
  console.log(`seeded ${fmt(ids.length)} patients through two workers in ${fmt((performance.now() - t0) / 1000, 1)} s`);

  const tokens = await Promise.all(Array.from({ length: N }, (_, i) => patientToken(`bw-${i}`)));
  const hot = await patientToken('bw-hot');
  // Each isolate fetches the issuer's JWKS once; warmed first, as a deployment is.
  for (const base of bases) await send(base, '/auth/me', operator);

  /** `total` requests, `CONCURRENCY` in flight, alternating between the two workers. */
  const load = async (total: number, request: (i: number) => { path: string; token: string }) => {
    const latencies: number[] = [];
    const failures: string[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < total; i = next++) {
          const { path, token } = request(i);
          const t = performance.now();
          const res = await send(bases[i % 2]!, path, token);
          await res.arrayBuffer();
          latencies.push(performance.now() - t);
          if (res.status !== 200) failures.push(String(res.status));
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
    return { perSecond: total / seconds, p50: at(0.5), p99: at(0.99), failures };
  };

  const before = await verifyTrail(operator);
  const baseline = await load(REQUESTS, (i) => ({ path: '/auth/me', token: tokens[i % N]! }));
  const spread = await load(REQUESTS, (i) => ({ path: `/fhir/Patient/bw-${i % N}`, token: tokens[i % N]! }));
  const baselineHot = await load(REQUESTS, () => ({ path: '/auth/me', token: hot }));
  const one = await load(REQUESTS, () => ({ path: '/fhir/Patient/bw-hot', token: hot }));

  // Revocation across isolates: her clinic's agreement lets the clinician read; each round she
  // denies him through the primary, and the very next read through the replica must be refused.
  const clinician = await w.issuer.mint(clinicianClaims('dr.bench', 'dr-bench'));
  const her = await patientToken('bw-revoke');
  const consent = {
    resourceType: 'Consent',
    status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ text: 'privacy' }],
    patient: { reference: 'Patient/bw-revoke' },
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
    provision: { type: 'deny', actor: [{ role: { text: 'recipient' }, reference: { reference: 'Practitioner/dr-bench' } }] },
  };
  const readByClinician = async () => (await send(w.replica!, '/fhir/Patient/bw-revoke', clinician)).status;
  const effects: number[] = [];
  let missed = 0;
  for (let r = 0; r < REVOCATIONS; r++) {
    if ((await readByClinician()) !== 200 || (await readByClinician()) !== 200)
      throw new Error('the clinician could not read her record before the revocation');
    const t = performance.now();
    const written = await send(w.primary, '/fhir/Consent', her, { method: 'POST', body: consent });
    if (written.status !== 201) throw new Error(`consent write failed: ${written.status} ${await written.text()}`);
    const status = await readByClinician();
    effects.push(performance.now() - t);
    if (status !== 404) missed++;
    const { id } = (await written.json()) as { id: string };
    const undone = await send(w.primary, `/fhir/Consent/${id}`, her, { method: 'PUT', body: { ...consent, id, status: 'inactive' } });
    if (undone.status !== 200) throw new Error(`consent withdrawal failed: ${undone.status}`);
  }
  effects.sort((a, b) => a - b);

  const after = await verifyTrail(operator);
  // The check before, the two loads' reads (the /auth/me baselines audit nothing), and each
  // round's three reads, consent write and withdrawal.
  const expected = 1 + 2 * REQUESTS + 5 * REVOCATIONS;
  const counted = after.checked - before.checked;

  console.log(`\nWorker under workerd, 2 workers (isolates), ${CONCURRENCY} in flight, ${fmt(REQUESTS)} requests each`);
  const row = (name: string, r: Awaited<ReturnType<typeof load>>, base: Awaited<ReturnType<typeof load>>) =>
    console.log(
      `  ${name.padEnd(34)} ours ${fmt(r.perSecond).padStart(5)} /s (p50 ${fmt(r.p50)} ms, p99 ${fmt(r.p99)} ms)   baseline /auth/me ${fmt(base.perSecond).padStart(5)} /s (p50 ${fmt(base.p50)} ms)   ratio ${fmt(r.perSecond / base.perSecond, 2)}${r.failures.length ? `   FAILED ${r.failures.length}` : ''}`,
    );
  row(`reads across ${fmt(N)} patients`, spread, baseline);
  row('reads of one patient', one, baselineHot);
  console.log(
    `  revocation to effect across isolates: p50 ${fmt(effects[Math.floor(effects.length / 2)]!)} ms, max ${fmt(effects[effects.length - 1]!)} ms (write + next read); next read refused ${REVOCATIONS - missed}/${REVOCATIONS}`,
  );
  console.log(
    `  audit: ${fmt(counted)} events added, ${fmt(expected)} expected; ${fmt(after.chains)} chains; intact ${after.intact}; anchors checked ${after.anchors.checked}, problems ${after.anchors.problems.length}`,
  );
  // After the trail's count: the notifications add their own events.
  const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
  const viaQueue = await notificationLatency({ base: w.primary, other: w.replica!, mint: (c) => w.issuer.mint(c), fetch: w.fetch }, NOTIFICATIONS);
  const node = await startNodeTarget();
  let viaPoll: number[];
  try {
    viaPoll = await notificationLatency({ base: node.base, other: node.base, mint: (c) => node.issuer.mint(c), fetch: (u, i) => fetch(u, i) }, NOTIFICATIONS);
  } finally {
    await node.stop();
  }
  console.log(
    `  notification, grant to receipt (${NOTIFICATIONS} rounds): ours (Worker, queue) p50 ${fmt(pct(viaQueue, 0.5))} ms, max ${fmt(viaQueue.at(-1)!)} ms   baseline (Node deliverer) p50 ${fmt(pct(viaPoll, 0.5))} ms, max ${fmt(viaPoll.at(-1)!)} ms   ratio ${fmt(pct(viaQueue, 0.5) / pct(viaPoll, 0.5), 1)}`,
  );
  const met = missed === 0 && counted === expected && after.intact && spread.failures.length + one.failures.length === 0;
  console.log(`  targets (no audit gap or chain break; revocation effective on the next request): ${met ? 'met' : 'MISSED'}`);
  if (!met) process.exitCode = 1;
} finally {
  await w.stop();
}

async function verifyTrail(token: string) {
  const res = await w.fetch(`${w.primary}/admin/audit/verify`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`verify failed: ${res.status}`);
  return (await res.json()) as { intact: boolean; checked: number; chains: number; anchors: { checked: number; problems: unknown[] } };
}
