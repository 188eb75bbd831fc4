/** Every bad Subscription the issue lists gets a 400 OperationOutcome naming the element, and nothing is stored or sent. */
import fc from 'fast-check';
import { attributeTo } from '../helpers/attribution.js';
import { resolvePerson } from '../../src/store/read.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { ConsentEngine } from '../../src/consent/engine.js';
import { loadPolicies } from '../../src/consent/policies.js';
import { readPolicyFiles } from '../../src/entry/policy-files.js';
import { validateSubscription } from '../../src/subscriptions/validate.js';
import { consentFor } from '../helpers/scenario.js';
import { BACKPORT, receiver, subscription, subscriptionScenario, TOPIC, type SubscriptionScenario } from './api-setup.js';

type Json = Record<string, any>;

let s: SubscriptionScenario;
let hook: Awaited<ReturnType<typeof receiver>>;
beforeEach(async () => {
  s = await subscriptionScenario();
  hook = await receiver();
});
afterEach(() => hook.close());

const channelExt = (url: string, value: object) => ({ extension: [{ url: `${BACKPORT}/${url}`, ...value }] });

/** The request is refused with 400, the outcome names `expression`, and nothing was stored or sent. */
async function refused(body: unknown, expression: string, opts: { token?: string; app?: typeof s.app; match?: RegExp } = {}) {
  const res = await s.call('POST', '/fhir/Subscription', opts.token ?? s.subTokens.oak, body, opts.app ?? s.app);
  const outcome = (await res.json()) as Json;
  expect(res.status, JSON.stringify(outcome)).toBe(400);
  expect(outcome.resourceType).toBe('OperationOutcome');
  const expressions = (outcome.issue as Json[]).flatMap((i) => i.expression ?? []);
  expect(
    expressions.some((e: string) => e.startsWith(expression)),
    `${expressions.join(', ')} names ${expression}`,
  ).toBe(true);
  if (opts.match) expect(JSON.stringify(outcome)).toMatch(opts.match);
  expect(s.rows()).toBe(0);
  expect(hook.received).toHaveLength(0);
  return outcome;
}

describe('the issue’s bad input', () => {
  it('an unknown topic', () => refused({ ...subscription(hook.url), criteria: `${TOPIC}/encounter-anything` }, 'Subscription.criteria'));
  it('an unknown filter, and a filter with a modifier', async () => {
    await refused(subscription(hook.url, { filters: ['Encounter?location=Location/1'] }), 'Subscription._criteria', { match: /Unknown filter 'location'/ });
    await refused(subscription(hook.url, { filters: ['Encounter?patient:missing=true'] }), 'Subscription._criteria', { match: /modifiers/ });
    await refused(subscription(hook.url, { filters: ['Observation?patient=Patient/pa-1'] }), 'Subscription._criteria');
    await refused(subscription(hook.url, { filters: ['Encounter?class=AMB'] }), 'Subscription._criteria', { match: /AMB/ });
  });
  it('an unknown channel type, and a known one this server does not offer', async () => {
    await refused(subscription(hook.url, { channel: { type: 'carrier-pigeon' } }), 'Subscription.channel.type');
    await refused(subscription(hook.url, { channel: { type: 'websocket' } }), 'Subscription.channel.type');
  });
  it('full-resource by a clinic whose agreement does not permit Encounters for treatment', async () => {
    const texts = await readPolicyFiles();
    // Pine may be told for treatment (Patient), but not sent Encounters.
    const duas = `${texts.duas}\np, dua-clinic-pine, Organization/clinic-pine-org, TREAT, Patient, *, any, 2024-01-01, 2099-12-31, active\n`;
    const app = createApp({ ...s.deps, consent: new ConsentEngine(s.db, await loadPolicies({ ...texts, duas }), s.deps.clock) });
    const pine = await s.issuer.mint({
      sub: 'clinic-pine',
      client_id: 'clinic-pine',
      client_kind: 'source',
      organization: 'Organization/clinic-pine-org',
      dua: 'dua-clinic-pine',
      scope: 'system/Subscription.cruds',
      purpose_of_use: ['TREAT'],
    });
    await refused(subscription(hook.url, { payload: 'full-resource' }), 'Subscription.channel._payload', { token: pine, app });
    // id-only it may have.
    expect((await s.call('POST', '/fhir/Subscription', pine, subscription(hook.url), app)).status).toBe(201);
  });
  it('an endpoint that is not https in production; https is accepted there', async () => {
    await refused(subscription(hook.url), 'Subscription.channel.endpoint', { app: s.production, match: /https/ });
    const res = await s.call('POST', '/fhir/Subscription', s.subTokens.oak, subscription('https://clinic-oak.invalid/hook'), s.production);
    expect(res.status).toBe(201);
  });
  it.each([
    'https://127.0.0.1/hook',
    'https://localhost:8443/hook',
    'https://169.254.169.254/latest/meta-data',
    'https://10.1.2.3/hook',
    'https://[::1]/hook',
    'https://192.168.0.1/',
    'https://0.0.0.0/',
    'https://[::ffff:127.0.0.1]/hook',
    'https://2130706433/hook',
    // Red team: IPv4-compatible, NAT64, 6to4 and site-local IPv6 literals.
    'https://[::7f00:1]/hook',
    'https://[64:ff9b::a00:1]/hook',
    'https://[2002:7f00:1::1]/hook',
    'https://[fec0::1]/hook',
  ])('in production, an endpoint inside the gateway’s own network (%s): the handshake would reach it', async (endpoint) => {
    await refused(subscription(endpoint), 'Subscription.channel.endpoint', { app: s.production, match: /network/ });
  });
  it('a patient filter naming someone the clinic may not see answers exactly as one naming no one', async () => {
    const oak = [{ role: { text: 'recipient' }, reference: { reference: 'Organization/clinic-oak-org' } }];
    // While Maria, attributed to Oakwood, shares her record with it, Oakwood may follow her stays.
    await attributeTo(s.db, 'Organization/clinic-oak-org', [(await resolvePerson(s.db, 'pa-1'))!]);
    expect((await s.consent('oak', s.tokens.maria, consentFor('oak', { type: 'permit', actor: oak }))).status).toBeLessThan(300);
    const allowed = await s.call('POST', '/fhir/Subscription', s.subTokens.oak, subscription(hook.url, { filters: ['Encounter?patient=Patient/pa-1'] }));
    expect(allowed.status).toBe(201);
    s.db.sqlite.prepare('delete from subscriptions').run();
    hook.received.length = 0;
    // Once she denies Oakwood, the same filter is refused as if she did not exist.
    expect((await s.consent('oak', s.tokens.maria, consentFor('oak', { type: 'deny', actor: oak }))).status).toBeLessThan(300);
    const denied = await refused(subscription(hook.url, { filters: ['Encounter?patient=Patient/pa-1'] }), 'Subscription._criteria');
    const nobody = await refused(subscription(hook.url, { filters: ['Encounter?patient=Patient/zz-9'] }), 'Subscription._criteria');
    expect(JSON.stringify(denied).replace('pa-1', 'X')).toBe(JSON.stringify(nobody).replace('zz-9', 'X'));
  });
  it('a heartbeat period below the minimum', () =>
    refused(subscription(hook.url, { channel: channelExt('backport-heartbeat-period', { valueUnsignedInt: 59 }) }), 'Subscription.channel.extension', {
      match: /60/,
    }));
});

describe('more bad input', () => {
  const bad: [string, unknown, string][] = [
    ['timeout 0', subscription('x', { channel: channelExt('backport-timeout', { valueUnsignedInt: 0 }) }), 'Subscription.channel.extension'],
    ['timeout 121', subscription('x', { channel: channelExt('backport-timeout', { valueUnsignedInt: 121 }) }), 'Subscription.channel.extension'],
    ['max-count 101', subscription('x', { channel: channelExt('backport-max-count', { valuePositiveInt: 101 }) }), 'Subscription.channel.extension'],
    ['an unknown payload content', subscription('x', { payload: 'everything' }), 'Subscription.channel._payload'],
    ['a payload type other than FHIR JSON', subscription('x', { channel: { payload: 'application/fhir+xml' } }), 'Subscription.channel.payload'],
    ['no endpoint', subscription('x', { channel: { endpoint: undefined } }), 'Subscription.channel.endpoint'],
    ['a relative endpoint', subscription('/hook'), 'Subscription.channel.endpoint'],
    ['credentials in the endpoint', subscription('https://user:pw@clinic.example/hook'), 'Subscription.channel.endpoint'],
    ['a hop-by-hop header', subscription('x', { channel: { header: ['Transfer-Encoding: chunked'] } }), 'Subscription.channel.header[0]'],
    // Red team: stored, it made every send fail.
    ['an Expect header', subscription('x', { channel: { header: ['Expect: 100-continue'] } }), 'Subscription.channel.header[0]'],
    ['our signature header', subscription('x', { channel: { header: ['webhook-signature: v1,forged'] } }), 'Subscription.channel.header[0]'],
    ['a header with a line break', subscription('x', { channel: { header: ['X-A: b\r\nX-Injected: 1'] } }), 'Subscription.channel.header[0]'],
    ['a header without a colon', subscription('x', { channel: { header: ['Bearer abc'] } }), 'Subscription.channel.header[0]'],
    ['an end in the past', { ...subscription('x'), end: '2020-01-01T00:00:00Z' }, 'Subscription.end'],
    ['no reason', { ...subscription('x'), reason: undefined }, 'Subscription.reason'],
    ['an element R4 does not have', { ...subscription('x'), topic: 'encounter-start' }, 'Subscription.topic'],
    ['a modifier extension', { ...subscription('x'), modifierExtension: [{ url: 'urn:x', valueBoolean: true }] }, 'Subscription.modifierExtension'],
    ['another resource type', { ...subscription('x'), resourceType: 'Patient' }, 'Subscription.resourceType'],
  ];
  it.each(bad)('%s', async (_name, body, expression) => {
    const withEndpoint = JSON.parse(JSON.stringify(body).replaceAll('"endpoint":"x"', `"endpoint":"${hook.url}"`));
    await refused(withEndpoint, expression);
  });
  it('an attributed-organization filter naming another organization', () =>
    refused(subscription(hook.url, { filters: ['Encounter?attributed-organization=Organization/clinic-maple-org'] }), 'Subscription._criteria'));
  it('its own organization, several filters ANDed and values ORed, are accepted', async () => {
    const res = await s.call(
      'POST',
      '/fhir/Subscription',
      s.subTokens.oak,
      subscription(hook.url, { filters: ['Encounter?attributed-organization=Organization/clinic-oak-org', 'Encounter?class=EMER,IMP'] }),
    );
    expect(res.status).toBe(201);
    const filters = s.db.sqlite.prepare('select filters from subscriptions').pluck().get() as string;
    expect(JSON.parse(filters)).toEqual([
      { name: 'attributed-organization', values: ['Organization/clinic-oak-org'] },
      { name: 'class', values: ['EMER', 'IMP'] },
    ]);
  });
  it('a body that is not JSON: 400; not FHIR JSON: 415', async () => {
    const raw = (body: string, type: string) =>
      s.app.request('/fhir/Subscription', { method: 'POST', headers: { authorization: `Bearer ${s.subTokens.oak}`, 'content-type': type }, body });
    expect((await raw('{', 'application/fhir+json')).status).toBe(400);
    expect((await raw('<Subscription/>', 'application/fhir+xml')).status).toBe(415);
    expect(s.rows()).toBe(0);
  });
});

describe('validateSubscription, whatever it is given', () => {
  it('never throws, and either accepts or names every problem', () => {
    const valid = subscription('https://clinic.example/hook') as Json;
    const paths = [
      ['criteria'],
      ['_criteria'],
      ['status'],
      ['end'],
      ['extension'],
      ['channel'],
      ['channel', 'type'],
      ['channel', 'endpoint'],
      ['channel', 'header'],
      ['channel', 'extension'],
      ['channel', '_payload'],
      ['channel', 'payload'],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.anything(), (path, value) => {
        const body = JSON.parse(JSON.stringify(valid)) as Json;
        let node = body;
        for (const key of path.slice(0, -1)) node = node[key];
        node[path.at(-1)!] = value;
        const result = validateSubscription(JSON.parse(JSON.stringify(body) ?? 'null'), { mode: 'production', now: '2026-01-01T00:00:00Z' });
        if (!result.ok) for (const issue of result.issues) expect(issue.expression).toMatch(/^Subscription/);
      }),
      { numRuns: 500 },
    );
  });
  it('filter strings: a filter is accepted only with a known name and values in the form delivery compares', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('patient', 'class', 'attributed-organization', 'location', 'patient:not', ''),
        fc.array(fc.string(), { minLength: 1, maxLength: 3 }),
        (name, values) => {
          const body = subscription('https://clinic.example/hook', { filters: [`Encounter?${name}=${values.map(encodeURIComponent).join(',')}`] });
          const result = validateSubscription(body, { mode: 'production', now: '2026-01-01T00:00:00Z' });
          if (!result.ok) return;
          const [filter] = result.spec.filters;
          expect(['patient', 'class', 'attributed-organization']).toContain(filter!.name);
          for (const v of filter!.values)
            expect(v).toMatch(/^(Patient\/[A-Za-z0-9\-.]{1,64}|Organization\/[A-Za-z0-9\-.]{1,64}|IMP|EMER|OBSENC|SS|ACUTE|NONAC)$/);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('Subscription.end', () => {
  // Red team: an end written with an offset was compared as text, ending it hours early (or late).
  it('is kept as a UTC instant, whatever offset it is written in', () => {
    const later = new Date(Date.now() + 90 * 60_000);
    const local = new Date(later.getTime() - 5 * 3_600_000).toISOString().replace('Z', '-05:00');
    const result = validateSubscription({ ...subscription('http://127.0.0.1:9/hook'), end: local }, { mode: 'development', now: new Date().toISOString() });
    expect(result.ok && result.spec.end).toBe(later.toISOString());
  });
});
