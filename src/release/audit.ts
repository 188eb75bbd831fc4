import type { AuditTrail } from '../audit/trail.js';

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';

/** Who acted: the operator's name as given, and for the command line the system user that ran it. */
export interface Operator {
  via: 'cli' | 'start';
  id: string;
  osUser?: string;
}

export type LedgerAction = 'publish' | 'set-budget';

export interface LedgerChange {
  action: LedgerAction;
  when: string;
  operator: Operator;
  /** The release published (or refused: the request), or `privacy-budget`. */
  target: string;
  /** What was asked for and what changed, as short `name=value` facts; never data. */
  facts: readonly string[];
  /** Why it was refused; absent when it was made. */
  refused?: string;
}

/**
 * An operator's change to the public dataset (a release published, the privacy budget set) as
 * a FHIR AuditEvent: DICOM "Export" for a release, "Security Alert / Security Configuration"
 * for the budget, with who, what, the outcome and, for a refusal, why. Aggregates only: no
 * patient is named.
 */
export function ledgerAuditEvent(id: string, r: LedgerChange) {
  const type = r.action === 'publish' ? { system: DCM, code: '110106', display: 'Export' } : { system: DCM, code: '110113', display: 'Security Alert' };
  return {
    resourceType: 'AuditEvent',
    id,
    type,
    subtype: [
      ...(r.action === 'set-budget' ? [{ system: DCM, code: '110129', display: 'Security Configuration' }] : []),
      { system: 'urn:consent-gateway:audit', code: 'public-dataset' },
      { system: 'urn:consent-gateway:public-dataset', code: r.action },
    ],
    action: r.action === 'publish' ? 'C' : 'U',
    recorded: r.when,
    outcome: r.refused ? '4' : '0',
    outcomeDesc: r.refused ? `refused, nothing changed: ${r.refused}` : r.action === 'publish' ? 'published' : 'changed',
    agent: [
      {
        type: { coding: [{ system: DCM, code: '110153', display: 'Source Role ID' }] },
        who: { identifier: { system: 'urn:consent-gateway:operator', value: `${r.operator.via}:${r.operator.id}` } },
        requestor: true,
        role: [{ text: r.operator.via === 'cli' ? 'operator (command line)' : 'development start-up' }],
      },
      ...(r.operator.osUser
        ? [{ type: { text: 'system user' }, who: { identifier: { system: 'urn:consent-gateway:os-user', value: r.operator.osUser } }, requestor: false }]
        : []),
    ],
    source: { observer: { reference: 'Organization/org-hie' } },
    entity: [
      {
        what: { identifier: { system: 'urn:consent-gateway:public-dataset', value: r.target } },
        ...(r.facts.length > 0 ? { detail: r.facts.map((f) => ({ type: 'change', valueString: f })) } : {}),
      },
    ],
  };
}

/** Appends the change to the audit trail; awaited, so it is durable before the command reports. */
export function recordLedgerChange(audit: AuditTrail, newId: () => string, change: LedgerChange): Promise<void> {
  return audit.record(ledgerAuditEvent(newId(), change), undefined);
}
