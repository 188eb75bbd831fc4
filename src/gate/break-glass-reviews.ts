import { requestReview, reviewsOf, type GrantReview, type ReviewRefusal } from '../consent/break-glass-review.js';
import { readCurrent, resolvePerson } from '../store/read.js';
import type { GateContext } from './context.js';
import { actsForPatient } from './access.js';

/** One emergency opening of her record as she is told of it, with where its review stands. */
export interface TheirGrant {
  id: string;
  practitioner: string;
  organization: string;
  reason: string;
  startedAt: string;
  expiresAt: string;
  requests: GrantReview['requests'];
  decision?: GrantReview['decision'];
}

// Who may read her break-the-glass grants and ask for their review: she, or the caregiver she
// has delegated her consents to (actsForPatient). Anyone else, and anyone asking about a grant
// of another patient, is answered as if the grant did not exist.

/** `Patient/{id}/$break-glass-reviews`: her grants, newest first, each with its review; undefined (not found) for anyone else. */
export async function grantsOfHers(g: GateContext, patientId: string): Promise<TheirGrant[] | undefined> {
  const person = await resolvePerson(g.deps.db, patientId, g.generation());
  const allowed = person !== undefined && (await actsForPatient(g, person));
  await g.audit({
    interaction: 'operation',
    query: `Patient/${patientId}/$break-glass-reviews`,
    ...(person ? { person } : {}),
    outcome: allowed ? 'permit' : 'not-found',
  });
  if (!person || !allowed) return undefined;
  return (await reviewsOf(g.deps.db, { person })).map(({ grant, requests, decision }) => ({
    id: grant.id,
    practitioner: grant.practitioner,
    organization: grant.organization,
    reason: grant.reason,
    startedAt: grant.startedAt,
    expiresAt: grant.expiresAt,
    requests,
    ...(decision ? { decision } : {}),
  }));
}

/**
 * She (or the caregiver acting for her) asks for a review of one of her grants, with a note.
 * A grant of another patient is 'unknown-grant', exactly as one that does not exist. Audited
 * either way; the store appends, so nothing half-changes.
 */
export async function askForReview(g: GateContext, patientId: string, grantId: string, note: string): Promise<ReviewRefusal | undefined> {
  const person = await resolvePerson(g.deps.db, patientId, g.generation());
  const allowed = person !== undefined && (await actsForPatient(g, person));
  const refusal =
    person && allowed
      ? await requestReview(g.deps.db, {
          grantId,
          person,
          actor: g.requester.fhirUser ?? g.requester.subject,
          note,
          at: g.deps.clock().toISOString(),
          id: g.deps.newId(),
        })
      : 'unknown-grant';
  await g.audit({
    interaction: 'create',
    query: `Patient/${patientId}/$request-review?grant=${grantId}`,
    ...(person ? { person } : {}),
    outcome: refusal === undefined ? 'permit' : refusal === 'unknown-grant' ? 'not-found' : 'deny',
  });
  return refusal;
}

/**
 * Her name, for the pages of the caregiver registered for her (he acts for her, or reads what
 * she shares, and the page must say for whom) and for her own. Her name only: nothing else of
 * her Patient record, which a caregiver sees only if she shares it. Anyone else: undefined.
 */
export async function nameOfHers(g: GateContext, patientId: string): Promise<string | undefined> {
  const r = g.requester;
  const person = await resolvePerson(g.deps.db, patientId, g.generation());
  const hers = person !== undefined && r.kind === 'person' && (r.role === 'patient' || r.role === 'caregiver') && r.patient === person;
  await g.audit({ interaction: 'operation', query: `Patient/${patientId}/$name`, ...(person ? { person } : {}), outcome: hers ? 'permit' : 'not-found' });
  if (!hers) return undefined;
  const row = await readCurrent(g.deps.db, 'Patient', patientId);
  if (!row) return undefined;
  const n = (JSON.parse(row.content) as { name?: { given?: string[]; family?: string }[] }).name?.[0];
  return [n?.given?.join(' '), n?.family].filter(Boolean).join(' ') || undefined;
}
