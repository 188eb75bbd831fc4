import type { Patient } from '../fhir/types.js';
import { normaliseGiven, normaliseName, normaliseZip } from './normalise.js';

export interface MatchKey {
  key: string;
  rule: 'identifier' | 'demographics';
  /** Why a match on this key links two records; names the identifier system, never the value. */
  reason: string;
}

/** The keys a Patient record can be linked by, strongest first: identifiers, then demographics. */
export function matchKeys(patient: Patient): MatchKey[] {
  const keys: MatchKey[] = [];
  for (const identifier of patient.identifier ?? []) {
    const system = identifier.system?.trim();
    const value = identifier.value?.trim();
    if (!system || !value) continue;
    keys.push({ key: `identifier|${system}|${value}`, rule: 'identifier', reason: `same identifier in ${system}` });
  }
  const demographic = demographicKey(patient);
  if (demographic) {
    keys.push({ key: demographic, rule: 'demographics', reason: 'same normalised family name, given name, birth date, sex and ZIP' });
  }
  return keys;
}

/** Undefined when any of the five parts is missing: a partial key would link strangers. */
export function demographicKey(patient: Patient): string | undefined {
  const name = patient.name?.find((n) => n.use === 'official') ?? patient.name?.find((n) => n.use !== 'old') ?? patient.name?.[0];
  const family = normaliseName(name?.family ?? '');
  const given = normaliseGiven(name?.given);
  const birthDate = /^\d{4}-\d{2}-\d{2}$/.test(patient.birthDate ?? '') ? patient.birthDate! : '';
  const sex = patient.gender ?? '';
  const address = patient.address?.find((a) => a.use === 'home') ?? patient.address?.[0];
  const zip = normaliseZip(address?.postalCode);
  if (!family || !given || !birthDate || !sex || !zip) return undefined;
  return `demographics|${family}|${given}|${birthDate}|${sex}|${zip}`;
}
