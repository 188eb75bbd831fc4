import { FhirError } from '../fhir/errors.js';
import { resolvePerson } from '../store/read.js';
import type { GateContext } from './context.js';
import type { Row } from './search.js';

/**
 * Where a walk through her accounting stands: `snapshot` is how many events about her there
 * were when the walk began (the first page fixes it), `skip` how many of those, newest first,
 * earlier pages have shown.
 */
export interface AccountingCursor {
  snapshot: number;
  skip: number;
}

export interface AccountingPage {
  /** The events in the snapshot the reader may see: the same on every page of one walk. */
  total: number;
  rows: Row[];
  next?: AccountingCursor;
}

const NOTHING: AccountingPage = { total: 0, rows: [] };

/**
 * `AuditEvent?patient=…`: a patient's accounting of disclosures, for her, or for a caregiver she
 * delegated the AuditEvent class to. Anyone else gets the empty answer an unknown patient gets,
 * whatever cursor they send.
 *
 * Paged over a snapshot, newest first. The trail grows while she reads it (each page view is
 * itself a disclosure about her), so offsets into "her events now" repeat and skip; positions
 * within her first `snapshot` events do not move. The snapshot is counted before this view is
 * audited, so a walk never meets its own page views: the next walk does.
 */
export async function accountingOfDisclosures(g: GateContext, patientRef: string, count: number, cursor?: AccountingCursor): Promise<AccountingPage> {
  const r = g.requester;
  const person = (await resolvePerson(g.deps.db, patientRef, g.generation())) ?? patientRef;
  const self = r.kind === 'person' && r.role === 'patient' && r.patient === person;
  const delegated =
    r.kind === 'person' && r.role === 'caregiver' && r.patient === person && (await g.decide(person, { cls: 'AuditEvent', categories: ['normal'] })).permit;
  const snapshot = self || delegated ? await g.deps.audit.countAbout(person) : 0;
  await g.audit({ interaction: 'search-type', query: `AuditEvent?patient=${patientRef}`, person, outcome: self || delegated ? 'permit' : 'not-found' });
  if (!self && !delegated) return NOTHING;
  const at = cursor ?? { snapshot, skip: 0 };
  // Checked only for a reader who may see her accounting, so a refusal says nothing of its size to anyone else.
  if (at.snapshot > snapshot || at.skip > at.snapshot)
    throw FhirError.of(400, 'value', '_cursor is not one this server gave: follow the next link of the page before', '_cursor');
  const end = at.snapshot - at.skip;
  const from = Math.max(0, end - count);
  const rows = (await g.deps.audit.eventsAboutAt(person, from, end - from)).reverse();
  // Her consents and the reasons behind decisions are hers: a caregiver she has not delegated
  // them to sees who looked and when, not which Consent decided or what it said.
  const private_ = delegated && !(await g.decide(person, { cls: 'Consent', categories: ['normal'] })).permit;
  const page = rows.map((row) => {
    const content = private_ ? withoutConsentDetail(row.content) : row.content;
    return { type: 'AuditEvent', id: (JSON.parse(content) as { id: string }).id, content };
  });
  return { total: at.snapshot, rows: page, ...(from > 0 ? { next: { snapshot: at.snapshot, skip: at.skip + count } } : {}) };
}

type Entity = { what?: { identifier?: { value?: string }; reference?: string }; detail?: { type?: string }[] };

/** The event without its decision reasons, and with any Consent it names reduced to the word. */
function withoutConsentDetail(content: string): string {
  if (!content.includes('Consent') && !content.includes('"decision"')) return content;
  const event = JSON.parse(content) as { entity?: Entity[] };
  for (const e of event.entity ?? []) {
    if (e.detail) e.detail = e.detail.filter((d) => d.type !== 'decision');
    if (e.detail?.length === 0) delete e.detail;
    if (e.what?.identifier?.value?.includes('Consent')) e.what.identifier.value = 'Consent';
  }
  return JSON.stringify(event);
}
