/**
 * Recorded allergies: roughly one person in five has one on file, drug allergies
 * (penicillin above all) outnumbering food ones, as in EHR allergy-list studies
 * (Zhou et al., Allergy 2016: penicillins ~13%, sulfonamides ~4% of patients).
 */
import { SYSTEMS } from './codes.js';
import type { Rng, Weighted } from './prng.js';

export type AllergenKey = 'penicillin' | 'sulfonamide' | 'aspirin' | 'codeine' | 'peanut' | 'shellfish' | 'egg' | 'latex';
export type ReactionKey = 'rash' | 'hives' | 'anaphylaxis' | 'nausea' | 'itching' | 'dyspnea';

export interface AllergenDef {
  category: 'medication' | 'food' | 'environment';
  system: string;
  code: string;
  display: string;
  reactions: Weighted<ReactionKey>;
}

export const ALLERGENS: Readonly<Record<AllergenKey, AllergenDef>> = {
  penicillin: {
    category: 'medication',
    system: SYSTEMS.rxnorm,
    code: '70618',
    display: 'penicillin',
    reactions: [
      ['rash', 5],
      ['hives', 4],
      ['anaphylaxis', 1],
    ],
  },
  sulfonamide: {
    category: 'medication',
    system: SYSTEMS.rxnorm,
    code: '10180',
    display: 'sulfamethoxazole',
    reactions: [
      ['rash', 6],
      ['itching', 3],
      ['hives', 1],
    ],
  },
  aspirin: {
    category: 'medication',
    system: SYSTEMS.rxnorm,
    code: '1191',
    display: 'aspirin',
    reactions: [
      ['hives', 4],
      ['dyspnea', 3],
      ['nausea', 3],
    ],
  },
  codeine: {
    category: 'medication',
    system: SYSTEMS.rxnorm,
    code: '2670',
    display: 'codeine',
    reactions: [
      ['nausea', 6],
      ['itching', 4],
    ],
  },
  peanut: {
    category: 'food',
    system: SYSTEMS.snomed,
    code: '91935009',
    display: 'Allergy to peanuts',
    reactions: [
      ['hives', 5],
      ['anaphylaxis', 3],
      ['dyspnea', 2],
    ],
  },
  shellfish: {
    category: 'food',
    system: SYSTEMS.snomed,
    code: '300913006',
    display: 'Shellfish allergy',
    reactions: [
      ['hives', 5],
      ['anaphylaxis', 2],
      ['nausea', 3],
    ],
  },
  egg: {
    category: 'food',
    system: SYSTEMS.snomed,
    code: '91930004',
    display: 'Allergy to eggs',
    reactions: [
      ['rash', 5],
      ['nausea', 5],
    ],
  },
  latex: {
    category: 'environment',
    system: SYSTEMS.snomed,
    code: '300916003',
    display: 'Latex allergy',
    reactions: [
      ['rash', 6],
      ['itching', 4],
    ],
  },
};

export const REACTIONS: Readonly<Record<ReactionKey, readonly [string, string]>> = {
  rash: ['271807003', 'Eruption of skin'],
  hives: ['247472004', 'Wheal'],
  anaphylaxis: ['39579001', 'Anaphylaxis'],
  nausea: ['422587007', 'Nausea'],
  itching: ['418290006', 'Itching of skin'],
  dyspnea: ['267036007', 'Dyspnea'],
};

/** Per-person chance of each allergy on file (independent draws). */
const PREVALENCE: Readonly<Record<AllergenKey, number>> = {
  penicillin: 0.1,
  sulfonamide: 0.04,
  aspirin: 0.015,
  codeine: 0.02,
  peanut: 0.015,
  shellfish: 0.015,
  egg: 0.005,
  latex: 0.008,
};

export interface PlannedAllergy {
  allergen: AllergenKey;
  reaction: ReactionKey;
  severity: 'mild' | 'moderate' | 'severe';
  /** Day it was recorded: at or before the window's first visit. */
  recordedDay: number;
}

export function criticalityOf(a: Pick<PlannedAllergy, 'reaction' | 'severity'>): 'low' | 'high' {
  return a.reaction === 'anaphylaxis' || a.severity === 'severe' ? 'high' : 'low';
}

export function planAllergies(rng: Rng, recordedDay: number): PlannedAllergy[] {
  const out: PlannedAllergy[] = [];
  for (const allergen of Object.keys(PREVALENCE) as AllergenKey[]) {
    if (!rng.chance(PREVALENCE[allergen])) continue;
    const reaction = rng.weighted(ALLERGENS[allergen].reactions);
    const severity = reaction === 'anaphylaxis' ? 'severe' : rng.chance(0.7) ? 'mild' : 'moderate';
    out.push({ allergen, reaction, severity, recordedDay });
  }
  return out;
}
