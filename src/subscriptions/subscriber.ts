import { eq } from 'drizzle-orm';
import type { Requester } from '../auth/requester.js';
import { allows, type Letter } from '../auth/scopes.js';
import type { Policies } from '../consent/policies.js';
import type { Database } from '../db/database.js';
import { duas, organizations } from '../db/schema.js';
import { FhirError } from '../fhir/errors.js';
import { ORGANIZATION_EXTENSION } from './validate.js';

/** Who manages a subscription: a backend client for its own organization, or an operator for any. */
export type Manager =
  | { kind: 'client'; owner: string; organization: string; dua: string | null }
  | { kind: 'operator'; owner: string }
  /** A patient, or her caregiver, for a topic about her own record (PATIENT_TOPICS): the owner is her fhirUser. */
  | { kind: 'person'; owner: string };

/** The organization told, and the agreement it is told under. */
export interface Recipient {
  organization: string;
  dua: string | null;
}

const forbidden = (diagnostics: string) => FhirError.of(403, 'forbidden', diagnostics);

/**
 * Step one of every Subscription interaction: the token may use it. A backend client needs
 * `system/Subscription.<letter>` and a token for treatment (a notification is disclosed for
 * treatment, never for payment or research); an operator needs `user/Subscription.<letter>`.
 * A patient or her caregiver needs `patient/Subscription.<letter>`, and only for topics about
 * her own record (patient-subscriptions.ts). Everyone else (clinicians in an app, researchers) is refused.
 */
export function managerOf(requester: Requester, letter: Letter): Manager {
  if (requester.kind === 'person' && (requester.role === 'patient' || requester.role === 'caregiver')) {
    if (!allows(requester.scopes, 'Subscription', letter, ['patient']) || !requester.fhirUser)
      throw forbidden(`The token does not grant patient/Subscription.${letter}`);
    return { kind: 'person', owner: requester.fhirUser };
  }
  if (requester.kind === 'person') {
    if (requester.role !== 'operator')
      throw forbidden('Subscriptions are made by an organization’s backend client, an operator, or a patient for her own record');
    if (!allows(requester.scopes, 'Subscription', letter, ['user'])) throw forbidden(`The token does not grant user/Subscription.${letter}`);
    return { kind: 'operator', owner: `operator:${requester.subject}` };
  }
  if (!allows(requester.scopes, 'Subscription', letter, ['system'])) throw forbidden(`The token does not grant system/Subscription.${letter}`);
  if (!requester.organization) throw forbidden('The client acts for no organization');
  if (!requester.purposes.includes('TREAT')) throw forbidden('Notifications are disclosed for treatment: the token must carry the purpose TREAT');
  return { kind: 'client', owner: requester.clientId, organization: requester.organization, dua: requester.dua ?? null };
}

/**
 * For a create or an update: the organization to be told, whose agreement must permit
 * treatment now. A client is told of its own organization's patients only; an operator names
 * a registered organization with ORGANIZATION_EXTENSION.
 */
export async function recipientFor(
  db: Database,
  policies: Policies,
  manager: Exclude<Manager, { kind: 'person' }>,
  named: string | undefined,
  now: string,
): Promise<Recipient> {
  let recipient: Recipient;
  if (manager.kind === 'client') {
    if (named !== undefined && named !== manager.organization)
      throw FhirError.of(400, 'value', 'A client subscribes for its own organization only', 'Subscription.extension.valueReference');
    recipient = { organization: manager.organization, dua: manager.dua };
  } else {
    if (named === undefined)
      throw FhirError.of(400, 'required', `An administrative subscription names the organization told (${ORGANIZATION_EXTENSION})`, 'Subscription.extension');
    const [org] = await db.orm.select({ status: organizations.status }).from(organizations).where(eq(organizations.reference, named));
    if (org?.status !== 'active')
      throw FhirError.of(400, 'value', `${named} is not a registered, active organization`, 'Subscription.extension.valueReference');
    const [agreement] = await db.orm.select({ id: duas.id }).from(duas).where(eq(duas.organization, named));
    recipient = { organization: named, dua: agreement?.id ?? null };
  }
  if (!(await permitsTreatment(policies, recipient.organization, now)))
    throw manager.kind === 'client'
      ? forbidden('No data use agreement of this organization permits treatment now')
      : FhirError.of(400, 'value', `No data use agreement of ${recipient.organization} permits treatment now`, 'Subscription.extension.valueReference');
  return recipient;
}

/** Whether any active DUA line lets the organization receive something for treatment now. */
async function permitsTreatment(policies: Policies, organization: string, now: string): Promise<boolean> {
  // Columns of policies/dua.conf's p: dua, org, pur, cls, lbl, scope, start, end, status.
  const lines = await policies.dua.getFilteredPolicy(1, organization, 'TREAT');
  return lines.some(([, , , , , , start = '', end = '', status]) => status === 'active' && (start === '' || now >= start) && (end === '' || now <= end));
}

/** full-resource sends the Encounter itself: the agreement must permit treatment for Encounters. */
export function permitsEncounters(policies: Policies, organization: string, now: string): boolean {
  const [allowed] = policies.dua.enforceExSync(organization, 'TREAT', 'Encounter', 'normal', 'none', now) as [boolean, string[]];
  return allowed;
}
