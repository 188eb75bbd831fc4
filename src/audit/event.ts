import type { Requester } from '../auth/requester.js';
import type { Reason } from '../consent/decide.js';

export interface AccessRecord {
  requester: Requester | undefined;
  /** FHIR restful interaction: read, vread, history-instance, search-type, operation, create, update. */
  interaction: 'read' | 'vread' | 'history-instance' | 'search-type' | 'operation' | 'create' | 'update';
  /** What was asked for, e.g. `Observation/o1` or `Observation?patient=p1&code=4548-4`. */
  query: string;
  person?: string;
  outcome: 'permit' | 'deny' | 'not-found' | 'error';
  reasons?: readonly Reason[];
  purpose?: string;
  breakGlass?: boolean;
  /** For a source write: the sending system and how many of the person's resources it created and updated. */
  written?: { source: string; created: number; updated: number };
  /** For a notification sent to a subscriber: which, and what it told (nothing past its number when `told` is absent). */
  notification?: {
    subscription: string;
    eventNumber?: number;
    topic: string;
    told?: 'full' | 'notice';
    focus?: string;
    encounterClass?: string;
    occurred?: string;
  };
  when: string;
  id: string;
}

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const REST = 'http://hl7.org/fhir/restful-interaction';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';

/**
 * A FHIR AuditEvent in the shape of IHE Basic Audit Log Patterns: who (user and client), for
 * which organization, the purpose, what was accessed, the outcome, and the deciding reason.
 * It holds references and the query, never the data returned.
 */
export function auditEvent(a: AccessRecord) {
  const r = a.requester;
  const action = a.interaction === 'create' ? 'C' : a.interaction === 'update' ? 'U' : a.interaction === 'operation' ? 'E' : 'R';
  const outcome = a.outcome === 'permit' ? '0' : a.outcome === 'error' ? '8' : '4';
  return {
    resourceType: 'AuditEvent',
    id: a.id,
    meta: { profile: ['https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.Read'] },
    type: { system: DCM, code: '110110', display: 'Patient Record' },
    subtype: [{ system: REST, code: a.interaction }],
    action,
    recorded: a.when,
    outcome,
    outcomeDesc: a.outcome === 'permit' ? 'permitted' : a.outcome === 'not-found' ? 'not found or not permitted' : a.outcome,
    ...(a.breakGlass ? { extension: [{ url: 'urn:consent-gateway:break-glass', valueBoolean: true }] } : {}),
    purposeOfEvent: a.purpose ? [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: a.purpose }] }] : [],
    agent: r
      ? [
          {
            type: { coding: [{ system: DCM, code: '110153', display: 'Source Role ID' }] },
            who: r.fhirUser ? { reference: r.fhirUser } : { identifier: { system: 'urn:consent-gateway:client', value: r.clientId } },
            requestor: true,
            ...(r.role ? { role: [{ text: r.role }] } : {}),
            policy: [r.tokenId],
          },
          ...(r.organization ? [{ type: { text: 'organization' }, who: { reference: r.organization }, requestor: false }] : []),
          { type: { text: 'client' }, who: { identifier: { system: 'urn:consent-gateway:client', value: r.clientId } }, requestor: false },
        ]
      : [{ type: { text: 'anonymous' }, who: { display: 'unauthenticated' }, requestor: true }],
    source: { observer: { reference: 'Organization/org-hie' } },
    entity: [
      ...(a.person ? [{ what: { reference: `Patient/${a.person}` }, role: { system: OBJECT_ROLE, code: '1', display: 'Patient' } }] : []),
      {
        what: { identifier: { value: a.query } },
        role: {
          system: OBJECT_ROLE,
          code: a.interaction === 'search-type' ? '24' : '4',
          display: a.interaction === 'search-type' ? 'Query' : 'Domain Resource',
        },
        ...(a.reasons && a.reasons.length > 0
          ? { detail: a.reasons.slice(0, 6).map((x) => ({ type: 'decision', valueString: `${x.layer} ${x.effect}: ${x.ref}` })) }
          : {}),
        ...(a.written
          ? {
              detail: [
                { type: 'source', valueString: a.written.source },
                { type: 'created', valueString: String(a.written.created) },
                { type: 'updated', valueString: String(a.written.updated) },
              ],
            }
          : {}),
        ...(a.notification ? { detail: notificationDetail(a.notification) } : {}),
      },
    ],
  };
}

/** The entity details a notification's audit record carries, so her accounting (and the portal) can say what she was told of. */
function notificationDetail(n: NonNullable<AccessRecord['notification']>) {
  const fields: [string, string | number | undefined][] = [
    ['subscription', n.subscription],
    ['event-number', n.eventNumber],
    ['topic', n.topic],
    ['disclosed', n.told ?? 'nothing'],
    ['focus', n.focus],
    ['class', n.encounterClass],
    ['occurred', n.occurred],
  ];
  return fields.filter(([, v]) => v !== undefined).map(([type, v]) => ({ type, valueString: String(v) }));
}
