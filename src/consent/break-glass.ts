import type { Requester } from '../auth/requester.js';
import type { AuditTrail } from '../audit/trail.js';
import type { Database } from '../db/database.js';
import { breakGlass, notificationEvents } from '../db/schema.js';
import { FhirError } from '../fhir/errors.js';
import { resolvePerson } from '../store/read.js';
import { insertRows } from '../store/write.js';
import { announce, type OutboxListener } from '../subscriptions/outbox.js';
import type { ConsentEngine } from './engine.js';
import { bumpStatement } from './store.js';

export interface BreakGlassDeps {
  db: Database;
  consent: ConsentEngine;
  audit: AuditTrail;
  clock: () => Date;
  newId: () => string;
  log: (event: string, detail: Record<string, unknown>) => void;
  onCommitted?: OutboxListener;
}

/**
 * `$break-the-glass`: a clinician with purpose ETREAT gives a reason and gets a time-boxed grant
 * for this patient, stored with a consent version bump so every process sees it at once. It is
 * logged and audited, and shown to the patient in her access history.
 */
export async function grantBreakGlass(
  deps: BreakGlassDeps,
  requester: Requester,
  patientId: string,
  reason: string | undefined,
): Promise<{ grant: string; expiresAt: string }> {
  if (requester.role !== 'clinician' || !requester.fhirUser || !requester.purposes.includes('ETREAT'))
    throw FhirError.of(403, 'forbidden', 'Break-the-glass needs a clinician token with purpose ETREAT');
  const person = await resolvePerson(deps.db, patientId);
  if (!person) throw FhirError.of(404, 'not-found', `Patient/${patientId} is not known`);
  if (!reason || reason.trim().length < 5) throw FhirError.of(400, 'required', 'Say why: a reason of at least 5 characters is required');
  // The clinician page's limit: a reason is a sentence, not a document stored in every grant and audit event.
  if (reason.trim().length > 500) throw FhirError.of(400, 'too-long', 'The reason can be at most 500 characters');
  const now = deps.clock();
  const expiresAt = new Date(now.getTime() + deps.consent.policies.defaults.breakGlassHours * 3600_000).toISOString();
  const id = deps.newId();
  const auditId = deps.newId();
  const practitioner = requester.fhirUser;
  await deps.consent.writing(person, () =>
    deps.db.atomic([
      ...insertRows(breakGlass, [
        {
          id,
          patientId: person,
          practitioner,
          organization: requester.organization ?? '',
          reason: reason.trim(),
          startedAt: now.toISOString(),
          expiresAt,
        },
      ]),
      bumpStatement(deps.db, person),
      // Her notice of it commits with the grant (the outbox): a grant can never go untold. The
      // focus is the grant's AuditEvent, recorded below under this id, which she can read.
      ...insertRows(notificationEvents, [
        {
          id: `break-glass-${id}`,
          topic: 'break-the-glass',
          focus: `AuditEvent/${auditId}`,
          versionId: null,
          patientId: person,
          encounterClass: null,
          occurred: now.toISOString(),
          recorded: now.toISOString(),
        },
      ]),
    ]),
  );
  deps.log('break-glass', { by: requester.fhirUser, organization: requester.organization, patient: person, grant: id, expiresAt });
  await deps.audit.access({
    requester,
    interaction: 'operation',
    query: `Patient/${person}/$break-the-glass (${reason.trim().slice(0, 200)})`,
    person,
    outcome: 'permit',
    purpose: 'ETREAT',
    breakGlass: true,
    when: now.toISOString(),
    id: auditId,
  });
  // After her AuditEvent is recorded: the notice points at it.
  await announce(deps, [`break-glass-${id}`]);
  return { grant: `break-glass/${id}`, expiresAt };
}
