import { displayName } from '../display.js';
import type { Fetcher } from '../sign-in.js';

/**
 * The names the portal speaks in, read through the FHIR API with the signed-in user's token:
 * organizations, clinicians, her caregivers and her own name. Pages never show the ids these
 * come with; they are kept only as form values and map keys.
 */
export interface Named {
  id: string;
  name: string;
}

export interface Organization extends Named {
  /** A health plan (payer) rather than a clinic or hospital. */
  plan: boolean;
}

const resources = async <T>(fhir: Fetcher, path: string): Promise<T[]> => {
  const res = await fhir(path);
  return res.ok ? (((await res.json()) as { entry?: { resource: T }[] }).entry ?? []).map((e) => e.resource) : [];
};

/** Organizations in the exchange that can hold or ask for records (not the exchange itself). */
export async function listOrganizations(fhir: Fetcher): Promise<Organization[]> {
  const orgs = await resources<{ id: string; name?: string; type?: { coding?: { code?: string }[] }[] }>(fhir, '/fhir/Organization?_count=100');
  return orgs
    .filter((o) => !/org-(hie|research)$/.test(o.id))
    .map((o) => ({
      id: `Organization/${o.id}`,
      name: o.name ?? 'An organization',
      // The directory's payer type (v3 "pay"), or the exchange's naming of payer organizations.
      plan: (o.type ?? []).some((t) => t.coding?.some((c) => c.code === 'pay' || c.code === 'ins')) || /^payer-/.test(o.id),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Clinicians in the directory (PractitionerRole with an organization): "Name, Organization". */
export async function listClinicians(fhir: Fetcher, organizations: readonly Named[]): Promise<(Named & { person: string })[]> {
  const roles = await resources<{ practitioner?: { reference?: string }; organization?: { reference?: string } }>(fhir, '/fhir/PractitionerRole?_count=1000');
  const people = new Map(
    (await resources<{ id: string; name?: { given?: string[]; family?: string }[] }>(fhir, '/fhir/Practitioner?_count=1000')).map((p) => [
      `Practitioner/${p.id}`,
      displayName(p.name),
    ]),
  );
  const orgs = new Map(organizations.map((o) => [o.id, o.name]));
  const seen = new Map<string, Named & { person: string }>();
  for (const r of roles) {
    const id = r.practitioner?.reference;
    const org = r.organization?.reference;
    if (!id || !org || seen.has(id)) continue;
    const person = people.get(id) || 'A clinician';
    seen.set(id, { id, person, name: orgs.has(org) ? `${person}, ${orgs.get(org)}` : person });
  }
  return [...seen.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Her registered caregivers (RelatedPerson records in her compartment), "Name (relationship)". */
export async function listCaregivers(fhir: Fetcher, patient: string): Promise<(Named & { person: string })[]> {
  const people = await resources<{
    id: string;
    name?: { given?: string[]; family?: string }[];
    relationship?: { text?: string; coding?: { display?: string }[] }[];
  }>(fhir, `/fhir/RelatedPerson?patient=${encodeURIComponent(patient)}&_count=50`);
  return people.map((r) => {
    const person = displayName(r.name) || 'Your caregiver';
    const rel = r.relationship?.[0]?.text ?? r.relationship?.[0]?.coding?.[0]?.display;
    return { id: `RelatedPerson/${r.id}`, person, name: rel ? `${person} (${rel})` : person };
  });
}
