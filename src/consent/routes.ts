import type { R4 } from '@smile-cdr/fhirts';
import { eq } from 'drizzle-orm';
import { Hono, type Context } from 'hono';
import { audit } from '../audit/record.js';
import { requesterOf } from '../auth/middleware.js';
import { isPurpose, type Purpose } from '../auth/purposes.js';
import type { Requester } from '../auth/requester.js';
import { breakGlass, resources } from '../db/schema.js';
import { FhirError } from '../fhir/errors.js';
import { FHIR_ID, type Resource } from '../fhir/types.js';
import { limitBody, readJson } from '../http/body.js';
import type { AppEnv } from '../http/env.js';
import { fhirJson } from '../http/fhir-response.js';
import { ingest, validateResource } from '../ingest/index.js';
import { readCurrent, resolvePerson } from '../store/read.js';
import { insertRows } from '../store/write.js';
import { categoryIndex, SENSITIVE } from './categories.js';
import { compileConsent } from './compile.js';
import type { Decision } from './decide.js';
import { digest } from './receipt.js';
import { bumpStatement, existingActors, replaceLinesStatements } from './store.js';

/** Consents are written by the gateway on the patient's behalf; this is their meta.source. */
export const CONSENT_SOURCE = 'urn:consent-gateway:patient-consents';
const CONSENT_SCOPE = 'http://terminology.hl7.org/CodeSystem/consentscope';

/** Patient consents (write, revoke), `$access` (what could someone see, and why), and break-the-glass. */
export function consentRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.post('/Consent', limitBody(), (c) => writeConsent(c, undefined));
  routes.put('/Consent/:id', limitBody(), (c) => writeConsent(c, c.req.param('id')));
  routes.get('/Patient/:id/$access', accessOperation);
  routes.post('/Patient/:id/$break-the-glass', limitBody(), breakTheGlass);
  return routes;
}

async function writeConsent(c: Context<AppEnv>, urlId: string | undefined): Promise<Response> {
  const { deps } = c.var;
  const requester = requesterOf(c);
  if (requester.kind !== 'person' || (requester.role !== 'patient' && requester.role !== 'caregiver') || !requester.patient) {
    throw FhirError.of(403, 'forbidden', 'Consents are written by patients, or by caregivers they have delegated to');
  }
  if (!deps.consent || !deps.signer) throw FhirError.of(405, 'not-supported', 'Consents are managed on the Node deployment');
  if (urlId !== undefined && !FHIR_ID.test(urlId)) throw FhirError.of(400, 'value', 'The id in the URL breaks the FHIR id rule');
  const body = await readJson(c);
  const issues = validateResource(body, 'Consent', 'Consent');
  if (issues.length > 0) throw new FhirError(400, issues);
  const consent = body as R4.Consent & Resource;
  if (urlId !== undefined && consent.id !== urlId) throw FhirError.of(400, 'invalid', "The Consent's id does not match the URL", 'Consent.id');
  if (!consent.scope?.coding?.some((code) => code.system === CONSENT_SCOPE && code.code === 'patient-privacy')) {
    throw FhirError.of(400, 'value', 'Consent.scope must be patient-privacy', 'Consent.scope');
  }
  if (!['active', 'inactive', 'draft', 'proposed', 'rejected', 'entered-in-error'].includes(String(consent.status))) throw FhirError.of(400, 'value', 'Consent.status is not a Consent status', 'Consent.status');
  const patientRef = /^Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(consent.patient?.reference ?? '');
  if (!patientRef) throw FhirError.of(400, 'required', 'Consent.patient must reference a Patient', 'Consent.patient');
  const person = (await resolvePerson(deps.db, patientRef[1]!)) ?? patientRef[1]!;
  if (person !== requester.patient) throw FhirError.of(403, 'forbidden', 'A Consent can only be written for the patient whose record this token is for', 'Consent.patient');
  if (requester.role === 'caregiver') {
    const delegated = await deps.consent.decide(person, { requester, cls: 'Consent', categories: ['normal'] });
    if (!delegated.permit) throw FhirError.of(403, 'forbidden', 'The patient has not delegated consent decisions to this caregiver');
  }
  const id = urlId ?? deps.newId();
  consent.id = id;
  const existing = await readCurrent(deps.db, 'Consent', id);
  if (existing && existing.patientId && ((await resolvePerson(deps.db, existing.patientId)) ?? existing.patientId) !== person) {
    throw FhirError.of(403, 'forbidden', 'That Consent belongs to another patient');
  }

  const result = compileConsent(consent, person, categoryIndex(deps.codeLists));
  if (!result.ok) throw new FhirError(400, result.issues);
  const compiled = result.lines;
  const actors = [...new Set(compiled.map((l) => l.actor).filter((a) => a !== '*'))];
  const known = await existingActors(deps.db, actors);
  const unknown = actors.filter((a) => !known.has(a));
  if (unknown.length > 0) throw FhirError.of(400, 'value', `Unknown actor: ${unknown.join(', ')}`, 'Consent.provision');

  if (consent.meta) delete (consent.meta as { source?: string }).source;
  const written = await ingest(deps, {
    source: CONSENT_SOURCE,
    channel: 'rest',
    mode: 'transaction',
    entries: [{ ok: true, request: { index: 0, method: 'PUT', type: 'Consent', id, resource: consent } }],
    alongside: replaceLinesStatements(deps.db, person, id, compiled),
  });
  const outcome = written.outcomes[0]!;
  if (!outcome.ok) throw new FhirError(outcome.status, outcome.issues);
  deps.consent.invalidate(person);
  deps.log('consent.changed', { by: requester.subject, role: requester.role, consent: `Consent/${id}`, status: consent.status, lines: compiled.length });
  await audit(c, { interaction: outcome.created ? 'create' : 'update', query: `Consent/${id}`, person, outcome: 'permit' });

  const stored = (await readCurrent(deps.db, 'Consent', id))!;
  const receipt = await deps.signer.sign({
    sub: person,
    consent: `Consent/${id}`,
    versionId: stored.versionId,
    status: consent.status,
    lines: compiled.length,
    digest: await digest(stored.content),
    by: requester.fhirUser ?? requester.subject,
  });
  return fhirJson(c, JSON.parse(stored.content), outcome.created ? 201 : 200, {
    location: `${deps.config.baseUrl}/fhir/Consent/${id}/_history/${stored.versionId}`,
    etag: `W/"${stored.versionId}"`,
    'consent-receipt': receipt,
  });
}

/**
 * `$access`: what could this actor see of this patient, and why. The patient may ask about their
 * own record, an operator about anyone; anyone else only about a patient they can see.
 */
async function accessOperation(c: Context<AppEnv>): Promise<Response> {
  const { deps } = c.var;
  const requester = requesterOf(c);
  if (!deps.consent) throw FhirError.of(405, 'not-supported', 'Decisions are served on the Node deployment');
  const person = (await resolvePerson(deps.db, c.req.param('id')!)) ?? undefined;
  const notFound = () => FhirError.of(404, 'not-found', `Patient/${c.req.param('id')} is not known`);
  if (!person) throw notFound();
  const self = requester.kind === 'person' && (requester.role === 'patient' || requester.role === 'caregiver') && requester.patient === person;
  const allowed = self || requester.role === 'operator' || (await deps.consent.decide(person, { requester, cls: 'Patient', categories: ['normal'] })).permit;
  await audit(c, { interaction: 'operation', query: `Patient/${person}/$access${new URL(c.req.url).search}`, person, outcome: allowed ? 'permit' : 'not-found' });
  if (!allowed) throw notFound();

  const actor = c.req.query('actor');
  const purposeParam = c.req.query('purpose');
  if (purposeParam !== undefined && !isPurpose(purposeParam)) throw FhirError.of(400, 'value', `Unknown purpose '${purposeParam}'`);
  const subject = actor ? await hypotheticalRequester(c, actor, purposeParam as Purpose | undefined) : requester;
  const classes = (c.req.query('class') ?? 'Patient,Encounter,Condition,Observation,Procedure,MedicationRequest,Coverage,ExplanationOfBenefit').split(',');
  const parameter = [];
  for (const cls of classes) {
    const decision = await deps.consent.decide(person, { requester: subject, cls, ...(purposeParam ? { purpose: purposeParam as Purpose } : {}) });
    parameter.push(decisionParameter(cls, decision));
  }
  return fhirJson(c, { resourceType: 'Parameters', parameter: [{ name: 'patient', valueReference: { reference: `Patient/${person}` } }, { name: 'actor', valueString: actor ?? requester.fhirUser ?? requester.subject }, ...parameter] });
}

function decisionParameter(cls: string, d: Decision) {
  return {
    name: 'access',
    part: [
      { name: 'class', valueCode: cls },
      { name: 'decision', valueCode: d.permit ? 'permit' : 'deny' },
      ...(d.purpose ? [{ name: 'purpose', valueCode: d.purpose }] : []),
      ...(d.permit ? SENSITIVE.filter((s) => d.obligations.redact.includes(s)).map((s) => ({ name: 'withheld', valueCode: s })) : []),
      ...d.reasons.map((r) => ({ name: 'reason', valueString: `${r.layer} ${r.effect}: ${r.detail} [${r.ref}]` })),
    ],
  };
}

/** The Requester an actor would be: a clinician at their organization, a caregiver, or an organization's system. */
export async function hypotheticalRequester(c: Context<AppEnv>, actor: string, purpose: Purpose | undefined): Promise<Requester> {
  const { db } = c.var.deps;
  const m = /^(Practitioner|RelatedPerson|Organization)\/([A-Za-z0-9\-.]{1,64})$/.exec(actor);
  if (!m) throw FhirError.of(400, 'value', 'actor must be Practitioner/, RelatedPerson/ or Organization/<id>');
  const base = { clientId: 'access-preview', scopes: [], scope: '', tokenId: `preview-${actor}`, expiresAt: Number.MAX_SAFE_INTEGER };
  if (m[1] === 'Practitioner') {
    const roles = await db.orm.select({ content: resources.content }).from(resources).where(eq(resources.type, 'PractitionerRole'));
    const role = roles.map((r) => JSON.parse(r.content) as R4.PractitionerRole).find((r) => r.practitioner?.reference === actor);
    if (!role?.organization?.reference) throw FhirError.of(400, 'value', `${actor} has no organization here`);
    return { ...base, kind: 'person', subject: actor, role: 'clinician', fhirUser: actor, organization: role.organization.reference, purposes: [purpose ?? 'TREAT'] };
  }
  if (m[1] === 'RelatedPerson') return { ...base, kind: 'person', subject: actor, role: 'caregiver', fhirUser: actor, patient: undefined as never, purposes: [purpose ?? 'FAMRQT'] };
  const payer = m[2]!.startsWith('payer-');
  return { ...base, kind: 'system', subject: actor, organization: actor, clientKind: payer ? 'payer' : 'source', purposes: purpose ? [purpose] : payer ? ['HPAYMT', 'HOPERAT'] : ['TREAT'] };
}

/**
 * `$break-the-glass`: a clinician with purpose ETREAT gives a reason and gets a time-boxed grant
 * for this patient. It is logged here and shown to the patient in their access history.
 */
async function breakTheGlass(c: Context<AppEnv>): Promise<Response> {
  const { deps } = c.var;
  const requester = requesterOf(c);
  if (!deps.consent) throw FhirError.of(405, 'not-supported', 'Break-the-glass is served on the Node deployment');
  if (requester.role !== 'clinician' || !requester.fhirUser || !requester.purposes.includes('ETREAT')) {
    throw FhirError.of(403, 'forbidden', 'Break-the-glass needs a clinician token with purpose ETREAT');
  }
  const person = await resolvePerson(deps.db, c.req.param('id')!);
  if (!person) throw FhirError.of(404, 'not-found', `Patient/${c.req.param('id')} is not known`);
  const body = (await readJson(c)) as { reason?: unknown; parameter?: { name?: string; valueString?: string }[] };
  const reason = typeof body.reason === 'string' ? body.reason : body.parameter?.find((p) => p.name === 'reason')?.valueString;
  if (!reason || reason.trim().length < 5) throw FhirError.of(400, 'required', 'Say why: a reason of at least 5 characters is required');
  const now = deps.clock();
  const expiresAt = new Date(now.getTime() + deps.consent.policies.defaults.breakGlassHours * 3600_000).toISOString();
  const id = deps.newId();
  await deps.db.atomic([
    ...insertRows(breakGlass, [{ id, patientId: person, practitioner: requester.fhirUser, organization: requester.organization ?? '', reason: reason.trim(), startedAt: now.toISOString(), expiresAt }]),
    bumpStatement(deps.db, person),
  ]);
  deps.consent.invalidate(person);
  deps.log('break-glass', { by: requester.fhirUser, organization: requester.organization, patient: person, grant: id, expiresAt });
  await audit(c, { interaction: 'operation', query: `Patient/${person}/$break-the-glass (${reason.trim().slice(0, 200)})`, person, outcome: 'permit', purpose: 'ETREAT', breakGlass: true });
  return fhirJson(c, { resourceType: 'Parameters', parameter: [{ name: 'grant', valueString: `break-glass/${id}` }, { name: 'expires', valueInstant: expiresAt }, { name: 'notice', valueString: 'The patient will see this access in their access history.' }] }, 201);
}

