import { count } from 'drizzle-orm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resources } from '../../src/db/schema.js';
import { acceptAllows, formatAllowed } from '../../src/http/negotiate.js';
import { patient } from '../helpers/fhir.js';
import { scenario } from '../helpers/scenario.js';
import { sourceClaims } from '../helpers/tokens.js';
import { SOURCE_A } from '../helpers/fhir.js';

async function expect406(res: Response, names: RegExp) {
  expect(res.status).toBe(406);
  expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
  const body = await res.json();
  expect(body.resourceType).toBe('OperationOutcome');
  expect(body.issue[0].code).toBe('not-supported');
  expect(JSON.stringify(body.issue[0])).toMatch(names);
}

describe('content negotiation on /fhir', () => {
  it('serves JSON to every Accept that allows it, parameters and all', async () => {
    const { get, tokens } = await scenario();
    for (const accept of [
      '*/*',
      'application/json',
      'application/fhir+json',
      'application/fhir+json; fhirVersion=4.0',
      'application/fhir+json;charset=utf-8',
      'application/json; charset=UTF-8',
      'application/*',
      'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
      'application/fhir+xml;q=0.9, application/fhir+json',
      '',
    ]) {
      const res = await get('/fhir/Condition/c-diabetes', tokens.chen, { accept });
      expect(res.status, accept).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    }
    expect((await get('/fhir/metadata', null, { accept: 'application/fhir+json; fhirVersion=4.0' })).status).toBe(200);
  });

  it('answers 406 with an OperationOutcome to an Accept it cannot meet', async () => {
    const { get, tokens } = await scenario();
    for (const accept of [
      'application/fhir+xml',
      'application/xml',
      'text/html',
      'text/turtle',
      'application/fhir+json; fhirVersion=3.0',
      'application/json;q=0',
      'image/*',
    ])
      await expect406(await get('/fhir/Condition/c-diabetes', tokens.chen, { accept }), /Accept/);
    await expect406(await get('/fhir/metadata', null, { accept: 'application/fhir+xml' }), /Accept/);
    await expect406(await get('/fhir/Observation?patient=pa-1', tokens.chen, { accept: 'text/html' }), /Accept/);
  });

  it('takes _format over Accept: json, application/json and application/fhir+json only', async () => {
    const { get, tokens } = await scenario();
    for (const f of [
      'json',
      'application/json',
      'application/fhir+json',
      encodeURIComponent('application/fhir+json'),
      encodeURIComponent('application/fhir+json;fhirVersion=4.0'),
    ]) {
      const res = await get(`/fhir/Observation?patient=pa-1&_format=${f}`, tokens.chen, { accept: 'application/fhir+xml' });
      expect(res.status, f).toBe(200);
    }
    for (const f of ['xml', 'application/fhir+xml', 'html', 'text/html', 'ttl', 'ndjson', 'jsonp'])
      await expect406(await get(`/fhir/Observation?patient=pa-1&_format=${encodeURIComponent(f)}`, tokens.chen), /_format/);
    await expect406(await get('/fhir/Condition/c-diabetes?_format=xml', tokens.chen), /_format/);
  });

  it('refuses a write it could not answer before writing anything', async () => {
    const { app, db, issuer } = await scenario();
    const token = await issuer.mint(sourceClaims(SOURCE_A));
    const stored = async () => (await db.orm.select({ n: count() }).from(resources))[0]!.n;
    const before = await stored();
    const res = await app.request('/fhir/Patient/new-1', {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json', accept: 'application/fhir+xml' },
      body: JSON.stringify(patient('new-1')),
    });
    await expect406(res, /Accept/);
    expect(await stored()).toBe(before);
  });
});

describe('the Accept and _format rules, for any header', () => {
  const served = ['*/*', 'application/*', 'application/json', 'application/fhir+json'];
  const other = ['application/fhir+xml', 'application/xml', 'text/html', 'text/plain', 'text/turtle', 'image/png', 'application/pdf', 'text/*'];
  const param = fc.constantFrom('', '; charset=utf-8', ';charset=UTF-8', '; fhirVersion=4.0', ';q=0.5', ' ; q=1');
  const range = (types: string[]) => fc.tuple(fc.constantFrom(...types), param).map(([t, p]) => `${t}${p}`);

  it('allows any list holding one range we serve, and refuses lists of only others', () => {
    fc.assert(
      fc.property(fc.array(range(other), { maxLength: 4 }), range(served), fc.nat(4), (others, ours, at) => {
        const list = [...others];
        list.splice(Math.min(at, list.length), 0, ours);
        expect(acceptAllows(list.join(', '))).toBe(true);
        if (others.length > 0) expect(acceptAllows(others.join(', '))).toBe(false);
      }),
    );
  });

  it('refuses a range we serve when its q is 0, its fhirVersion another or its charset not UTF-8', () => {
    fc.assert(
      fc.property(fc.constantFrom(...served), fc.constantFrom(';q=0', ';q=0.0', '; fhirVersion=3.0', ';fhirVersion=5.0', ';charset=iso-8859-1'), (t, p) => {
        expect(acceptAllows(`${t}${p}`)).toBe(false);
      }),
    );
  });

  it('takes only the JSON formats as _format, whatever the parameters', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('json', 'application/json', 'application/fhir+json', 'application/fhir json'),
        fc.constantFrom('', ';fhirVersion=4.0', '; charset=utf-8'),
        (f, p) => {
          expect(formatAllowed(f === 'json' ? f : `${f}${p}`)).toBe(true);
        },
      ),
    );
    fc.assert(
      fc.property(fc.string(), (s) => {
        fc.pre(!/json/i.test(s));
        expect(formatAllowed(s)).toBe(false);
      }),
    );
  });
});
