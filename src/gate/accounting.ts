import { eventsAbout } from '../audit/log.js';
import { resolvePerson } from '../store/read.js';
import type { GateContext } from './context.js';
import type { Found } from './search.js';

/**
 * `AuditEvent?patient=…`: a patient's accounting of disclosures, for her, or for a caregiver she
 * delegated the AuditEvent class to. Anyone else gets the empty answer an unknown patient gets.
 */
export async function accountingOfDisclosures(g: GateContext, patientRef: string, count: number, offset: number): Promise<Found & { more: boolean }> {
  const r = g.requester;
  const person = (await resolvePerson(g.deps.db, patientRef)) ?? patientRef;
  const self = r.kind === 'person' && r.role === 'patient' && r.patient === person;
  const delegated =
    r.kind === 'person' && r.role === 'caregiver' && r.patient === person && (await g.decide(person, { cls: 'AuditEvent', categories: ['normal'] })).permit;
  await g.audit({ interaction: 'search-type', query: `AuditEvent?patient=${patientRef}`, person, outcome: self || delegated ? 'permit' : 'not-found' });
  if (!self && !delegated) return { total: 0, rows: [], included: [], more: false };
  const rows = await eventsAbout(g.deps.audit, person, count + 1, offset);
  const more = rows.length > count;
  // Her consents and the reasons behind decisions are hers: a caregiver she has not delegated
  // them to sees who looked and when, not which Consent decided or what it said.
  const private_ = delegated && !(await g.decide(person, { cls: 'Consent', categories: ['normal'] })).permit;
  const page = rows.slice(0, count).map((row) => {
    const content = private_ ? withoutConsentDetail(row.content) : row.content;
    return { type: 'AuditEvent', id: (JSON.parse(content) as { id: string }).id, content };
  });
  return { total: offset + page.length + (more ? 1 : 0), rows: page, included: [], more };
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
