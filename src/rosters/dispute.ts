import { FhirError } from '../fhir/errors.js';

export const TASK_CODE = { system: 'urn:consent-gateway:task', code: 'attribution-dispute' } as const;
export const DISPUTE_REASON_SYSTEM = 'urn:consent-gateway:dispute-reason';
export const DISPUTE_INPUT_SYSTEM = 'urn:consent-gateway:dispute-input';
export const DISPUTE_REASONS = ['attribution-incorrect', 'not-our-patient', 'deceased', 'moved', 'other'] as const;
export type DisputeReason = (typeof DISPUTE_REASONS)[number];
export type DisputeStatus = 'requested' | 'accepted' | 'rejected';
/** The payer has this long to decide. */
export const DISPUTE_DAYS = 30;

/** What a provider organization asks, read from its Task. */
export interface DisputeRequest {
  groupId: string;
  version: number;
  /** The Patient id the Task is `for`, as the roster showed her. */
  patientId: string;
  reason: DisputeReason;
  text?: string;
  references: string[];
}

/** A stored dispute (attribution_disputes), with the evidence JSON read. */
export interface Dispute {
  id: string;
  groupId: string;
  version: number;
  person: string;
  organization: string;
  payer: string;
  requester: string;
  reason: DisputeReason;
  /** The free text, the supporting references and the Patient id she was named by (no column of its own). */
  evidence: { text?: string; references: string[]; patientId: string };
  status: DisputeStatus;
  createdAt: string;
  deadline: string;
  decidedAt: string | null;
  decidedBy: string | null;
  decisionNote: string | null;
  versionId: number;
}

const FOCUS = /^Group\/([A-Za-z0-9.-]{1,64})\/_history\/([1-9]\d{0,8})$/;
const PATIENT = /^Patient\/([A-Za-z0-9.-]{1,64})$/;

type Json = Record<string, unknown>;
/** An array where the JSON has one, else none: a malformed element is then a 400 of its own, never a TypeError. */
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const obj = (v: unknown): Json | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);
const bad = (diagnostics: string, expression: string) => FhirError.of(400, 'invalid', diagnostics, expression);

/** Reads a dispute Task as POSTed; a 400 names the element that is wrong. Pure. */
export function parseDisputeTask(body: unknown): DisputeRequest {
  const t = obj(body);
  if (!t || t.resourceType !== 'Task') throw bad('The body must be a Task', 'Task');
  if (t.status !== 'requested') throw bad("A dispute is filed with status 'requested'", 'Task.status');
  if (t.intent !== 'order') throw bad("A dispute has intent 'order'", 'Task.intent');
  const codings = arr(obj(t.code)?.coding);
  if (!codings.some((c) => obj(c)?.system === TASK_CODE.system && obj(c)?.code === TASK_CODE.code))
    throw bad(`Task.code must be ${TASK_CODE.system}#${TASK_CODE.code}`, 'Task.code');
  const focus = FOCUS.exec(String(obj(t.focus)?.reference ?? ''));
  if (!focus) throw bad('Task.focus must reference a roster version, Group/{id}/_history/{version}', 'Task.focus');
  const patient = PATIENT.exec(String(obj(t.for)?.reference ?? ''));
  if (!patient) throw bad('Task.for must reference the Patient disputed', 'Task.for');
  const inputs = Array.isArray(t.input) ? t.input.map(obj) : [];
  let reason: DisputeReason | undefined;
  let text: string | undefined;
  const references: string[] = [];
  inputs.forEach((input, i) => {
    const kind = arr(obj(input?.type)?.coding)
      .map(obj)
      .find((c) => c?.system === DISPUTE_INPUT_SYSTEM)?.code;
    if (kind === 'reason') {
      const code = arr(obj(input?.valueCodeableConcept)?.coding)
        .map(obj)
        .find((c) => c?.system === DISPUTE_REASON_SYSTEM)?.code;
      if (!DISPUTE_REASONS.includes(code as DisputeReason)) throw bad(`The reason must be one of ${DISPUTE_REASONS.join(', ')}`, `Task.input[${i}]`);
      reason = code as DisputeReason;
    } else if (kind === 'text' && typeof input?.valueString === 'string') text = input.valueString.slice(0, 2000);
    else if (kind === 'supporting' && typeof obj(input?.valueReference)?.reference === 'string')
      references.push(obj(input?.valueReference)!.reference as string);
    else throw bad(`Task.input[${i}] must be a reason, text or supporting reference`, `Task.input[${i}]`);
  });
  if (!reason) throw bad('A dispute gives its reason in Task.input (type reason)', 'Task.input');
  return { groupId: focus[1]!, version: Number(focus[2]), patientId: patient[1]!, reason, ...(text ? { text } : {}), references };
}

/** The payer's decision, read from a PUT of the Task: only the status and an optional reason or note change. Pure. */
export function parseDecision(body: unknown, id: string): { status: 'accepted' | 'rejected'; note?: string } {
  const t = obj(body);
  if (!t || t.resourceType !== 'Task') throw bad('The body must be a Task', 'Task');
  if (t.id !== undefined && t.id !== id) throw bad('Task.id must match the URL', 'Task.id');
  if (t.status !== 'accepted' && t.status !== 'rejected')
    throw FhirError.of(422, 'processing', "The payer decides a dispute by setting status 'accepted' or 'rejected'", 'Task.status');
  const note = [obj(t.statusReason)?.text, ...(Array.isArray(t.note) ? t.note.map((n) => obj(n)?.text) : [])].filter((s): s is string => typeof s === 'string');
  return { status: t.status, ...(note.length > 0 ? { note: note.join('\n').slice(0, 2000) } : {}) };
}

/** The deadline of a dispute filed at `createdAt`: 30 days on. */
export const disputeDeadline = (createdAt: string) => new Date(Date.parse(createdAt) + DISPUTE_DAYS * 86_400_000).toISOString();

/** A stored dispute as a FHIR Task. Pure. */
export function disputeTask(d: Dispute) {
  const input = (code: string, value: object) => ({ type: { coding: [{ system: DISPUTE_INPUT_SYSTEM, code }] }, ...value });
  return {
    resourceType: 'Task',
    id: d.id,
    meta: { versionId: String(d.versionId), lastUpdated: d.decidedAt ?? d.createdAt },
    status: d.status,
    ...(d.decisionNote ? { statusReason: { text: d.decisionNote } } : {}),
    intent: 'order',
    code: { coding: [{ ...TASK_CODE, display: 'Attribution dispute' }] },
    focus: { reference: `Group/${d.groupId}/_history/${d.version}` },
    for: { reference: `Patient/${d.evidence.patientId}` },
    authoredOn: d.createdAt,
    lastModified: d.decidedAt ?? d.createdAt,
    requester: { reference: d.organization },
    owner: { reference: d.payer },
    restriction: { period: { end: d.deadline } },
    input: [
      input('reason', { valueCodeableConcept: { coding: [{ system: DISPUTE_REASON_SYSTEM, code: d.reason }] } }),
      ...(d.evidence.text ? [input('text', { valueString: d.evidence.text })] : []),
      ...d.evidence.references.map((reference) => input('supporting', { valueReference: { reference } })),
    ],
  };
}
