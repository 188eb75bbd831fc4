import { attributedOrganization } from '../metrics/attribution-data.js';
import { resolvePerson } from '../store/read.js';
import type { GateContext } from './context.js';

/**
 * Whether a subscription's `patient` filter may name this Patient: she is attributed to the
 * recipient (the gate's requester, a subscription's organization for treatment) and it would be
 * permitted to see her Encounters. A Patient that does not exist and one the recipient may not see give the same
 * `false`, so a subscriber cannot probe who is in the exchange by filtering on her.
 */
export async function maySubscribeTo(g: GateContext, patientId: string): Promise<boolean> {
  const person = await resolvePerson(g.deps.db, patientId, g.generation());
  if (person === undefined) return false;
  // An organization is told only of the people attributed to it (dispatch applies the same rule to every event).
  const attributed = await attributedOrganization(g.deps.db, person, g.deps.clock().getUTCFullYear());
  if (attributed === undefined || attributed !== g.requester.organization) return false;
  const decision = await g.decide(person, { cls: 'Encounter', purpose: 'TREAT' });
  return decision.permit;
}
