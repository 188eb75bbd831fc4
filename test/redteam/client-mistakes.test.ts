/** Guarantee 9: a client's malformed input is a 4xx OperationOutcome, never a 500, never a stack trace. */
import { beforeEach, describe, expect, it } from 'vitest';
import { consentFor, scenario } from '../helpers/scenario.js';

type Scenario = Awaited<ReturnType<typeof scenario>>;
let s: Scenario;
beforeEach(async () => {
  s = await scenario();
});

async function expectClientError(res: Response) {
  const text = await res.text();
  expect(res.status, text).toBeGreaterThanOrEqual(400);
  expect(res.status, text).toBeLessThan(500);
  expect(text).not.toMatch(/at .*\.(ts|js):\d+/);
}

describe('malformed Consent bodies (PUT /fhir/Consent/x1 as the patient)', () => {
  const cases: [string, object][] = [
    ['provision.provision is a string', consentFor('x1', { type: 'deny', provision: 'x' })],
    ['provision.actor is an object', consentFor('x1', { type: 'deny', actor: { reference: 'x' } })],
    ['provision.securityLabel is an object', consentFor('x1', { type: 'deny', securityLabel: { code: 'HIV' } })],
    ['provision.purpose is an object', consentFor('x1', { type: 'deny', purpose: { code: 'x' } })],
    ['provision.class is a string', consentFor('x1', { type: 'deny', class: 'Observation' })],
    ['scope.coding is an object', { ...consentFor('x1', { type: 'deny' }), scope: { coding: { code: 'patient-privacy' } } }],
  ];
  for (const [name, body] of cases) {
    it(`${name}: 4xx, not 500`, async () => {
      await expectClientError(await s.consent('x1', s.tokens.maria, body));
    });
  }
});

describe('malformed $break-the-glass bodies (clinician with ETREAT)', () => {
  const cases: [string, unknown][] = [
    ['body is JSON null', null],
    ['parameter is a string', { parameter: 'x' }],
    ['parameter is an array of null', { parameter: [null] }],
  ];
  for (const [name, body] of cases) {
    it(`${name}: 4xx, not 500`, async () => {
      await expectClientError(await s.send('POST', '/fhir/Patient/pa-1/$break-the-glass', s.tokens.chenGlass, body));
    });
  }
});

describe('odd request parameters', () => {
  const paths = [
    '/fhir/Patient/%E0%A4%A',
    '/fhir/Patient/pa-1/$access?actor=%E0%A4%A',
    '/fhir/Observation?patient=%E0%A4%A',
    '/fhir/Observation/o-a1c-1/_history/99999999999999999999',
    '/fhir/Observation?patient=pa-1&_include=Observation:performer:Patient',
    '/fhir/Observation?patient=pa-1&date=ge2025-13-45',
    '/fhir/Patient/pa-1/$everything?_type=',
    '/fhir/Patient/pa-1/$access?class=',
    '/fhir/Patient/pa-1/$access?purpose=NOPE',
    '/fhir/Group/attribution-clinic-oak-org-9999',
  ];
  for (const path of paths) {
    it(`${path}: not 500`, async () => {
      const res = await s.get(path, s.tokens.chen);
      const text = await res.text();
      expect(res.status, text).toBeLessThan(500);
      expect(text).not.toMatch(/at .*\.(ts|js):\d+/);
    });
  }
});
