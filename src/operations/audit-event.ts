import type { Operator } from './operator.js';

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';

/** What an operator did in the console: ran the chain check, recorded a finding, or looked at patient-linked data. */
export type OperatorAction = 'audit-verify' | 'break-glass-finding' | 'break-glass-view' | 'matching-view';

export interface OperatorRecord {
  id: string;
  when: string;
  operator: Operator;
  action: OperatorAction;
  /** What it was about: a grant id, a patient, or the audit chain. */
  what: { reference: string } | { identifier: { system: string; value: string } };
  /** Short `name=value` facts; never clinical data. */
  facts: readonly string[];
  outcome: 'ok' | 'refused' | 'found-problems';
  outcomeDesc: string;
}

/**
 * An operator's action as a FHIR AuditEvent (DICOM "Application Activity" for the chain check,
 * "Patient Record" for what touches a patient's emergency access or links), with the operator
 * as the requesting agent, as the participant changes are (src/participants/audit.ts).
 */
export function operatorAuditEvent(r: OperatorRecord) {
  const patientRecord = r.action !== 'audit-verify';
  return {
    resourceType: 'AuditEvent',
    id: r.id,
    type: patientRecord ? { system: DCM, code: '110110', display: 'Patient Record' } : { system: DCM, code: '110100', display: 'Application Activity' },
    subtype: [
      { system: 'urn:consent-gateway:audit', code: 'operator-console' },
      { system: 'urn:consent-gateway:operator', code: r.action },
    ],
    action: r.action === 'break-glass-finding' ? 'C' : r.action === 'audit-verify' ? 'E' : 'R',
    recorded: r.when,
    outcome: r.outcome === 'refused' ? '4' : '0',
    outcomeDesc: r.outcomeDesc,
    purposeOfEvent: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'HSYSADMIN' }] }],
    agent: [
      {
        type: { coding: [{ system: DCM, code: '110153', display: 'Source Role ID' }] },
        who: {
          identifier: { system: 'urn:consent-gateway:operator', value: r.operator.account },
          ...(r.operator.fhirUser ? { display: r.operator.fhirUser } : {}),
        },
        requestor: true,
        role: [{ text: 'operator' }],
        policy: [r.operator.tokenId],
      },
      { type: { text: 'client' }, who: { identifier: { system: 'urn:consent-gateway:client', value: r.operator.clientId } }, requestor: false },
    ],
    source: { observer: { reference: 'Organization/org-hie' } },
    entity: [{ what: r.what, ...(r.facts.length > 0 ? { detail: r.facts.map((f) => ({ type: 'detail', valueString: f })) } : {}) }],
  };
}
