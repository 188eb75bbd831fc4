import { Client } from 'fhir-kit-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../helpers/gateway.js';
import { clientToken, personToken } from '../helpers/gateway-tokens.js';
import { fhirProblems } from '../helpers/validate.js';

type Json = Record<string, unknown> & { resourceType?: string; id?: string };
type Bundle = Json & { entry?: { resource: Json }[]; link?: { relation: string; url: string }[]; total?: number };

const MARIA = 'clinic-oak-pat-000001';

/**
 * Every kind of response a running gateway emits, judged by two validators it did not write
 * (Medplum's StructureDefinition validator and the HL7 JSON schema: test/helpers/validate.ts).
 * A failure lists, per response, each validator's messages.
 */
describe('what the gateway emits is valid FHIR R4', () => {
  let gw: Gateway;
  const tokens: Record<string, string> = {};
  /** The types read by id and found valid, to check at the end that none was left out. */
  const read = new Set<string>();

  beforeAll(async () => {
    // Indexing and compiling block the event loop for seconds: done first, so no keep-alive socket goes stale meanwhile.
    fhirProblems({ resourceType: 'Basic', code: { text: 'warm-up' } });
    gw = await startGateway({ patients: 30 });
    tokens.maria = await personToken(gw, 'maria');
    tokens.chen = await personToken(gw, 'dr.chen');
    tokens.okafor = await personToken(gw, 'dr.okafor', 'openid fhirUser user/*.rs', { purpose_of_use: 'ETREAT' });
    tokens.alex = await personToken(gw, 'alex');
    tokens.priya = await personToken(gw, 'priya');
    tokens.payer = await clientToken(gw, 'payer-lakeshore', 'system/*.cu system/*.rs');
    tokens.source = await clientToken(gw, 'hosp-mercy', 'system/*.cu');
    tokens.analytics = await clientToken(gw, 'analytics', 'system/Group.rs');
    // An operator sees every Subscription (a clinic only its own).
    tokens.subscriber = await personToken(gw, 'alex', 'openid fhirUser user/Subscription.cruds');
  });
  afterAll(async () => {
    await gw?.stop();
  });

  async function call(path: string, token?: string, init: RequestInit & { headers?: Record<string, string> } = {}) {
    const url = path.startsWith('http') ? path : `${gw.fhir}${path}`;
    const headers = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...init.headers };
    const res = await fetch(url, { ...init, headers });
    const text = await res.text();
    let body: Json | undefined;
    try {
      body = JSON.parse(text) as Json;
    } catch {
      body = undefined;
    }
    return { status: res.status, contentType: res.headers.get('content-type'), body, text };
  }
  async function ok(path: string, token?: string, init?: RequestInit & { headers?: Record<string, string> }): Promise<Json> {
    const res = await call(path, token, init);
    expect(res.status, `${path}: ${res.text.slice(0, 300)}`).toBeLessThan(300);
    return res.body!;
  }

  /** All the problems of all the responses, keyed by what each one is: one failure shows every invalid response. */
  function expectAllValid(responses: [string, unknown][]) {
    const invalid = Object.fromEntries(responses.map(([what, r]) => [what, fhirProblems(r)] as const).filter(([, problems]) => problems.length > 0));
    expect(invalid, 'responses that are not valid FHIR R4, with each validator’s messages').toEqual({});
  }

  it('the validators are not a formality: they refuse what breaks R4', () => {
    expect(fhirProblems({ resourceType: 'Patient', id: 'x', gender: 'male', birthDate: '1980-04-02' })).toEqual([]);
    expect(fhirProblems({ resourceType: 'Patient', id: 'x', favouriteColour: 'blue' })).toEqual(
      expect.arrayContaining([expect.stringMatching(/^\[structure\] Patient\.favouriteColour: Invalid additional property/)]),
    );
    expect(fhirProblems({ resourceType: 'Observation', status: 'done', code: { text: 'x' } })).toEqual([
      expect.stringMatching(/^\[schema\] \/status: must be equal to one of the allowed values/),
    ]);
    expect(fhirProblems({ resourceType: 'Bundle', type: 'searchset', entry: [{ resource: { resourceType: 'Condition', subject: {} } }] })).toEqual(
      expect.arrayContaining([expect.stringMatching(/Bundle\.entry\[0\]\.resource/)]),
    );
    expect(fhirProblems({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'oops' }] })).not.toEqual([]);
  });

  it('the CapabilityStatement', async () => {
    expectAllValid([['GET /metadata', await ok('/metadata')]]);
  });

  it("a patient's $everything, and a read of every stored type in it, current and by version", async () => {
    const everything = (await ok(`/Patient/${MARIA}/$everything?_count=1000`, tokens.maria)) as Bundle;
    const firstOfEach = new Map<string, Json>();
    for (const { resource } of everything.entry ?? []) if (!firstOfEach.has(resource.resourceType!)) firstOfEach.set(resource.resourceType!, resource);
    expect([...firstOfEach.keys()]).toEqual(expect.arrayContaining(['Patient', 'Encounter', 'Condition', 'Observation', 'Coverage', 'ExplanationOfBenefit']));
    const responses: [string, unknown][] = [['GET Patient/{maria}/$everything', everything]];
    for (const [type, r] of firstOfEach) {
      responses.push([`GET ${type}/${r.id}`, await ok(`/${type}/${r.id}`, tokens.maria)]);
      read.add(type);
      const version = (r.meta as { versionId?: string } | undefined)?.versionId;
      if (version) responses.push([`GET ${type}/${r.id}/_history/${version}`, await ok(`/${type}/${r.id}/_history/${version}`, tokens.maria)]);
    }
    responses.push(['GET Patient/{maria}/$everything as a clinician', await ok(`/Patient/${MARIA}/$everything?_count=1000`, tokens.chen)]);
    expectAllValid(responses);
  });

  it('types the synthetic region has none of, written by a source as valid R4', async () => {
    const subject = { reference: 'Patient/hosp-mercy-pat-000417' };
    const written: Json[] = [
      {
        resourceType: 'Location',
        id: 'hosp-mercy-loc-ed',
        status: 'active',
        name: 'Mercy Emergency Department',
        managingOrganization: { reference: 'Organization/hosp-mercy-org' },
      },
      {
        resourceType: 'DiagnosticReport',
        id: 'hosp-mercy-dr-conformance',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '58410-2', display: 'CBC panel' }] },
        subject,
        effectiveDateTime: '2025-06-01T10:00:00Z',
      },
      {
        resourceType: 'MedicationRequest',
        id: 'hosp-mercy-mr-conformance',
        status: 'active',
        intent: 'order',
        medicationCodeableConcept: {
          coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '308182', display: 'amoxicillin 250 MG Oral Capsule' }],
        },
        subject,
        authoredOn: '2025-06-01',
      },
      {
        resourceType: 'Immunization',
        id: 'hosp-mercy-imm-conformance',
        status: 'completed',
        vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '140', display: 'Influenza, seasonal, injectable, preservative free' }] },
        patient: subject,
        occurrenceDateTime: '2025-10-01',
      },
      {
        resourceType: 'AllergyIntolerance',
        id: 'hosp-mercy-ai-conformance',
        clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] },
        code: { coding: [{ system: 'http://snomed.info/sct', code: '91936005', display: 'Allergy to penicillin' }] },
        patient: subject,
        recordedDate: '2025-06-01',
      },
    ];
    for (const resource of written) {
      expect(fhirProblems(resource), `what the test sends (${resource.resourceType})`).toEqual([]);
      await ok(`/${resource.resourceType}/${resource.id}`, tokens.source, {
        method: 'PUT',
        headers: { 'content-type': 'application/fhir+json' },
        body: JSON.stringify(resource),
      });
    }
  });

  it('a searchset of every stored type, and a read of the first of each, as a clinician', async () => {
    const cs = (await ok('/metadata')) as { rest: { resource: { type: string }[] }[] };
    // Groups are read by id only (below); Subscriptions are not patient data, and a clinician manages none.
    const types = cs.rest[0]!.resource.map((r) => r.type).filter((t) => t !== 'AuditEvent' && t !== 'Group' && t !== 'Subscription');
    const responses: [string, unknown][] = [];
    for (const type of types) {
      const query = ['Practitioner', 'PractitionerRole', 'Organization', 'Location', 'Measure'].includes(type)
        ? '_count=5'
        : type === 'Patient'
          ? `_id=${MARIA}&_count=5`
          : `patient=${MARIA}&_count=5`;
      const bundle = (await ok(`/${type}?${query}`, tokens.chen)) as Bundle;
      responses.push([`GET ${type}?${query}`, bundle]);
      const first = bundle.entry?.[0]?.resource;
      if (first) {
        responses.push([`GET ${type}/${first.id}`, await ok(`/${type}/${first.id}`, tokens.chen)]);
        read.add(type);
      }
    }
    expectAllValid(responses);
  });

  it('search pages (next), _include, _sort and an empty searchset', async () => {
    const responses: [string, unknown][] = [];
    let page = (await ok(`/Observation?patient=${MARIA}&_count=3&_sort=-date`, tokens.chen)) as Bundle;
    responses.push(['Observation page 1', page]);
    for (let n = 2; n <= 3; n++) {
      const next = page.link?.find((l) => l.relation === 'next')?.url;
      if (!next) break;
      page = (await ok(next, tokens.chen)) as Bundle;
      responses.push([`Observation page ${n}`, page]);
    }
    responses.push([
      'Encounter with _include',
      await ok(`/Encounter?patient=${MARIA}&_include=Encounter:participant&_include=Encounter:service-provider&_count=5`, tokens.chen),
    ]);
    responses.push([
      'Observation with _include=Observation:encounter',
      await ok(`/Observation?patient=${MARIA}&_include=Observation:encounter&_count=5`, tokens.chen),
    ]);
    responses.push(['an empty searchset', await ok('/Condition?patient=nobody-at-all', tokens.chen)]);
    expectAllValid(responses);
  });

  it('fhir-kit-client follows next to the last page: every match exactly once, the total right, each page a valid searchset', async () => {
    const client = new Client({ baseUrl: gw.fhir, bearerToken: tokens.chen });
    const pages = [(await client.search({ resourceType: 'Observation', searchParams: { patient: MARIA, _count: '4', _sort: 'date' } })) as unknown as Bundle];
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
    expectAllValid(pages.map((p, i) => [`Observation page ${i + 1} (fhir-kit-client)`, p]));
  });

  it('OperationOutcomes of every refusal: 400, 401, 403, 404, 413, 415', async () => {
    const refusals: [string, Awaited<ReturnType<typeof call>>][] = [
      ['400 _count not a number', await call(`/Observation?patient=${MARIA}&_count=lots`, tokens.chen)],
      ['400 a date that is not one', await call(`/Observation?patient=${MARIA}&date=yesterday`, tokens.chen)],
      ['400 AuditEvent search without patient', await call('/AuditEvent', tokens.maria)],
      ['400 export without Prefer', await call('/Group/payer-lakeshore-org/$export', tokens.payer)],
      [
        '400 a write that is not FHIR',
        await call('/Observation/x1', tokens.source, {
          method: 'PUT',
          headers: { 'content-type': 'application/fhir+json' },
          body: '{"resourceType":"Observation"',
        }),
      ],
      ['401 no token', await call(`/Patient/${MARIA}`)],
      ['401 a forged token', await call(`/Patient/${MARIA}`, 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.')],
      [
        '403 aggregate client writes',
        await call('/Patient/x', tokens.analytics, {
          method: 'PUT',
          headers: { 'content-type': 'application/fhir+json' },
          body: JSON.stringify({ resourceType: 'Patient', id: 'x' }),
        }),
      ],
      ['403 operator reads a roster', await call('/Group/attribution-clinic-oak-org-2025', tokens.alex)],
      ['404 an unknown id', await call('/Patient/no-such-patient', tokens.chen)],
      ['404 an unknown type', await call('/Spaceship/1', tokens.chen)],
      ['404 an unknown route', await call(`/Patient/${MARIA}/$teleport`, tokens.chen, { method: 'POST' })],
      [
        '413 a body over the limit',
        await call('/Observation/big', tokens.source, {
          method: 'PUT',
          headers: { 'content-type': 'application/fhir+json' },
          body: `{"resourceType":"Observation","id":"big","note":[{"text":"${'x'.repeat(17 * 1024 * 1024)}"}]}`,
        }),
      ],
      [
        '415 a write that is not JSON',
        await call('/Observation/x2', tokens.source, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'hello' }),
      ],
    ];
    const statuses = Object.fromEntries(refusals.map(([what, r]) => [what, r.status]));
    expect(statuses).toEqual(Object.fromEntries(refusals.map(([what]) => [what, Number(what.slice(0, 3))])));
    for (const [what, r] of refusals) expect(r.body?.resourceType, what).toBe('OperationOutcome');
    expectAllValid(refusals.map(([what, r]) => [what, r.body]));
  });

  it("Consents: a patient's write, its read, its search, $access and break-the-glass Parameters", async () => {
    // Shaped as the portal writes one (src/web/portal/choices.ts). One without policy or
    // policyRule breaks ppc-1 and is refused (test/ingest/r4-validation.test.ts).
    const consent = {
      resourceType: 'Consent',
      identifier: [{ system: 'urn:consent-gateway:portal-choice', value: 'organization:Organization/hosp-riverside-org' }],
      status: 'active',
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
      patient: { reference: `Patient/${MARIA}` },
      dateTime: new Date().toISOString(),
      policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT' }] },
      provision: { type: 'deny', actor: [{ role: { text: 'recipient' }, reference: { reference: 'Organization/hosp-riverside-org' } }] },
    };
    expect(fhirProblems(consent), 'what the test sends').toEqual([]);
    const written = await ok('/Consent', tokens.maria, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(consent) });
    expectAllValid([
      ['POST Consent', written],
      [`GET Consent/${written.id}`, await ok(`/Consent/${written.id}`, tokens.maria).then((r) => (read.add('Consent'), r))],
      ['GET Consent?patient=', await ok(`/Consent?patient=${MARIA}`, tokens.maria)],
      ['GET Patient/{maria}/$access', await ok(`/Patient/${MARIA}/$access?actor=Practitioner/clinic-oak-prac-chen&purpose=TREAT`, tokens.maria)],
      [
        'POST Patient/{maria}/$break-the-glass',
        await ok(`/Patient/${MARIA}/$break-the-glass`, tokens.okafor, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"reason":"unconscious in the ED"}',
        }),
      ],
    ]);
  });

  it("AuditEvents: a patient's accounting of disclosures", async () => {
    const accounting = (await ok(`/AuditEvent?patient=Patient/${MARIA}&_count=50`, tokens.maria)) as Bundle;
    expect(accounting.entry?.length).toBeGreaterThan(0);
    expectAllValid([['GET AuditEvent?patient=', accounting]]);
  });

  it('Groups (attribution rosters) and MeasureReports (the published release)', async () => {
    const measureReports = await fetch(`${gw.base}/public/datasets/latest/measure-reports.json`);
    expect(measureReports.status).toBe(200);
    expectAllValid([
      [
        'GET Group/attribution-clinic-oak-org-2025 as its clinician',
        await ok('/Group/attribution-clinic-oak-org-2025', tokens.chen).then((r) => (read.add('Group'), r)),
      ],
      ['/public/datasets/latest/measure-reports.json', await measureReports.json()],
    ]);
  });

  it("a source's writes (PUT, and a transaction Bundle) answer with valid resources", async () => {
    const observation = {
      resourceType: 'Observation',
      id: 'hosp-mercy-obs-conformance',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
      subject: { reference: 'Patient/hosp-mercy-pat-000417' },
      effectiveDateTime: '2025-06-01T10:00:00Z',
      valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
    };
    const json = { 'content-type': 'application/fhir+json' };
    const put = await ok(`/Observation/${observation.id}`, tokens.source, { method: 'PUT', headers: json, body: JSON.stringify(observation) });
    const transaction = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { ...observation, id: 'hosp-mercy-obs-conformance-2' }, request: { method: 'PUT', url: 'Observation/hosp-mercy-obs-conformance-2' } },
      ],
    };
    expect(fhirProblems(transaction), 'what the test sends').toEqual([]);
    const response = await ok('', tokens.source, { method: 'POST', headers: json, body: JSON.stringify(transaction) });
    expectAllValid([
      ['PUT Observation', put],
      ['POST [base] (transaction)', response],
    ]);
  });

  it('every line of a Bulk export NDJSON file', async () => {
    // The synthetic region's Coverages end in 2025 and a payer's members are those it covers
    // now, so the payer first records a current Coverage for one of its own members.
    const coverage = {
      resourceType: 'Coverage',
      id: 'payer-lakeshore-cov-conformance',
      status: 'active',
      beneficiary: { reference: 'Patient/payer-lakeshore-pat-979669' },
      payor: [{ reference: 'Organization/payer-lakeshore-org' }],
      period: { start: `${new Date().getUTCFullYear()}-01-01`, end: `${new Date().getUTCFullYear() + 1}-12-31` },
    };
    await ok(`/Coverage/${coverage.id}`, tokens.payer, { method: 'PUT', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(coverage) });
    const kick = await fetch(`${gw.fhir}/Group/payer-lakeshore-org/$export`, { headers: { authorization: `Bearer ${tokens.payer}`, prefer: 'respond-async' } });
    expect(kick.status).toBe(202);
    const statusUrl = kick.headers.get('content-location')!;
    let status = await call(statusUrl, tokens.payer);
    for (let i = 0; i < 100 && status.status === 202; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = await call(statusUrl, tokens.payer);
    }
    const manifest = status.body as { output: { type: string; url: string }[] };
    expect(manifest.output.length).toBeGreaterThan(0);
    const lines: [string, unknown][] = [];
    for (const { type, url } of manifest.output) {
      const file = await call(url, tokens.payer);
      expect(file.contentType).toBe('application/fhir+ndjson');
      file.text
        .split('\n')
        .filter(Boolean)
        .forEach((line, i) => lines.push([`${type}.ndjson line ${i + 1}`, JSON.parse(line)]));
    }
    expect(lines.length).toBeGreaterThan(0);
    expectAllValid(lines);
  });

  it('left no type of the CapabilityStatement unread', async () => {
    const cs = (await ok('/metadata')) as { rest: { resource: { type: string }[] }[] };
    // AuditEvent is searched only (the accounting of disclosures above), never read by id. A
    // Subscription is created, read and validated with its handshake receiver (test/subscriptions/api.test.ts).
    expect(cs.rest[0]!.resource.map((r) => r.type).filter((t) => t !== 'AuditEvent' && t !== 'Subscription' && !read.has(t))).toEqual([]);
  });
  /**
   * Every claim of the CapabilityStatement, tried against the running gateway: each advertised
   * interaction, search parameter (strict, so an unsupported one is a 400), _include and
   * operation is served, and the SMART endpoints it names answer. A claim without a route fails.
   */
  it('claims nothing it does not serve: every interaction, search parameter, _include, operation and OAuth URL answers', async () => {
    type Entry = {
      type: string;
      interaction: { code: string }[];
      searchParam?: { name: string; type: string }[];
      searchInclude?: string[];
      operation?: { name: string }[];
    };
    const cs = (await ok('/metadata')) as {
      rest: {
        resource: Entry[];
        interaction: { code: string }[];
        operation?: { name: string }[];
        security: { extension: { extension: { url: string; valueUri: string }[] }[] };
      }[];
    };
    const rest = cs.rest[0]!;
    const directory = ['Practitioner', 'PractitionerRole', 'Organization', 'Location', 'Measure'];
    const failures: string[] = [];
    const expectStatus = async (
      what: string,
      path: string,
      token: string,
      accept: (status: number, body: Json | undefined) => boolean,
      init?: RequestInit & { headers?: Record<string, string> },
    ) => {
      const res = await call(path, token, init);
      if (!accept(res.status, res.body)) failures.push(`${what}: ${path} answered ${res.status} ${res.text.slice(0, 160)}`);
    };
    const issueCode = (body: Json | undefined) => (body as { issue?: { code?: string }[] } | undefined)?.issue?.[0]?.code;
    const sample: Record<string, string> = { date: 'ge2000-01-01', token: 'http://example.org|x', string: 'a', reference: `Patient/${MARIA}` };
    const strict = { headers: { prefer: 'handling=strict' } };
    const careGapsQuery = `periodStart=2025-01-01&periodEnd=2025-12-31&status=open-gap&status=closed-gap&subject=Patient/${MARIA}`;
    const careGapsBody = JSON.stringify({
      resourceType: 'Parameters',
      parameter: [...new URLSearchParams(careGapsQuery)].map(([name, value]) => ({
        name,
        [name.startsWith('period') ? 'valueDate' : name === 'status' ? 'valueCode' : 'valueString']: value,
      })),
    });

    for (const entry of rest.resource) {
      const { type } = entry;
      const codes = entry.interaction.map((i) => i.code);
      // Subscriptions are listed by who manages them: no patient scope, and such a token.
      const scope =
        type === 'AuditEvent'
          ? `patient=${MARIA}`
          : directory.includes(type) || type === 'Subscription'
            ? ''
            : type === 'Patient'
              ? `_id=${MARIA}`
              : `patient=${MARIA}`;
      const reader = type === 'AuditEvent' ? tokens.maria! : type === 'Subscription' ? tokens.subscriber! : tokens.chen!;
      // A missing id of a served type is "not found", never "not supported" (which an unserved type gets).
      const missing = (status: number, body: Json | undefined) => status === 404 && issueCode(body) === 'not-found';
      if (codes.includes('read')) await expectStatus(`${type} read`, `/${type}/no-such-id`, reader, missing);
      if (codes.includes('vread')) await expectStatus(`${type} vread`, `/${type}/no-such-id/_history/1`, reader, missing);
      if (codes.includes('history-instance')) await expectStatus(`${type} history-instance`, `/${type}/no-such-id/_history`, reader, missing);
      if (codes.includes('search-type')) {
        await expectStatus(`${type} search-type`, `/${type}?${scope}`, reader, (st) => st === 200, strict);
        for (const p of entry.searchParam ?? []) {
          if (type === 'AuditEvent') continue;
          const value =
            p.name === '_id' && type === 'Patient'
              ? MARIA
              : p.name === '_id' || p.name.endsWith('status')
                ? 'x'
                : p.name === 'subject'
                  ? `Patient/${MARIA}`
                  : sample[p.type]!;
          await expectStatus(
            `${type} ${p.name}`,
            `/${type}?${scope}${scope ? '&' : ''}${p.name}=${encodeURIComponent(value)}`,
            reader,
            (st) => st === 200,
            strict,
          );
        }
        for (const inc of entry.searchInclude ?? [])
          await expectStatus(`${type} _include`, `/${type}?${scope}&_include=${inc}`, reader, (st) => st === 200, strict);
      } else if (type !== 'AuditEvent') {
        // Not claimed: not served as a search either.
        await expectStatus(`${type} unclaimed search`, `/${type}?_count=1`, reader, (st) => st >= 400);
      }
      if (codes.includes('create')) {
        // A create of an empty resource is refused for its content (400), not for its type: by a
        // source, or for Consents by the patient (through the consent API).
        await expectStatus(
          `${type} create`,
          `/${type}`,
          type === 'Consent' ? tokens.maria! : tokens.source!,
          (st, body) => st === 400 && issueCode(body) !== 'not-supported',
          {
            method: 'POST',
            headers: { 'content-type': 'application/fhir+json' },
            body: JSON.stringify({ resourceType: type, id: 'x', meta: { source: 'urn:not-the-sender' } }),
          },
        );
      }
      for (const op of entry.operation ?? []) {
        if (op.name === 'everything') await expectStatus('Patient/$everything', `/Patient/${MARIA}/$everything?_count=1`, tokens.chen!, (st) => st === 200);
        if (op.name === 'access') await expectStatus('Patient/$access', `/Patient/${MARIA}/$access`, tokens.maria!, (st) => st === 200);
        if (op.name === 'break-the-glass')
          await expectStatus('Patient/$break-the-glass', `/Patient/${MARIA}/$break-the-glass`, tokens.chen!, (st) => st !== 404 && st !== 405 && st < 500, {
            method: 'POST',
          });
        if (op.name === 'care-gaps')
          for (const init of [undefined, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: careGapsBody }])
            await expectStatus(
              'Measure/$care-gaps',
              init ? '/Measure/$care-gaps' : `/Measure/$care-gaps?${careGapsQuery}`,
              tokens.chen!,
              (st) => st === 200,
              init,
            );
        if (op.name === 'adt-digest')
          await expectStatus('Organization/$adt-digest', '/Organization/clinic-oak-org/$adt-digest', tokens.chen!, (st) => st === 200);
        if (op.name === 'export') {
          const path = type === 'Patient' ? '/Patient/$export' : '/Group/payer-lakeshore-org/$export';
          await expectStatus(`${type}/$export`, path, tokens.payer!, (st) => st === 202, {
            headers: { prefer: 'respond-async', accept: 'application/fhir+json' },
          });
        }
      }
    }
    for (const op of rest.operation ?? [])
      if (op.name === 'export') await expectStatus('system $export', '/$export', tokens.payer!, (st) => st === 202, { headers: { prefer: 'respond-async' } });
    // Not claimed at all: type-level history, delete, and a type the server does not hold.
    await expectStatus('unclaimed delete', `/Observation/no-such-id`, tokens.source!, (st) => st === 404 || st === 405, { method: 'DELETE' });
    await expectStatus('unclaimed type', '/Claim/x', tokens.chen!, (st, body) => st === 404 && issueCode(body) === 'not-supported');
    // The OAuth endpoints it names answer (a request without parameters is refused by them, not missing).
    for (const { url, valueUri } of rest.security.extension[0]!.extension) {
      const res = await fetch(valueUri, { method: ['token', 'introspect', 'revoke'].includes(url) ? 'POST' : 'GET', redirect: 'manual' });
      if (res.status === 404 || res.status >= 500) failures.push(`oauth-uris ${url}: ${valueUri} answered ${res.status}`);
    }
    expect(failures).toEqual([]);
  });
  it('gives a page after the first a previous link that leads back to the same entries (fhir-kit-client prevPage)', async () => {
    const client = new Client({ baseUrl: gw.fhir, bearerToken: tokens.chen! });
    const first = (await client.search({ resourceType: 'Observation', searchParams: { patient: MARIA, _count: 2 } })) as Bundle;
    const second = (await client.nextPage({ bundle: first } as never)) as Bundle;
    const back = (await client.prevPage({ bundle: second } as never)) as Bundle;
    expect(back.entry!.map((e) => e.resource.id)).toEqual(first.entry!.map((e) => e.resource.id));
    expectAllValid([['previous page', back]]);
  });

  it('answers an Accept it cannot produce (FHIR XML) with 406 and a valid OperationOutcome', async () => {
    const res = await call(`/Patient/${MARIA}`, tokens.maria, { headers: { accept: 'application/fhir+xml' } });
    expect(res.status).toBe(406);
    expect(res.body?.resourceType).toBe('OperationOutcome');
    expectAllValid([['406', res.body]]);
  });
});
