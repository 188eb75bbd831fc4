import type { Purpose } from '../auth/purposes.js';
import { parseScope } from '../auth/scopes.js';

/**
 * What an app asks for, in words a patient can read on the approval page: no scope strings and
 * no purpose-of-use codes (the page shows those to staff only, under "Technical details"). Pure.
 */
const TYPES: Record<string, string> = {
  Observation: 'test results and vital signs',
  Condition: 'health problems',
  MedicationRequest: 'medications',
  Encounter: 'visits',
  Procedure: 'procedures',
  AllergyIntolerance: 'allergies',
  Immunization: 'vaccinations',
  DiagnosticReport: 'test reports',
  Consent: 'sharing choices',
  AuditEvent: 'the history of who has looked',
  Subscription: 'notifications',
  Patient: 'personal details',
  Coverage: 'health plan details',
  ExplanationOfBenefit: 'claims',
};

export function scopeInWords(scope: string, whose: 'your' | 'patients'): string {
  if (scope === 'openid') return 'Know who you are';
  if (scope === 'fhirUser' || scope === 'profile') return 'Know your name and your role in the exchange';
  if (scope === 'launch/patient') return 'Know whose record it is working with';
  if (scope === 'online_access') return 'Keep you signed in while you use it';
  if (scope === 'offline_access') return 'Keep you signed in after you close it, until you sign out or withdraw this';
  const parsed = parseScope(scope);
  if (!parsed) return 'Something this exchange does not offer';
  const what = parsed.type === '*' ? 'everything' : (TYPES[parsed.type] ?? 'other records');
  const writes = [...parsed.permissions].some((p) => p === 'c' || p === 'u' || p === 'd');
  const where =
    parsed.context === 'patient'
      ? whose === 'your'
        ? 'in your record'
        : 'in the record you may see'
      : 'of the patients you may see, under each one’s consent';
  return `${writes ? 'Read and change' : 'Read'} ${what} ${where}`;
}

const PURPOSES: Partial<Record<Purpose, string>> = {
  PATRQT: 'at your own request',
  FAMRQT: 'as a caregiver, for the person you care for',
  TREAT: 'for treatment',
  ETREAT: 'for emergency treatment',
  HRESCH: 'for research',
  HSYSADMIN: 'to run the exchange',
  HPAYMT: 'for payment',
  HOPERAT: 'for health care operations',
  PUBHLTH: 'for public health',
};

export const purposeInWords = (p: Purpose): string => PURPOSES[p] ?? 'for a purpose the exchange allows';
