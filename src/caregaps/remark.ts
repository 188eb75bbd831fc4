import { FhirError } from '../fhir/errors.js';

export const REMARK_SYSTEM = 'urn:consent-gateway:gap-remark';
export const REMARK_CODES = ['completed-elsewhere', 'attribution-incorrect', 'patient-declined', 'other'] as const;
export type RemarkCode = (typeof REMARK_CODES)[number];
/** Ours: the dispute (Task) an attribution-incorrect remark opened. */
export const REMARK_ORGANIZATION_EXTENSION = 'urn:consent-gateway:gap-remark-organization';
export const REMARK_DISPUTE_EXTENSION = 'urn:consent-gateway:gap-remark-dispute';

/** What a provider says about a gap: never a change of its status. */
export interface RemarkRequest {
  code: RemarkCode;
  text?: string;
}

/** A stored remark (gap_remarks), as shown in DetectedIssue.mitigation. */
export interface Remark {
  code: string;
  text: string | null;
  organization: string;
  at: string;
  dispute: string | null;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);
const bad = (diagnostics: string, expression?: string) => FhirError.of(400, 'invalid', diagnostics, expression);
const MAX_TEXT = 2000;

/**
 * Reads a remark from a PATCH of a DetectedIssue. Only one shape is accepted: a JSON Patch
 * (`application/json-patch+json`) of exactly one `add` at `/mitigation/-`. Everything else is
 * refused with what is wrong, so no patch can reach the gap's status, its modifierExtension or
 * anything the report computed: a remark is appended beside the gap, it never edits it. Pure.
 */
export function parseRemarkPatch(contentType: string | undefined, body: string): RemarkRequest {
  const media = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (media !== 'application/json-patch+json')
    throw FhirError.of(415, 'not-supported', 'A remark is a JSON Patch (application/json-patch+json) adding one entry at /mitigation/-');
  let patch: unknown;
  try {
    patch = JSON.parse(body);
  } catch {
    throw bad('The body is not JSON');
  }
  if (!Array.isArray(patch)) throw bad('A JSON Patch is an array of operations');
  if (patch.length !== 1) throw bad('A remark is exactly one operation: add at /mitigation/-');
  const op = obj(patch[0]);
  if (!op) throw bad('A JSON Patch operation is an object');
  if (op.op !== 'add')
    throw FhirError.of(422, 'processing', `Only 'add' of a remark is allowed, not '${String(op.op)}': a gap's content never changes`, 'DetectedIssue');
  if (op.path !== '/mitigation/-') throw FhirError.of(422, 'processing', `Only /mitigation/- can be added to, not ${String(op.path)}`, 'DetectedIssue');
  const value = obj(op.value);
  if (!value) throw bad('The added mitigation must be an object', 'DetectedIssue.mitigation');
  const extra = Object.keys(value).filter((k) => k !== 'action');
  // date and author are the server's to set: a client cannot backdate a remark or sign it for someone else.
  if (extra.length > 0) throw bad(`A remark carries only action, not ${extra.join(', ')}`, `DetectedIssue.mitigation.${extra[0]}`);
  const action = obj(value.action);
  if (!action) throw bad('A remark needs action', 'DetectedIssue.mitigation.action');
  const codings = action.coding;
  if (!Array.isArray(codings) || codings.length !== 1) throw bad('action.coding must hold exactly one coding', 'DetectedIssue.mitigation.action.coding');
  const coding = obj(codings[0]);
  if (coding?.system !== REMARK_SYSTEM) throw bad(`action.coding[0].system must be ${REMARK_SYSTEM}`, 'DetectedIssue.mitigation.action.coding[0].system');
  const code = coding.code;
  if (typeof code !== 'string' || !(REMARK_CODES as readonly string[]).includes(code))
    throw bad(`action.coding[0].code must be one of ${REMARK_CODES.join(', ')}`, 'DetectedIssue.mitigation.action.coding[0].code');
  const text = action.text;
  if (text !== undefined && (typeof text !== 'string' || text.length === 0 || text.length > MAX_TEXT))
    throw bad(`action.text must be a non-empty string of at most ${MAX_TEXT} characters`, 'DetectedIssue.mitigation.action.text');
  return { code: code as RemarkCode, ...(text !== undefined ? { text: text as string } : {}) };
}

/** One remark as a DetectedIssue.mitigation entry. Pure. */
export function mitigationOf(r: Remark): object {
  return {
    // Who remarked: an organization, which R4's mitigation.author (Practitioner, PractitionerRole) cannot name.
    extension: [
      { url: REMARK_ORGANIZATION_EXTENSION, valueReference: { reference: r.organization } },
      ...(r.dispute ? [{ url: REMARK_DISPUTE_EXTENSION, valueReference: { reference: `Task/${r.dispute}` } }] : []),
    ],
    action: { coding: [{ system: REMARK_SYSTEM, code: r.code }], ...(r.text ? { text: r.text } : {}) },
    date: r.at,
  };
}
