/**
 * The subscription topics this gateway offers (HL7 Subscriptions R5 Backport IG, topic-based
 * subscriptions on R4), and the pure rule that turns a change of an Encounter into topic events.
 *
 * An event is about an encounter that a provider must hear of to follow up: inpatient,
 * emergency, observation or short-stay. Ambulatory and virtual visits raise none.
 */

export const TOPIC_BASE = 'https://consent-gateway.example/fhir/SubscriptionTopic';

export const TOPICS = {
  'encounter-start': {
    canonical: `${TOPIC_BASE}/encounter-start`,
    title: 'Encounter start',
    description: 'An inpatient, emergency or observation encounter begins (status becomes in-progress or arrived).',
  },
  'encounter-end': {
    canonical: `${TOPIC_BASE}/encounter-end`,
    title: 'Encounter end',
    description: 'An inpatient, emergency or observation encounter ends (status becomes finished), with its discharge disposition.',
  },
  'encounter-transfer': {
    canonical: `${TOPIC_BASE}/encounter-transfer`,
    title: 'Encounter transfer',
    description: 'An emergency visit becomes an inpatient or observation stay, or a patient is discharged to another facility.',
  },
  'break-the-glass': {
    canonical: `${TOPIC_BASE}/break-the-glass`,
    title: 'Emergency access to my record',
    description:
      "A clinician broke the glass on the patient's record (emergency access overriding her choices). Only the patient, or a caregiver she lets read her accounting, may subscribe; the focus is the AuditEvent of the grant.",
  },
} as const;

export type TopicCode = keyof typeof TOPICS;
export const TOPIC_CODES = Object.keys(TOPICS) as TopicCode[];

export function topicOfCanonical(canonical: string): TopicCode | undefined {
  return TOPIC_CODES.find((t) => TOPICS[t].canonical === canonical);
}

/** Topics about the subscriber's own record: subscribed to with a patient-context token, filtered by nothing but the implied patient (patient-subscriptions.ts). */
export const PATIENT_TOPICS: readonly TopicCode[] = ['break-the-glass'];

/** The filters each encounter topic accepts (`Encounter?<name>=<value>`); anything else is refused with a 400. */
export const TOPIC_FILTERS = ['patient', 'attributed-organization', 'class'] as const;
export type TopicFilter = (typeof TOPIC_FILTERS)[number];

const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
/** v3 ActCode encounter classes that raise events: inpatient, emergency, observation, short stay, acute and non-acute inpatient. */
export const NOTIFIED_CLASSES: readonly string[] = ['IMP', 'EMER', 'OBSENC', 'SS', 'ACUTE', 'NONAC'];

/** Discharge dispositions (HL7 discharge-disposition) that mean the patient went on to another facility. */
const TRANSFER_DISPOSITIONS: readonly string[] = ['other-hcf', 'hosp', 'snf', 'rehab', 'psy', 'long'];

const ACTIVE = ['arrived', 'triaged', 'in-progress', 'onleave'];

/** The parts of an Encounter the trigger reads. */
export interface EncounterShape {
  status?: string;
  class?: { system?: string; code?: string };
  period?: { start?: string; end?: string };
  hospitalization?: { dischargeDisposition?: { coding?: { code?: string }[] }; destination?: { reference?: string } };
  serviceProvider?: { reference?: string };
}

export interface TopicEvent {
  topic: TopicCode;
  /** The class the event is about (the new one for a transfer). */
  encounterClass: string;
  /** When it happened: the period's start for a start, its end for an end or discharge transfer, else the write. */
  occurred: string;
}

function classOf(e: EncounterShape | undefined): string | undefined {
  const c = e?.class;
  return c && (c.system === undefined || c.system === ACT_CODE) ? c.code : undefined;
}

const dispositionOf = (e: EncounterShape) => e.hospitalization?.dischargeDisposition?.coding?.find((c) => c.code)?.code;

/**
 * The events a write of an Encounter raises, comparing the version before (undefined for a
 * create) with the new one. Pure. A re-sent unchanged version never reaches here (the store
 * sees no change), and a status that stays where it was raises nothing, so a source that
 * re-sends an update does not notify twice.
 *
 * - encounter-start: the status becomes active (arrived, triaged, in-progress, on leave).
 * - encounter-end: the status becomes finished. A stay first heard of when it is already
 *   finished raises an end alone: the provider still needs to know of the discharge.
 * - encounter-transfer: an active emergency visit becomes an inpatient or observation stay
 *   (class changes from EMER), or a discharge sends the patient to another facility.
 */
export function encounterEvents(before: EncounterShape | undefined, after: EncounterShape, now: string): TopicEvent[] {
  const cls = classOf(after);
  if (!cls || !NOTIFIED_CLASSES.includes(cls)) return [];
  const events: TopicEvent[] = [];
  const wasActive = before !== undefined && ACTIVE.includes(before.status ?? '');
  const isActive = ACTIVE.includes(after.status ?? '');
  const wasFinished = before?.status === 'finished';
  if (isActive && !wasActive && !wasFinished) events.push({ topic: 'encounter-start', encounterClass: cls, occurred: after.period?.start ?? now });
  const previousClass = classOf(before);
  if (wasActive && previousClass === 'EMER' && cls !== 'EMER' && (isActive || after.status === 'finished'))
    events.push({ topic: 'encounter-transfer', encounterClass: cls, occurred: now });
  if (after.status === 'finished' && !wasFinished) {
    events.push({ topic: 'encounter-end', encounterClass: cls, occurred: after.period?.end ?? now });
    const disposition = dispositionOf(after);
    if ((disposition && TRANSFER_DISPOSITIONS.includes(disposition)) || after.hospitalization?.destination?.reference)
      events.push({ topic: 'encounter-transfer', encounterClass: cls, occurred: after.period?.end ?? now });
  }
  return events;
}
