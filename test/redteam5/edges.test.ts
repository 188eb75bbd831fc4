import { importJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ISSUER } from '../helpers/tokens.js';
import { SOURCE, startRig, type Rig } from './helpers.js';

/** Guarantees 1, 4, 5, 6 and 7 (the Worker side) attacked over HTTP through both isolates. */
describe('red team 5: the Worker over HTTP', () => {
  let r: Rig;
  let clinician: string;
  let stranger: string; // a clinician whose organization has no agreement
  const total = async (id: string, base = r.w.replica!) => {
    const res = await r.send(base, `/fhir/AuditEvent?patient=Patient/${id}&_count=1`, await r.patientToken(id));
    expect(res.status).toBe(200);
    return ((await res.json()) as { total: number }).total;
  };
  const deny = (pid: string) => ({
    resourceType: 'Consent',
    status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ text: 'privacy' }],
    patient: { reference: `Patient/${pid}` },
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
    provision: { type: 'deny', actor: [{ role: { text: 'recipient' }, reference: { reference: 'Practitioner/dr-w' } }] },
  });

  beforeAll(async () => {
    r = await startRig();
    await r.seedPatients(['ed-1', 'ed-2', 'ed-3', 'ed-4', 'ed-5']);
    for (const [type, id] of [
      ['Organization', 'clinic-oak-org'],
      ['Organization', 'nowhere-org'],
      ['Practitioner', 'dr-w'],
      ['Practitioner', 'dr-x'],
    ] as const)
      expect(
        (await r.send(r.w.primary, `/fhir/${type}/${id}`, r.source, { method: 'PUT', body: { resourceType: type, id, meta: { source: SOURCE } } })).status,
      ).toBeLessThan(300);
    for (const id of ['ed-1', 'ed-2', 'ed-3'])
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
      });
    clinician = await r.clinicianToken();
    stranger = await r.clinicianToken({ sub: 'dr.x', fhirUser: 'Practitioner/dr-x', organization: 'Organization/nowhere-org' });
  }, 240_000);

  afterAll(async () => {
    await r?.w.stop();
  });

  // ---- Guarantee 6 ----
  it('G6a: /admin/audit and /admin/audit/verify refuse everyone but an operator person token', async () => {
    const mint = r.w.issuer.mint;
    const tokens: Record<string, string | undefined> = {
      anonymous: undefined,
      patient: await r.patientToken('ed-1'),
      clinician,
      source: r.source,
      'source claiming role operator': await mint({
        sub: 'hospital-a',
        client_id: 'hospital-a',
        client_kind: 'source',
        source: SOURCE,
        role: 'operator',
        scope: 'system/*.cu',
        purpose_of_use: ['HOPERAT'],
      }),
      'role Operator (case)': await mint({ sub: 'x', client_id: 'console', role: 'Operator', scope: 'openid', purpose_of_use: ['HOPERAT'] }),
      'role array': await mint({ sub: 'x', client_id: 'console', role: ['operator'], scope: 'openid', purpose_of_use: ['HOPERAT'] }),
      caregiver: await mint({
        sub: 'cg',
        client_id: 'portal',
        role: 'caregiver',
        fhirUser: 'RelatedPerson/rp',
        patient: 'ed-1',
        scope: 'patient/*.rs',
        purpose_of_use: ['PATRQT'],
      }),
    };
    const seen: Record<string, number[]> = {};
    for (const [who, t] of Object.entries(tokens))
      for (const base of [r.w.primary, r.w.replica!]) {
        const a = await r.send(base, '/admin/audit', t);
        const b = await r.send(base, '/admin/audit/verify', t, { method: 'POST' });
        const c = await r.send(base, '/admin/audit/', t);
        const d = await r.send(base, '/admin/audit/verify/', t, { method: 'POST' });
        const e = await r.send(base, '/admin//audit/verify', t, { method: 'POST' });
        const f = await r.send(base, '/ADMIN/audit/verify', t, { method: 'POST' });
        seen[who] = [a.status, b.status, c.status, d.status, e.status, f.status];
        for (const x of [a, b, c, d, e, f]) expect([401, 403, 404], `${who} ${x.url} ${x.status}`).toContain(x.status);
      }
    expect((await r.send(r.w.replica!, '/admin/audit/verify', r.operator, { method: 'POST' })).status).toBe(200);
  }, 60_000);

  it('G6b: a patient cannot read another patient’s accounting by any spelling, and her own shows every access to her and nothing about anyone else', async () => {
    const a = await r.patientToken('ed-1');
    // Someone looks at ed-2, so she has events.
    for (let i = 0; i < 3; i++) await r.send(r.w.primary, '/fhir/Patient/ed-2', clinician);
    const hers = (await (await r.send(r.w.primary, '/fhir/AuditEvent?patient=Patient/ed-2&_count=50', await r.patientToken('ed-2'))).json()) as {
      entry: { resource: { id: string } }[];
    };
    const herIds = hers.entry.map((e) => e.resource.id);
    expect(herIds.length).toBeGreaterThan(2);
    const spellings = [
      'patient=Patient/ed-2',
      'patient=ed-2',
      'patient=Patient/ed-1&patient=Patient/ed-2',
      'patient=Patient/ed-2&patient=Patient/ed-1',
      'patient=Patient/ed-1,Patient/ed-2',
      'patient=Patient/ed-2/_history/1',
      'patient=http://gateway.test/fhir/Patient/ed-2',
      'subject=Patient/ed-2',
      'entity=Patient/ed-2',
      'agent=Practitioner/dr-w',
      '',
      'patient:missing=true',
      'patient=Patient/ed-1&_id=' + herIds[0],
    ];
    const leaks: string[] = [];
    for (const q of spellings)
      for (const base of [r.w.primary, r.w.replica!]) {
        const res = await r.send(base, `/fhir/AuditEvent?${q}`, a);
        const text = await res.text();
        if (res.status >= 500) leaks.push(`${q}: ${res.status}`);
        for (const id of herIds) if (text.includes(id)) leaks.push(`${q}: shows ${id}`);
        if (/"Patient\/ed-2"/.test(text)) leaks.push(`${q}: names Patient/ed-2`);
      }
    for (const id of herIds) {
      const res = await r.send(r.w.replica!, `/fhir/AuditEvent/${id}`, a);
      if (res.status !== 404) leaks.push(`AuditEvent/${id}: ${res.status}`);
    }
    // A clinician and a source cannot read her accounting either.
    for (const t of [clinician, r.source]) {
      const text = await (await r.send(r.w.primary, '/fhir/AuditEvent?patient=Patient/ed-2', t)).text();
      for (const id of herIds) if (text.includes(id)) leaks.push(`other reader sees ${id}`);
    }
    expect(leaks).toEqual([]);
    // Her own accounting: every entry names her, none names ed-2.
    const mine = (await (await r.send(r.w.primary, '/fhir/AuditEvent?patient=Patient/ed-1&_count=100', a)).json()) as { entry?: { resource: unknown }[] };
    for (const e of mine.entry ?? []) expect(JSON.stringify(e.resource)).not.toContain('Patient/ed-2');
  }, 60_000);

  // ---- Guarantee 1 ----
  it('G1a: every read, permitted or refused, is in her trail before its response leaves: read through one isolate, counted through the other, 20 rounds', async () => {
    const deltas: number[] = [];
    let prev = await total('ed-3');
    for (let i = 0; i < 20; i++) {
      const [who, path] = [
        [clinician, '/fhir/Patient/ed-3'],
        [stranger, '/fhir/Patient/ed-3'],
        [clinician, '/fhir/Observation?patient=ed-3'],
        [stranger, '/fhir/Patient/ed-3/$everything'],
        [clinician, '/fhir/Observation/obs-ed-3'],
      ][i % 5]!;
      const res = await r.send(i % 2 ? r.w.primary : r.w.replica!, path!, who!);
      expect(res.status).toBeLessThan(500);
      const now = await total('ed-3', i % 2 ? r.w.replica! : r.w.primary);
      deltas.push(now - prev); // the access, and her previous accounting search
      prev = now;
    }
    expect(deltas).toEqual(Array(20).fill(2));
  }, 60_000);

  it('G1b: 400 concurrent mixed accesses to one patient (reads, refusals, searches, a consent write) through both isolates: each exactly once, none doubled', async () => {
    const before = await total('ed-4');
    const patient = await r.patientToken('ed-4');
    const jobs: Promise<number>[] = [];
    for (let i = 0; i < 400; i++) {
      const base = i % 2 ? r.w.primary : r.w.replica!;
      const [who, path] = [
        [clinician, '/fhir/Patient/ed-4'],
        [stranger, '/fhir/Patient/ed-4'],
        [patient, '/fhir/Patient/ed-4'],
        [clinician, '/fhir/Encounter?patient=ed-4'],
      ][i % 4]!;
      jobs.push(r.send(base, path!, who!).then((x) => x.status));
    }
    jobs.push(r.send(r.w.primary, '/fhir/Consent', patient, { body: deny('ed-4') }).then((x) => x.status));
    const statuses = await Promise.all(jobs);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    const after = await total('ed-4');
    expect(after - before).toBe(401 + 1); // the accesses and the write, and her count before
    // Ids are unique across her whole accounting.
    const ids: string[] = [];
    let url: string | undefined = `/fhir/AuditEvent?patient=Patient/ed-4&_count=100`;
    while (url) {
      const page = (await (await r.send(r.w.primary, url, patient)).json()) as {
        entry?: { resource: { id: string } }[];
        link?: { relation: string; url: string }[];
      };
      ids.push(...(page.entry ?? []).map((e) => e.resource.id));
      const next = page.link?.find((l) => l.relation === 'next')?.url;
      url = next ? next.replace(/^https?:\/\/[^/]+/, '') : undefined;
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(after + 1); // this walk's snapshot includes the count above
  }, 120_000);

  // ---- Guarantee 4 ----
  it('G4: what a stranger may not see is answered exactly as what does not exist', async () => {
    const norm = (t: string, id: string) => t.split(id).join('<ID>');
    const pairs: [string, string, string][] = [
      ['/fhir/Patient/ed-1', '/fhir/Patient/zz-9', ''],
      ['/fhir/Patient/ed-1/_history/1', '/fhir/Patient/zz-9/_history/1', ''],
      ['/fhir/Patient/ed-1/_history', '/fhir/Patient/zz-9/_history', ''],
      ['/fhir/Observation/obs-ed-1', '/fhir/Observation/obs-zz-9', ''],
      ['/fhir/Patient/ed-1/$everything', '/fhir/Patient/zz-9/$everything', ''],
      ['/fhir/Observation?patient=ed-1', '/fhir/Observation?patient=zz-9', ''],
      ['/fhir/Patient/ed-1/$access', '/fhir/Patient/zz-9/$access', ''],
      ['/fhir/Observation?patient=ed-1&_include=Observation:subject', '/fhir/Observation?patient=zz-9&_include=Observation:subject', ''],
    ];
    const diffs: string[] = [];
    for (const [seen, none] of pairs)
      for (const base of [r.w.primary, r.w.replica!]) {
        const a = await r.send(base, seen, stranger);
        const b = await r.send(base, none, stranger);
        const ta = norm(norm(await a.text(), 'obs-ed-1'), 'ed-1')
          .replace(/"id":"[0-9a-f-]{36}"/g, '')
          .replace(/"lastUpdated":"[^"]+"/g, '');
        const tb = norm(norm(await b.text(), 'obs-zz-9'), 'zz-9')
          .replace(/"id":"[0-9a-f-]{36}"/g, '')
          .replace(/"lastUpdated":"[^"]+"/g, '');
        const ha = [...a.headers]
          .filter(([k]) => k !== 'date')
          .map(([k, v]) => `${k}:${norm(v, 'ed-1')}`)
          .sort()
          .join('\n');
        const hb = [...b.headers]
          .filter(([k]) => k !== 'date')
          .map(([k, v]) => `${k}:${norm(v, 'zz-9')}`)
          .sort()
          .join('\n');
        if (a.status !== b.status || ta !== tb || ha !== hb)
          diffs.push(`${seen}: ${a.status} ${ta.slice(0, 200)} | ${none}: ${b.status} ${tb.slice(0, 200)} | ${ha === hb ? '' : `${ha} vs ${hb}`}`);
      }
    // Her Consent id, written by her, read or overwritten by someone else: as an id nobody holds.
    const written = await r.send(r.w.primary, '/fhir/Consent', await r.patientToken('ed-5'), {
      body: { ...deny('ed-5'), provision: { type: 'deny', actor: [{ role: { text: 'recipient' }, reference: { reference: 'Practitioner/dr-x' } }] } },
    });
    expect(written.status).toBe(201);
    const cid = ((await written.json()) as { id: string }).id;
    const other = await r.patientToken('ed-1');
    const x = await r.send(r.w.replica!, `/fhir/Consent/${cid}`, other, { method: 'PUT', body: { ...deny('ed-1'), id: cid } });
    const y = await r.send(r.w.replica!, `/fhir/Consent/consent-nobody`, other, { method: 'PUT', body: { ...deny('ed-1'), id: 'consent-nobody' } });
    const tx = norm(await x.text(), cid);
    const ty = norm(await y.text(), 'consent-nobody');
    if (x.status !== y.status || tx !== ty) diffs.push(`PUT her consent: ${x.status} ${tx} vs ${y.status} ${ty}`);
    for (const t of [other, clinician, stranger]) {
      const p = await r.send(r.w.replica!, `/fhir/Consent/${cid}`, t);
      const q = await r.send(r.w.replica!, `/fhir/Consent/consent-nobody`, t);
      const tp = norm(await p.text(), cid);
      const tq = norm(await q.text(), 'consent-nobody');
      if (p.status !== q.status || tp !== tq) diffs.push(`GET her consent: ${p.status} ${tp.slice(0, 200)} vs ${q.status} ${tq.slice(0, 200)}`);
    }
    expect(diffs).toEqual([]);
  }, 60_000);

  // ---- Guarantee 5 ----
  it('G5: malformed, huge and odd input gets a 4xx OperationOutcome, never a 5xx or a stack trace', async () => {
    const patient = await r.patientToken('ed-1');
    const deepRaw = JSON.stringify(deny('ed-1')).replace(
      /"provision":\{.*\}\}$/,
      `"provision":${'{"type":"deny","provision":['.repeat(5000)}{"type":"deny"}${']}'.repeat(5000)}}`,
    );
    let wide = '[';
    for (let i = 0; i < 20000; i++) wide += '[';
    const provDeep = (n: number) => {
      let p: Record<string, unknown> = { type: 'deny', actor: [{ role: { text: 'recipient' }, reference: { reference: 'Practitioner/dr-w' } }] };
      for (let i = 0; i < n; i++) p = { type: i % 2 ? 'deny' : 'permit', provision: [p] };
      return p;
    };
    const cases: { name: string; path: string; token?: string; method?: string; raw?: string; body?: unknown; headers?: Record<string, string> }[] = [
      { name: 'invalid json', path: '/fhir/Consent', raw: '{"resourceType":"Consent",' },
      { name: 'json null', path: '/fhir/Consent', raw: 'null' },
      { name: 'json array', path: '/fhir/Consent', raw: '[]' },
      { name: 'json string', path: '/fhir/Consent', raw: '"Consent"' },
      { name: 'json number', path: '/fhir/Consent', raw: '1e999' },
      { name: 'deep array 20000', path: '/fhir/Consent', raw: wide },
      { name: 'deep provision 5000 (raw)', path: '/fhir/Consent', raw: deepRaw },
      { name: 'nested provision 60', path: '/fhir/Consent', body: { ...deny('ed-1'), provision: provDeep(60) } },
      { name: 'nested provision 150', path: '/fhir/Consent', body: { ...deny('ed-1'), provision: provDeep(150) } },
      {
        name: '10k actors',
        path: '/fhir/Consent',
        body: {
          ...deny('ed-1'),
          provision: {
            type: 'deny',
            actor: Array.from({ length: 10000 }, (_, i) => ({ role: { text: 'recipient' }, reference: { reference: `Practitioner/p${i}` } })),
          },
        },
      },
      { name: '__proto__', path: '/fhir/Consent', raw: JSON.stringify(deny('ed-1')).replace('{', '{"__proto__":{"status":"active","admin":true},') },
      { name: 'constructor prototype', path: '/fhir/Consent', body: { ...deny('ed-1'), constructor: { prototype: { x: 1 } } } },
      { name: 'bad period', path: '/fhir/Consent', body: { ...deny('ed-1'), provision: { type: 'deny', period: { start: 'yesterday', end: '99999-99-99' } } } },
      {
        name: 'period reversed',
        path: '/fhir/Consent',
        body: { ...deny('ed-1'), provision: { type: 'deny', period: { start: '2030-01-01', end: '2020-01-01' } } },
      },
      { name: 'patient ref traversal', path: '/fhir/Consent', body: { ...deny('ed-1'), patient: { reference: 'Patient/../Patient/ed-2' } } },
      { name: 'patient ref nul', path: '/fhir/Consent', body: { ...deny('ed-1'), patient: { reference: 'Patient/ed-1\u0000' } } },
      { name: 'patient ref object', path: '/fhir/Consent', body: { ...deny('ed-1'), patient: { reference: { x: 1 } } } },
      { name: 'patient array', path: '/fhir/Consent', body: { ...deny('ed-1'), patient: [{ reference: 'Patient/ed-1' }] } },
      { name: 'provision string', path: '/fhir/Consent', body: { ...deny('ed-1'), provision: 'deny' } },
      { name: 'actor null', path: '/fhir/Consent', body: { ...deny('ed-1'), provision: { type: 'deny', actor: [null] } } },
      {
        name: 'actor reference number',
        path: '/fhir/Consent',
        body: { ...deny('ed-1'), provision: { type: 'deny', actor: [{ role: { text: 'recipient' }, reference: { reference: 7 } }] } },
      },
      {
        name: 'class huge',
        path: '/fhir/Consent',
        body: { ...deny('ed-1'), provision: { type: 'deny', class: Array.from({ length: 50000 }, () => ({ system: 'x', code: 'y' })) } },
      },
      { name: 'lone surrogate', path: '/fhir/Consent', raw: JSON.stringify(deny('ed-1')).replace('privacy"', 'privacy\\ud800"') },
      { name: 'PUT id odd', path: '/fhir/Consent/%F0%9F%98%80', method: 'PUT', body: deny('ed-1') },
      { name: 'PUT id long', path: `/fhir/Consent/${'a'.repeat(5000)}`, method: 'PUT', body: deny('ed-1') },
      { name: 'text/plain', path: '/fhir/Consent', raw: JSON.stringify(deny('ed-1')), headers: { 'content-type': 'text/plain' } },
      {
        name: 'chunked weird charset',
        path: '/fhir/Consent',
        raw: JSON.stringify(deny('ed-1')),
        headers: { 'content-type': 'application/fhir+json; charset=utf-16' },
      },
      { name: 'accounting huge patient', path: `/fhir/AuditEvent?patient=${'x'.repeat(6000)}` },
      { name: 'accounting nul', path: '/fhir/AuditEvent?patient=Patient/%00' },
      { name: 'accounting lone surrogate', path: '/fhir/AuditEvent?patient=Patient/%ED%A0%80' },
      { name: 'accounting bad utf8', path: '/fhir/AuditEvent?patient=Patient/%FF%FE' },
      { name: 'accounting count negative', path: '/fhir/AuditEvent?patient=Patient/ed-1&_count=-5' },
      { name: 'accounting count huge', path: '/fhir/AuditEvent?patient=Patient/ed-1&_count=1e309' },
      { name: 'accounting count float', path: '/fhir/AuditEvent?patient=Patient/ed-1&_count=2.5' },
      { name: 'accounting cursor junk', path: '/fhir/AuditEvent?patient=Patient/ed-1&_cursor=%7B%22snapshot%22%3A-1%7D' },
      { name: 'accounting cursor huge', path: '/fhir/AuditEvent?patient=Patient/ed-1&_cursor=99999999999999999999999.-1' },
      { name: 'accounting cursor neg', path: '/fhir/AuditEvent?patient=Patient/ed-1&_cursor=5.-3' },
      { name: 'AuditEvent odd id', path: '/fhir/AuditEvent/%E2%80%AE%00' },
      { name: 'AuditEvent long id', path: `/fhir/AuditEvent/${'z'.repeat(10000)}` },
      { name: 'patient odd chars read', path: '/fhir/Patient/a%3Ab%7Cc%2F..', token: clinician },
      { name: 'patient colon read', path: '/fhir/Patient/shard:0', token: clinician },
      { name: 'access odd', path: '/fhir/Patient/%E2%80%AE/$access?actor=%00&class=%FF' },
      { name: 'access huge class list', path: `/fhir/Patient/ed-1/$access?class=${Array.from({ length: 3000 }, () => 'Observation').join(',')}` },
      {
        name: 'break glass junk',
        path: '/fhir/Patient/ed-1/$break-the-glass',
        token: clinician,
        raw: '{"resourceType":"Parameters","parameter":[{"name":"reason","valueString":' + '"x'.repeat(10) + '}]}',
      },
      {
        name: 'break glass odd patient',
        path: '/fhir/Patient/%00/$break-the-glass',
        token: clinician,
        body: { resourceType: 'Parameters', parameter: [{ name: 'reason', valueString: 'emergency' }] },
      },
      { name: 'verify with junk body', path: '/admin/audit/verify', token: r.operator, raw: '\u0000\u0001{{{' },
      { name: 'admin audit query junk', path: '/admin/audit?x=%FF&limit=-1', token: r.operator },
      { name: 'public anchors junk', path: '/public/audit-anchors?limit=1e999' },
      { name: 'token garbage', path: '/fhir/Patient/ed-1', headers: { authorization: 'Bearer a.b.c' } },
      { name: 'token alg none', path: '/fhir/Patient/ed-1', headers: { authorization: `Bearer ${btoa('{"alg":"none"}')}.${btoa('{"sub":"x"}')}.` } },
    ];
    const bad: string[] = [];
    for (const c of cases)
      for (const base of [r.w.primary, r.w.replica!]) {
        let res: Response;
        try {
          res = await r.send(base, c.path, c.headers?.authorization ? undefined : (c.token ?? patient), {
            ...(c.method ? { method: c.method } : {}),
            ...(c.raw !== undefined ? { raw: c.raw } : c.body !== undefined ? { body: c.body } : {}),
            ...(c.headers ? { headers: c.headers } : {}),
          });
        } catch (err) {
          bad.push(`${c.name}: connection failed ${String(err)}`);
          continue;
        }
        const text = await res.text();
        if (res.status >= 500) bad.push(`${c.name}: ${res.status} ${text.slice(0, 300)}`);
        else if (res.status >= 400 && !text.includes('OperationOutcome')) bad.push(`${c.name}: ${res.status} not an OperationOutcome: ${text.slice(0, 200)}`);
        if (/\bat [\w.<>]+ \(|node_modules|worker\.js:\d+|\.ts:\d+/.test(text)) bad.push(`${c.name}: stack trace ${text.slice(0, 300)}`);
        if (res.status < 300 && c.path.startsWith('/fhir/Consent') && !c.name.startsWith('chunked')) bad.push(`${c.name}: accepted ${res.status}`);
      }
    expect(bad).toEqual([]);
    // And the trail still verifies after all that.
    const v = await r.verify();
    expect(v.intact, JSON.stringify([v.problems.slice(0, 5), v.anchors.problems.slice(0, 5)])).toBe(true);
  }, 180_000);

  it('G5b: a body over MAX_BODY_BYTES (16 MiB) gets a 413 OperationOutcome, not a reset connection', async () => {
    const { request } = await import('node:http');
    const body = JSON.stringify({ ...deny('ed-1'), text: { status: 'generated', div: 'x'.repeat(17 * 1024 * 1024) } });
    const token = await r.patientToken('ed-1');
    const answer = await new Promise<string>((resolve) => {
      const req = request(
        `${r.w.primary}/fhir/Consent`,
        { method: 'POST', headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${token}`, 'content-length': Buffer.byteLength(body) } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(`${res.statusCode} ${text.slice(0, 200)}`));
          res.on('error', (e) => resolve(`${res.statusCode} (then ${e.message}) ${text.slice(0, 200)}`));
        },
      );
      req.on('error', (e) => resolve(`request error ${e.message}`));
      req.end(body);
    });
    const { writeFileSync } = await import('node:fs');
    const { execFileSync } = await import('node:child_process');
    writeFileSync('/tmp/rt5-big.json', body);
    let viaCurl: string;
    try {
      viaCurl = execFileSync(
        'curl',
        [
          '-s',
          '-o',
          '/dev/stdout',
          '-w',
          '\n%{http_code}',
          '-X',
          'POST',
          '-H',
          'content-type: application/fhir+json',
          '-H',
          `authorization: Bearer ${token}`,
          '--data-binary',
          '@/tmp/rt5-big.json',
          `${r.w.primary}/fhir/Consent`,
        ],
        { encoding: 'utf8' },
      );
    } catch (err) {
      viaCurl = `curl failed: ${String((err as { stdout?: string }).stdout ?? err)}`;
    }
    // The server answers 413 early; the client may see its upload reset after that (a client race), so either client's view of the 413 counts.
    expect(/^413 .*OperationOutcome/.test(answer) || /413$/.test(viaCurl.trim()), `${answer} | ${viaCurl}`).toBe(true);
  }, 60_000);

  // ---- Guarantee 7 (Worker side) ----
  it('G7: a token issued for another FHIR server (or none) is refused by the Worker', async () => {
    const key = await importJWK(r.w.issuer.privateJwk, 'ES256');
    const now = Math.floor(Date.now() / 1000);
    const sign = (aud: string | string[] | undefined) => {
      const j = new SignJWT({
        jti: crypto.randomUUID(),
        sub: 'u-ed-1',
        client_id: 'portal',
        role: 'patient',
        fhirUser: 'Patient/ed-1',
        patient: 'ed-1',
        scope: 'patient/*.* openid',
        purpose_of_use: ['PATRQT'],
      })
        .setProtectedHeader({ alg: 'ES256', kid: 'test-key', typ: 'at+jwt' })
        .setIssuer(ISSUER)
        .setIssuedAt(now)
        .setExpirationTime(now + 300);
      if (aud !== undefined) j.setAudience(aud);
      return j.sign(key);
    };
    const statuses: Record<string, number> = {};
    for (const aud of [
      'http://worker.other.test/fhir',
      'http://gateway.test',
      'http://gateway.test/fhir/',
      'HTTP://GATEWAY.TEST/fhir',
      'http://gateway.test:80/fhir',
      'http://gateway.test/fhir/../fhir',
      'http://gateway.test.evil.test/fhir',
      'http://gateway.test/fhirx',
      'http://gateway.test/FHIR',
      '',
      undefined,
    ] as const) {
      const res = await r.send(r.w.primary, '/fhir/Patient/ed-1', await sign(aud));
      statuses[String(aud)] = res.status;
    }
    for (const [aud, s] of Object.entries(statuses)) expect(s, aud).toBe(401);
  }, 60_000);
});
