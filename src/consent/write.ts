import type { R4 } from '@smile-cdr/fhirts';
import type { Requester } from '../auth/requester.js';
import type { AuditTrail } from '../audit/trail.js';
import type { Database } from '../db/database.js';
import { FhirError } from '../fhir/errors.js';
import { parseReference } from '../fhir/references.js';
import { FHIR_ID, type Resource } from '../fhir/types.js';
import { ingest, validateResource } from '../ingest/index.js';
import type { CompiledCodeLists } from '../labels/index.js';
import { readCurrent, resolvePerson } from '../store/read.js';
import { categoryIndex } from './categories.js';
import { compileConsent } from './compile.js';
import type { ConsentEngine } from './engine.js';
import { digest, type ReceiptSigner } from './receipt.js';
import { existingActors, replaceLinesStatements } from './store.js';

/** Consents are written by the gateway on the patient's behalf; this is their meta.source. */
export const CONSENT_SOURCE = 'urn:consent-gateway:patient-consents';
const CONSENT_SCOPE = 'http://terminology.hl7.org/CodeSystem/consentscope';
const ORIGIN = 'urn:consent-gateway:consent-origin';
const RECORDED_ON_BEHALF = { system: ORIGIN, code: 'recorded-on-behalf', display: "Recorded by an operator on the patient's behalf (a paper consent)" };
const STATUSES = ['active', 'inactive', 'draft', 'proposed', 'rejected', 'entered-in-error'];

export interface ConsentWriteDeps {
  db: Database;
  consent: ConsentEngine;
  audit: AuditTrail;
  signer?: ReceiptSigner;
  codeLists: CompiledCodeLists;
  clock: () => Date;
  newId: () => string;
  log: (event: string, detail: Record<string, unknown>) => void;
}

export interface WrittenConsent {
  id: string;
  versionId: number;
  content: string;
  created: boolean;
  /** A JWS the patient can check offline against the gateway's published keys. */
  receipt: string;
}

/**
 * A patient writes (or revokes) her own Consent; a caregiver may when she has delegated the
 * Consent class to him. Checked, compiled to policy lines and stored with them in one
 * transaction, then audited and signed. Any problem is a 4xx and nothing is written.
 */
export async function writeConsent(deps: ConsentWriteDeps, requester: Requester, body: unknown, urlId: string | undefined): Promise<WrittenConsent> {
  const operator = requester.kind === 'person' && requester.role === 'operator';
  const forPatient = requester.kind === 'person' && (requester.role === 'patient' || requester.role === 'caregiver') && requester.patient !== undefined;
  if (!operator && !forPatient) {
    throw FhirError.of(403, 'forbidden', 'Consents are written by patients, by caregivers they have delegated to, or by an operator recording a paper consent');
  }
  if (!deps.signer) throw FhirError.of(405, 'not-supported', 'Consents are written where the gateway holds its signing key');
  if (urlId !== undefined && !FHIR_ID.test(urlId)) throw FhirError.of(400, 'value', 'The id in the URL breaks the FHIR id rule');
  const issues = validateResource(body, 'Consent', 'Consent');
  if (issues.length > 0) throw new FhirError(400, issues);
  const consent = body as R4.Consent & Resource;
  if (urlId !== undefined && consent.id !== urlId) throw FhirError.of(400, 'invalid', "The Consent's id does not match the URL", 'Consent.id');
  const coding: unknown = consent.scope?.coding;
  if (coding !== undefined && !Array.isArray(coding)) throw FhirError.of(400, 'structure', 'Consent.scope.coding must be a list', 'Consent.scope.coding');
  if (!consent.scope?.coding?.some((code) => code.system === CONSENT_SCOPE && code.code === 'patient-privacy'))
    throw FhirError.of(400, 'value', 'Consent.scope must be patient-privacy', 'Consent.scope');
  if (!STATUSES.includes(String(consent.status))) throw FhirError.of(400, 'value', 'Consent.status is not a Consent status', 'Consent.status');
  const patientRef = parseReference(consent.patient?.reference, ['Patient']);
  if (!patientRef || patientRef.version !== undefined || consent.patient?.reference !== `Patient/${patientRef.id}`)
    throw FhirError.of(400, 'required', 'Consent.patient must reference a Patient', 'Consent.patient');
  const person = await resolvePerson(deps.db, patientRef.id);
  if (!person || (!operator && person !== requester.patient))
    throw FhirError.of(403, 'forbidden', 'A Consent can only be written for the patient whose record this token is for', 'Consent.patient');
  if (requester.role === 'caregiver' && !(await deps.consent.decide(person, { requester, cls: 'Consent', categories: ['normal'] })).permit) {
    throw FhirError.of(403, 'forbidden', 'The patient has not delegated her consents to this caregiver (a share must name the Consent class)');
  }
  // Ids are the server's: a new Consent gets a fresh one (POST), and PUT changes only one of this
  // patient's own. Another patient's id answers exactly as an id nobody holds, so ids neither
  // collide between patients nor reveal that another patient has one.
  if (urlId !== undefined) {
    const existing = await readCurrent(deps.db, 'Consent', urlId);
    const owner = existing?.patientId ? await resolvePerson(deps.db, existing.patientId) : undefined;
    if (owner !== person)
      throw FhirError.of(404, 'not-found', `This patient has no Consent/${urlId}: create a Consent with POST, and the server assigns its id`);
  }
  const id = urlId ?? `consent-${deps.newId()}`;
  consent.id = id;

  const compiled = compileConsent(consent, person, categoryIndex(deps.codeLists));
  if (!compiled.ok) throw new FhirError(400, compiled.issues);
  // 42 CFR Part 2 records are opened only by the patient's own written consent.
  if (requester.role === 'caregiver' && compiled.lines.some((l) => l.effect === 'allow' && l.label === 'sud')) {
    throw FhirError.of(403, 'forbidden', 'A caregiver cannot open substance use disorder (42 CFR Part 2) records; only the patient can', 'Consent.provision');
  }
  // A delegation lets him act for her, not for himself: no allow may reach him (by his own
  // reference, his organization, or everyone), so he cannot widen his own grant.
  if (requester.role === 'caregiver') {
    const him = new Set(['*', requester.fhirUser, requester.organization].filter((x): x is string => x !== undefined));
    if (compiled.lines.some((l) => l.effect === 'allow' && him.has(l.actor)))
      throw FhirError.of(403, 'forbidden', 'A caregiver cannot widen what he himself may see; only the patient can', 'Consent.provision');
  }
  const actors = [...new Set(compiled.lines.map((l) => l.actor).filter((a) => a !== '*'))];
  const known = await existingActors(deps.db, actors);
  const unknown = actors.filter((a) => !known.has(a));
  if (unknown.length > 0) throw FhirError.of(400, 'value', `Unknown actor: ${unknown.join(', ')}`, 'Consent.provision');

  consent.meta = originMeta(consent.meta, operator);
  // Bracketed by her version, so every isolate's next decision about her reads this one.
  const written = await deps.consent.writing(person, () =>
    ingest(deps, {
      source: CONSENT_SOURCE,
      channel: 'rest',
      mode: 'transaction',
      entries: [{ ok: true, request: { index: 0, method: 'PUT', type: 'Consent', id, resource: consent } }],
      alongside: replaceLinesStatements(deps.db, person, id, compiled.lines),
      consentAuthor: true,
    }),
  );
  const outcome = written.outcomes[0]!;
  if (!outcome.ok) throw new FhirError(outcome.status, outcome.issues);
  deps.log('consent.changed', { by: requester.subject, role: requester.role, consent: `Consent/${id}`, status: consent.status, lines: compiled.lines.length });
  await deps.audit.access({
    requester,
    interaction: outcome.created ? 'create' : 'update',
    query: `Consent/${id}`,
    person,
    outcome: 'permit',
    when: deps.clock().toISOString(),
    id: deps.newId(),
  });

  const stored = (await readCurrent(deps.db, 'Consent', id))!;
  const receipt = await deps.signer.sign({
    sub: person,
    consent: `Consent/${id}`,
    versionId: stored.versionId,
    status: consent.status,
    lines: compiled.lines.length,
    digest: await digest(stored.content),
    by: requester.fhirUser ?? requester.subject,
  });
  return { id, versionId: stored.versionId, content: stored.content, created: outcome.created, receipt };
}

/**
 * The stored meta: no source (the gateway is the writer), and an origin tag only when an
 * operator recorded a paper consent; the patient's own later version drops it (she wrote that one).
 */
function originMeta(meta: R4.Meta | undefined, operator: boolean): R4.Meta {
  const { source: _source, tag, ...rest } = meta ?? {};
  const tags = (Array.isArray(tag) ? tag : []).filter((t) => t?.system !== ORIGIN);
  if (operator) tags.push(RECORDED_ON_BEHALF);
  return { ...rest, ...(tags.length > 0 ? { tag: tags } : {}) };
}
