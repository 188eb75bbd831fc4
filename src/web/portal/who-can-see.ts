import type { AccessExplanation, Gate } from '../../gate/index.js';
import type { Category } from '../../consent/categories.js';
import type { Fetcher } from '../sign-in.js';
import { consentsFor } from './choices.js';
import type { Named, Organization } from './directory.js';
import { CAREGIVER_CLASSES } from './pages.js';
import { accessSentences, caregiverSentence, categoryAnswer, type Who } from './plain-words.js';

/** One row of "who can see my record": a name, yes / partly / no, and the sentences why. */
export interface SeeRow {
  name: string;
  canSee: 'yes' | 'partly' | 'no';
  sentences: string[];
}

export interface WhoCanSee {
  doctors: SeeRow[];
  plans: SeeRow[];
  caregivers: SeeRow[];
  /** "Who can see my mental health records?", answered in sentences. */
  mentalHealth: string[];
}

/**
 * Who can see her record now, grouped as she thinks of them: her doctors (clinics and
 * hospitals, for her care), her health plans (for payment and quality) and her caregivers
 * (what each may see, until when). Decided by the same `decide` as every real request, asked of
 * the gate as the signed-in user (her, or the caregiver acting for her).
 */
export async function whoCanSeeHer(
  gate: Gate,
  fhir: Fetcher,
  patient: string,
  organizations: readonly Organization[],
  caregivers: readonly Named[],
): Promise<WhoCanSee> {
  const patientId = patient.replace(/^Patient\//, '');
  const answers =
    (await gate.whoCanSee(
      patientId,
      organizations.map((o) => o.id),
      'Patient',
    )) ?? [];
  const mentalHealth: string[] = [];
  const row = (who: Who, a: AccessExplanation | undefined): SeeRow => {
    const k = a?.classes[0];
    const permit = k?.permit ?? false;
    const withheld = (k?.withheld ?? []) as Category[];
    if (permit && !withheld.includes('bh')) mentalHealth.push(categoryAnswer(who, 'bh', permit, withheld));
    return { name: who.name, canSee: !permit ? 'no' : withheld.length ? 'partly' : 'yes', sentences: accessSentences(who, permit, withheld, k?.reasons ?? []) };
  };
  const doctors: SeeRow[] = [];
  const plans: SeeRow[] = [];
  organizations.forEach((o, i) => (o.plan ? plans : doctors).push(row({ kind: o.plan ? 'plan' : 'doctors', name: o.name }, answers[i])));
  const shares: SeeRow[] = [];
  for (const c of caregivers) {
    const [consent] = await consentsFor(fhir, patient, `caregiver:${c.id}`);
    const active = consent?.status === 'active';
    const codes = active ? (consent?.provision?.class ?? []).map((k) => k.code ?? '') : [];
    const words = CAREGIVER_CLASSES.filter(([code]) => code !== 'Consent' && codes.includes(code)).map(([, label]) => label);
    const [answer] = (await gate.whoCanSee(patientId, [c.id], 'Observation')) ?? [];
    const k = answer?.classes[0];
    if (k?.permit && codes.includes('Observation') && !(k.withheld ?? []).includes('bh'))
      mentalHealth.push(`${c.name} can see your mental health test results.`);
    shares.push({
      name: c.name,
      canSee: words.length > 0 ? 'partly' : 'no',
      sentences: [caregiverSentence(c.name, words, consent?.provision?.period?.end, codes.includes('Consent'))],
    });
  }
  return { doctors, plans, caregivers: shares, mentalHealth };
}
