import type { Actor } from './types.js';

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';

export type ChangeAction = 'add-organization' | 'add-client' | 'add-dua-version' | 'end-dua-version' | 'suspend' | 'resume';

export interface ChangeRecord {
  id: string;
  when: string;
  actor: Actor;
  action: ChangeAction;
  /** What changed: an organization reference, a client id, or `dua|version`. */
  target: { kind: 'organization' | 'client' | 'dua'; id: string };
  /** What was asked for, as short `name=value` facts; never key material. */
  facts: readonly string[];
  /** Why it was refused; absent when it was made. */
  refused?: readonly string[];
}

/**
 * A participant change as a FHIR AuditEvent (DICOM "Security Alert", subtype "Security
 * Configuration"): who (operator account or CLI user), what, the outcome and, for a refusal,
 * why. Participants are organizations and machines, so no patient data is ever in it.
 */
export function changeAuditEvent(r: ChangeRecord) {
  const who = { identifier: { system: 'urn:consent-gateway:operator', value: r.actor.via === 'api' ? r.actor.id : `${r.actor.via}:${r.actor.id}` } };
  const what =
    r.target.kind === 'organization'
      ? { reference: r.target.id }
      : { identifier: { system: r.target.kind === 'client' ? 'urn:consent-gateway:client' : 'urn:consent-gateway:dua', value: r.target.id } };
  return {
    resourceType: 'AuditEvent',
    id: r.id,
    type: { system: DCM, code: '110113', display: 'Security Alert' },
    subtype: [
      { system: DCM, code: '110129', display: 'Security Configuration' },
      { system: 'urn:consent-gateway:audit', code: 'participants' },
      { system: 'urn:consent-gateway:participants', code: r.action },
    ],
    action: r.action.startsWith('add-') ? 'C' : 'U',
    recorded: r.when,
    outcome: r.refused ? '4' : '0',
    outcomeDesc: r.refused ? `refused, nothing changed: ${r.refused.join('; ')}` : 'changed',
    agent: [
      {
        type: { coding: [{ system: DCM, code: '110153', display: 'Source Role ID' }] },
        who: r.actor.fhirUser ? { ...who, display: r.actor.fhirUser } : who,
        requestor: true,
        role: [{ text: r.actor.via === 'api' ? 'operator' : r.actor.via === 'cli' ? 'operator (command line)' : 'development seed' }],
        ...(r.actor.tokenId ? { policy: [r.actor.tokenId] } : {}),
      },
      ...(r.actor.clientId
        ? [{ type: { text: 'client' }, who: { identifier: { system: 'urn:consent-gateway:client', value: r.actor.clientId } }, requestor: false }]
        : []),
    ],
    source: { observer: { reference: 'Organization/org-hie' } },
    entity: [{ what, ...(r.facts.length > 0 ? { detail: r.facts.map((f) => ({ type: 'change', valueString: f })) } : {}) }],
  };
}
