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
  notification?: NotificationFacts;
  when: string;
  id: string;
}

export interface NotificationFacts {
  subscription: string;
  eventNumber?: number;
  topic: string;
  told?: 'full' | 'notice';
  focus?: string;
  encounterClass?: string;
  occurred?: string;
}

/** Decisions an event keeps: the first six, enough to say why without copying a long policy walk. */
const MAX_REASONS = 6;

/**
 * An access as the trail stores it: the facts only, a few hundred bytes, from which the full
 * BALP AuditEvent is rendered when someone reads it (`renderAccess`). Each field is one column
 * of `audit_events`, and the chain hashes exactly these fields (src/audit/rows.ts).
 */
export interface CompactAccess {
  id: string;
  recorded: string;
  person: string | null;
  interaction: AccessRecord['interaction'];
  query: string;
  outcome: AccessRecord['outcome'];
  purpose: string | null;
  /** The requester's fhirUser, when the token named one. */
  agent: string | null;
  role: string | null;
  organization: string | null;
  /** Null for an unauthenticated request. */
  client: string | null;
  /** The access token's id (jti). */
  token: string | null;
  breakGlass: 0 | 1;
  /** The deciding reasons, `layer effect: ref` each (the ref names the Consent provision, DUA line or grant), newline-separated. */
  reasons: string | null;
  /** A source write's counts or a notification's facts, as JSON. */
  detail: string | null;
}

export function compactAccess(a: AccessRecord): CompactAccess {
  const r = a.requester;
  let reasons: string | null = null;
  if (a.reasons && a.reasons.length > 0) {
    reasons = '';
    const n = Math.min(a.reasons.length, MAX_REASONS);
    for (let i = 0; i < n; i++) {
      const x = a.reasons[i]!;
      reasons += `${i > 0 ? '\n' : ''}${x.layer} ${x.effect}: ${x.ref.replace(/\n/g, ' ')}`;
    }
  }
  return {
    id: a.id,
    recorded: a.when,
    person: a.person ?? null,
    interaction: a.interaction,
    query: a.query,
    outcome: a.outcome,
    purpose: a.purpose ?? null,
    agent: r?.fhirUser ?? null,
    role: r?.role ?? null,
    organization: r?.organization ?? null,
    client: r?.clientId ?? null,
    token: r?.tokenId ?? null,
    breakGlass: a.breakGlass ? 1 : 0,
    reasons,
    detail: a.notification ? JSON.stringify({ notification: a.notification }) : a.written ? JSON.stringify({ written: a.written }) : null,
  };
}

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const REST = 'http://hl7.org/fhir/restful-interaction';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';

/**
 * A FHIR AuditEvent in the shape of IHE Basic Audit Log Patterns: who (user and client), for
 * which organization, the purpose, what was accessed, the outcome, and the deciding reason.
 * It holds references and the query, never the data returned. Pure: the same row always
 * renders the same event.
 */
export function renderAccess(a: CompactAccess) {
  const action = a.interaction === 'create' ? 'C' : a.interaction === 'update' ? 'U' : a.interaction === 'operation' ? 'E' : 'R';
  const outcome = a.outcome === 'permit' ? '0' : a.outcome === 'error' ? '8' : '4';
  const detail = a.detail ? (JSON.parse(a.detail) as { written?: AccessRecord['written']; notification?: NotificationFacts }) : {};
  const decisions = a.reasons ? a.reasons.split('\n').map((valueString) => ({ type: 'decision', valueString })) : [];
  const entityDetail = detail.notification
    ? notificationDetail(detail.notification)
    : detail.written
      ? [
          { type: 'source', valueString: detail.written.source },
          { type: 'created', valueString: String(detail.written.created) },
          { type: 'updated', valueString: String(detail.written.updated) },
        ]
      : decisions;
  return {
    resourceType: 'AuditEvent',
    id: a.id,
    meta: { profile: ['https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.Read'] },
    type: { system: DCM, code: '110110', display: 'Patient Record' },
    subtype: [{ system: REST, code: a.interaction }],
    action,
    recorded: a.recorded,
    outcome,
    outcomeDesc: a.outcome === 'permit' ? 'permitted' : a.outcome === 'not-found' ? 'not found or not permitted' : a.outcome,
    ...(a.breakGlass ? { extension: [{ url: 'urn:consent-gateway:break-glass', valueBoolean: true }] } : {}),
    purposeOfEvent: a.purpose ? [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: a.purpose }] }] : [],
    agent:
      a.client !== null
        ? [
            {
              type: { coding: [{ system: DCM, code: '110153', display: 'Source Role ID' }] },
              who: a.agent ? { reference: a.agent } : { identifier: { system: 'urn:consent-gateway:client', value: a.client } },
              requestor: true,
              ...(a.role ? { role: [{ text: a.role }] } : {}),
              ...(a.token ? { policy: [a.token] } : {}),
            },
            ...(a.organization ? [{ type: { text: 'organization' }, who: { reference: a.organization }, requestor: false }] : []),
            { type: { text: 'client' }, who: { identifier: { system: 'urn:consent-gateway:client', value: a.client } }, requestor: false },
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
        ...(entityDetail.length > 0 ? { detail: entityDetail } : {}),
      },
    ],
  };
}

/** The full AuditEvent of an access, as it is rendered when read (tests and callers that build one directly). */
export function auditEvent(a: AccessRecord) {
  return renderAccess(compactAccess(a));
}

/** The entity details a notification's audit record carries, so her accounting (and the portal) can say what she was told of. */
function notificationDetail(n: NotificationFacts) {
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
