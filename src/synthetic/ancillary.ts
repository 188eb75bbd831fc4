/**
 * Services a visit sends a person on to, which the hospital's outpatient departments bill
 * but whose records stay in the hospital's radiology and surgery systems (not in the
 * exchange): imaging, and outpatient procedures. Each is a facility claim and, for a
 * reading or operating physician, a professional one. Rates per visit and allowed ranges
 * are this generator's calibration (docs/synthetic-calibration.md), chosen so outpatient
 * spending approaches its benchmark share; codes are CPT and NUBC revenue codes.
 */
import type { Rng, Weighted } from './prng.js';

export interface AncillaryDef {
  cpt: string;
  display: string;
  revenue: readonly [string, string];
  facility: readonly [number, number];
  professional: readonly [number, number];
}

const XRAY: readonly [string, string] = ['0320', 'Radiology - diagnostic - general classification'];
const CT: readonly [string, string] = ['0350', 'CT scan - general classification'];
const MRI: readonly [string, string] = ['0610', 'MRI technical - general classification'];
const US: readonly [string, string] = ['0402', 'Other imaging services - ultrasound'];
const SURGERY: readonly [string, string] = ['0360', 'Operating room services - general classification'];

export const IMAGING: Weighted<AncillaryDef> = [
  [{ cpt: '71046', display: 'Radiologic examination, chest; 2 views', revenue: XRAY, facility: [90, 220], professional: [20, 40] }, 40],
  [
    {
      cpt: '74177',
      display: 'Computed tomography, abdomen and pelvis; with contrast material(s)',
      revenue: CT,
      facility: [700, 1600],
      professional: [80, 140],
    },
    15,
  ],
  [
    {
      cpt: '72148',
      display: 'Magnetic resonance imaging, spinal canal and contents, lumbar; without contrast material',
      revenue: MRI,
      facility: [900, 1900],
      professional: [80, 130],
    },
    15,
  ],
  [
    {
      cpt: '73721',
      display: 'Magnetic resonance imaging, any joint of lower extremity; without contrast material',
      revenue: MRI,
      facility: [900, 1900],
      professional: [80, 130],
    },
    10,
  ],
  [
    { cpt: '76700', display: 'Ultrasound, abdominal, real time with image documentation; complete', revenue: US, facility: [250, 600], professional: [40, 80] },
    20,
  ],
];

export const PROCEDURES: Weighted<AncillaryDef> = [
  [{ cpt: '45378', display: 'Colonoscopy, flexible; diagnostic', revenue: SURGERY, facility: [1800, 3200], professional: [350, 650] }, 40],
  [
    {
      cpt: '43239',
      display: 'Esophagogastroduodenoscopy, flexible, transoral; with biopsy, single or multiple',
      revenue: SURGERY,
      facility: [1500, 2800],
      professional: [300, 500],
    },
    20,
  ],
  [
    {
      cpt: '29881',
      display: 'Arthroscopy, knee, surgical; with meniscectomy (medial OR lateral)',
      revenue: SURGERY,
      facility: [4500, 8500],
      professional: [800, 1400],
    },
    20,
  ],
  [
    {
      cpt: '66984',
      display: 'Extracapsular cataract removal with insertion of intraocular lens prosthesis',
      revenue: SURGERY,
      facility: [2200, 3800],
      professional: [650, 950],
    },
    20,
  ],
];

/**
 * Specialist consultations the PCP refers to (hospital-employed specialists, billed as
 * professional claims only). Consultation codes, not the primary-care E&M codes
 * attribution counts, so referrals never move a person's attributed PCP.
 */
export const CONSULTS: Weighted<AncillaryDef> = [
  [
    {
      cpt: '99243',
      display: 'Office or other outpatient consultation, low medical decision making',
      revenue: ['0510', 'Clinic - general classification'],
      facility: [0, 0],
      professional: [170, 260],
    },
    50,
  ],
  [
    {
      cpt: '99244',
      display: 'Office or other outpatient consultation, moderate medical decision making',
      revenue: ['0510', 'Clinic - general classification'],
      facility: [0, 0],
      professional: [240, 360],
    },
    50,
  ],
];

/** Per adult office visit and per ED visit: the chance it leads to imaging or a procedure. */
export const RATES = { officeImaging: 0.3, officeProcedure: 0.06, edImaging: 0.5, officeConsult: 0.6, consultFollowUps: 3 } as const;

export function drawAncillary(rng: Rng, p: number, table: Weighted<AncillaryDef>): AncillaryDef | undefined {
  const roll = rng.next();
  const pick = rng.weighted(table);
  return roll < p ? pick : undefined;
}
