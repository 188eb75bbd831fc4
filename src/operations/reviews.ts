import { decideReview, pendingReviews, reviewsOf, type GrantReview, type ReviewRefusal } from '../consent/break-glass-review.js';
import { operatorAuditEvent } from './audit-event.js';
import type { OperationsDeps } from './deps.js';
import type { Finding } from './finding.js';
import type { Operator } from './operator.js';

/**
 * The emergency accesses waiting for a finding, those the patient asked about first. Each
 * patient whose grant is shown gets an audit event of the operator's viewing it (her accounting
 * of disclosures lists it), committed before the list is returned.
 */
export async function reviewQueue(deps: OperationsDeps, operator: Operator): Promise<GrantReview[]> {
  const pending = await pendingReviews(deps.db);
  const when = deps.clock().toISOString();
  const patients = [...new Set(pending.map((r) => r.grant.patientId))];
  await Promise.all(
    patients.map((patient) =>
      deps.audit.record(
        operatorAuditEvent({
          id: deps.newId(),
          when,
          operator,
          action: 'break-glass-view',
          what: { reference: `Patient/${patient}` },
          facts: pending.filter((r) => r.grant.patientId === patient).map((r) => `grant=${r.grant.id}`),
          outcome: 'ok',
          outcomeDesc: 'emergency accesses waiting for review shown',
        }),
        patient,
      ),
    ),
  );
  return pending;
}

/**
 * Records an operator's finding (appropriate or not, with a note) and audits it, made or
 * refused. The store refuses a second finding for one grant, so two operators deciding at once
 * leave one finding, and the other is told.
 */
export async function recordFinding(deps: OperationsDeps, operator: Operator, finding: Finding): Promise<ReviewRefusal | undefined> {
  const when = deps.clock().toISOString();
  const refusal = await decideReview(deps.db, {
    grantId: finding.grantId,
    actor: operator.account,
    outcome: finding.outcome,
    note: finding.note,
    at: when,
    id: deps.newId(),
  });
  const patient = refusal === 'unknown-grant' ? undefined : await patientOf(deps, finding.grantId);
  await deps.audit.record(
    operatorAuditEvent({
      id: deps.newId(),
      when,
      operator,
      action: 'break-glass-finding',
      what: { identifier: { system: 'urn:consent-gateway:break-glass', value: finding.grantId } },
      // The note stays in the review store; the trail says what was found, not the operator's words about a patient.
      facts: [`outcome=${finding.outcome}`, ...(patient ? [`patient=Patient/${patient}`] : [])],
      outcome: refusal ? 'refused' : 'ok',
      outcomeDesc: refusal ? `refused: ${refusal}` : `found ${finding.outcome}`,
    }),
    patient,
  );
  return refusal;
}

async function patientOf(deps: OperationsDeps, grantId: string): Promise<string | undefined> {
  return (await reviewsOf(deps.db, { grantIds: [grantId] }))[0]?.grant.patientId;
}
