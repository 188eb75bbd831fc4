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
  const page = rows.slice(0, count).map((row) => ({ type: 'AuditEvent', id: (JSON.parse(row.content) as { id: string }).id, content: row.content }));
  return { total: offset + page.length + (more ? 1 : 0), rows: page, included: [], more };
}
