/**
 * Claim amounts. Billed (submitted) always exceeds allowed (eligible), and
 * the plan's payment (benefit) never exceeds allowed; what is left is the
 * member's cost share, smallest under Medicaid.
 */
import type { Segment } from './catalog.js';
import { round2, type Rng } from './prng.js';

export interface Amounts {
  submitted: number;
  eligible: number;
  benefit: number;
}

const PAID_SHARE: Readonly<Record<Segment, readonly [number, number]>> = {
  commercial: [0.7, 0.95],
  'medicare-advantage': [0.78, 0.9],
  medicaid: [0.95, 1],
};

/** Which fee schedule a claim is paid under: hospital inpatient, hospital outpatient facility, professional, pharmacy. */
export type PriceSetting = 'inpatient' | 'outpatient' | 'professional' | 'pharmacy';

/**
 * What each segment pays, as a multiple of the allowed ranges below. The ranges are
 * commercial (employer-plan) prices; the commercial multipliers lift them to HCCI 2017's
 * spending per category. Medicare Advantage pays about traditional Medicare's rates
 * (MedPAC), so its level is the commercial level divided by RAND Round 3's commercial-to-
 * Medicare relative prices for 2018 (inpatient 231%, outpatient 267%, and the all-hospital
 * 247% for professional services). Medicaid pays physicians 66% of Medicare (Urban Institute
 * for KFF, 2012 survey); no cited figure was found for Medicaid hospital rates, so its
 * facility claims are priced at the Medicare level. Pharmacy is priced at list net of nothing
 * in every segment (Part D is outside the Medicare Advantage benchmark). Sources and the
 * resulting figures: docs/synthetic-calibration.md.
 */
const COMMERCIAL: Readonly<Record<PriceSetting, number>> = { inpatient: 1.2, outpatient: 1.35, professional: 1.5, pharmacy: 1 };
const RAND_COMMERCIAL_TO_MEDICARE = { inpatient: 2.31, outpatient: 2.67, professional: 2.47 } as const;
const MEDICAID_TO_MEDICARE_PHYSICIAN_FEES = 0.66;

function medicareLevel(setting: PriceSetting): number {
  return setting === 'pharmacy' ? 1 : COMMERCIAL[setting] / RAND_COMMERCIAL_TO_MEDICARE[setting];
}

export const PRICE_LEVEL: Readonly<Record<Segment, Readonly<Record<PriceSetting, number>>>> = {
  commercial: COMMERCIAL,
  'medicare-advantage': {
    inpatient: medicareLevel('inpatient'),
    outpatient: medicareLevel('outpatient'),
    professional: medicareLevel('professional'),
    pharmacy: 1,
  },
  medicaid: {
    inpatient: medicareLevel('inpatient'),
    outpatient: medicareLevel('outpatient'),
    professional: medicareLevel('professional') * MEDICAID_TO_MEDICARE_PHYSICIAN_FEES,
    pharmacy: 1,
  },
};

export function amountsFor(rng: Rng, allowedLo: number, allowedHi: number, segment: Segment, setting: PriceSetting): Amounts {
  const level = PRICE_LEVEL[segment][setting];
  const eligible = Math.max(1, round2(level * rng.uniform(allowedLo, allowedHi)));
  const markup = rng.uniform(1.35, 2.6);
  const [lo, hi] = PAID_SHARE[segment];
  const share = rng.uniform(lo, hi);
  const submitted = Math.max(round2(eligible * markup), round2(eligible + 0.01));
  const benefit = Math.min(eligible, round2(eligible * share));
  return { submitted, eligible, benefit };
}

/** Allowed-amount ranges per CPT code for professional claims, before the segment's price level. */
export const PROFESSIONAL_ALLOWED: Readonly<Record<string, readonly [number, number]>> = {
  '99202': [100, 135],
  '99203': [130, 180],
  '99204': [180, 235],
  '99205': [220, 250],
  '99212': [100, 125],
  '99213': [110, 160],
  '99214': [150, 210],
  '99215': [200, 250],
  '99283': [90, 150],
  '99284': [150, 250],
  '99285': [220, 380],
  '99221': [100, 150],
  '99222': [150, 220],
  '99223': [210, 300],
};

export const ED_FACILITY_ALLOWED: Readonly<Record<string, readonly [number, number]>> = {
  '99283': [800, 1500],
  '99284': [1200, 2200],
  '99285': [1800, 3000],
};

export const MAMMOGRAPHY_ALLOWED = [100, 250] as const;

/** Inpatient facility payment grows with length of stay, within $8k-$40k. */
export function inpatientAllowedRange(rng: Rng, los: number): readonly [number, number] {
  const centre = Math.min(39_000, Math.max(8_500, rng.uniform(5_000, 9_000) + los * rng.uniform(2_200, 3_500)));
  return [Math.max(8_000, centre - 400), Math.min(40_000, centre + 400)];
}
