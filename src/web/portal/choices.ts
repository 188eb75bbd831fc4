import type { ConsentLine } from '../../gate/index.js';
import type { Fetcher } from '../sign-in.js';
import { ENCOUNTER_NOTICE } from '../../consent/notice-class.js';
import { HIDEABLE } from './pages.js';

/** Which portal choice a Consent records: its identifier (system and value). */
const PORTAL_CHOICE = 'urn:consent-gateway:portal-choice';

export type ChoiceKey = 'research' | 'hide-sensitive' | `organization:${string}` | `caregiver:${string}` | `visit-notice:${string}`;

export interface StoredConsent {
  id: string;
  status?: string;
  dateTime?: string;
  identifier?: { system?: string; value?: string }[];
  performer?: { reference?: string }[];
  provision?: { period?: { end?: string }; class?: { code?: string }[]; actor?: { reference?: { reference?: string } }[]; securityLabel?: { code?: string }[] };
}

/** Her Consents that record portal choices, each with its choice key. */
export async function portalConsents(fhir: Fetcher, patient: string): Promise<(StoredConsent & { key: string })[]> {
  const res = await fhir(`/fhir/Consent?patient=${encodeURIComponent(patient)}&_count=1000`);
  if (!res.ok) return [];
  const bundle = (await res.json()) as { entry?: { resource: StoredConsent }[] };
  return (bundle.entry ?? []).flatMap(({ resource: c }) => {
    const key = c.identifier?.find((i) => i.system === PORTAL_CHOICE)?.value;
    return key ? [{ ...c, key }] : [];
  });
}

/** Her Consents that record one portal choice (she can read all of hers). */
export async function consentsFor(fhir: Fetcher, patient: string, key: ChoiceKey): Promise<StoredConsent[]> {
  const res = await fhir(`/fhir/Consent?patient=${encodeURIComponent(patient)}&_count=1000`);
  if (!res.ok) return [];
  const bundle = (await res.json()) as { entry?: { resource: StoredConsent }[] };
  return (bundle.entry ?? []).map((e) => e.resource).filter((c) => c.identifier?.some((i) => i.system === PORTAL_CHOICE && i.value === key));
}

/**
 * Records a choice in one write: the Consent that holds it is updated in place (its id is the
 * server's, found by the choice's identifier), or a new one is created. `active: false` revokes.
 * `performer`: who made the choice (her, or the caregiver acting for her), so she is shown his changes as his.
 */
export async function saveChoice(
  fhir: Fetcher,
  patient: string,
  key: ChoiceKey,
  active: boolean,
  provision: object,
  performer: string = patient,
): Promise<Response | undefined> {
  const [existing] = await consentsFor(fhir, patient, key);
  if (!existing && !active) return undefined;
  const consent = {
    resourceType: 'Consent',
    ...(existing ? { id: existing.id } : {}),
    identifier: [{ system: PORTAL_CHOICE, value: key }],
    status: active ? 'active' : 'inactive',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
    patient: { reference: patient },
    performer: [{ reference: performer }],
    dateTime: new Date().toISOString(),
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT' }] },
    provision,
  };
  const path = existing ? `/fhir/Consent/${existing.id}` : '/fhir/Consent';
  return fhir(path, { method: existing ? 'PUT' : 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(consent) });
}

/** What her compiled lines enforce, for the page: the portal shows what is in force, not what a resource says. */
export function enforced(lines: readonly ConsentLine[]): { researchOptOut: boolean; hidden: string[]; noticeTo: string[] } {
  const everyone = lines.filter((l) => l.effect === 'deny' && l.actor === '*' && l.cls === '*');
  return {
    // Hiding mental health from everyone wins over a notice to one organization (a deny comes first).
    noticeTo: everyone.some((l) => l.purpose === '*' && l.label === 'bh')
      ? []
      : [...new Set(lines.filter((l) => l.effect === 'allow' && l.cls === ENCOUNTER_NOTICE && l.label === 'bh').map((l) => l.actor))],
    researchOptOut: everyone.some((l) => l.purpose === 'HRESCH' && (l.label === '*' || l.label === 'normal')),
    hidden: HIDEABLE.filter(([id]) => everyone.some((l) => l.purpose === '*' && l.label === id)).map(([id]) => id),
  };
}
