import type { Context } from 'hono';
import type { AppEnv } from '../../app-env.js';
import { listReleases } from '../../release/store.js';
import { displayName } from '../display.js';
import { currentSession, type BaseSession, type fhirAs } from '../sign-in.js';

export interface ClinicianSession extends BaseSession {
  organization: string;
  emergency: boolean;
}

export type Fhir = ReturnType<typeof fhirAs>;

export const clinicianSession = (c: Context<AppEnv>) => currentSession<ClinicianSession>(c);

/** `clinic-oak-org` from `Organization/clinic-oak-org`. */
export const organizationId = (s: ClinicianSession) => s.organization.replace(/^Organization\//, '');

/** The year the latest release covers: the roster year, and the measurement year of the care gaps shown. */
export async function measurementYear(c: Context<AppEnv>): Promise<number | undefined> {
  const [latest] = await listReleases(c.var.deps.db);
  return latest ? Math.max(...latest.years) : undefined;
}

/** Each patient's name, read as the clinician (so each read is decided and audited like any other). */
export async function patientNames(fhir: Fhir, ids: readonly string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += 20) {
    await Promise.all(
      unique.slice(i, i + 20).map(async (id) => {
        const res = await fhir(`/fhir/Patient/${id}`);
        if (!res.ok) return;
        const p = (await res.json()) as { name?: { given?: string[]; family?: string }[] };
        const name = displayName(p.name);
        if (name) names.set(id, name);
      }),
    );
  }
  return names;
}
