/**
 * Laboratory panels as a reference lab reports them: LOINC-coded analytes with
 * UCUM units, the lab's adult reference interval, and an H / L / N flag read
 * from it. Which panels a person gets, and when, is decided in emit-labs.ts.
 */
import type { Rng } from './prng.js';

export type PanelKey = 'hba1c' | 'lipid' | 'bmp';

export interface Analyte {
  loinc: string;
  display: string;
  text: string;
  unit: string;
  low?: number;
  high?: number;
  decimals: number;
}

export interface PanelDef {
  loinc: string;
  display: string;
  text: string;
  analytes: readonly Analyte[];
}

export const HBA1C: Analyte = {
  loinc: '4548-4',
  display: 'Hemoglobin A1c/Hemoglobin.total in Blood',
  text: 'Hemoglobin A1c',
  unit: '%',
  low: 4,
  high: 5.6,
  decimals: 1,
};

export const PANELS: Readonly<Record<PanelKey, PanelDef>> = {
  hba1c: { loinc: '4548-4', display: HBA1C.display, text: 'Hemoglobin A1c', analytes: [HBA1C] },
  lipid: {
    loinc: '57698-3',
    display: 'Lipid panel with direct LDL - Serum or Plasma',
    text: 'Lipid panel',
    analytes: [
      { loinc: '2093-3', display: 'Cholesterol [Mass/volume] in Serum or Plasma', text: 'Total cholesterol', unit: 'mg/dL', high: 199, decimals: 0 },
      { loinc: '2571-8', display: 'Triglyceride [Mass/volume] in Serum or Plasma', text: 'Triglycerides', unit: 'mg/dL', high: 149, decimals: 0 },
      { loinc: '2085-9', display: 'Cholesterol in HDL [Mass/volume] in Serum or Plasma', text: 'HDL cholesterol', unit: 'mg/dL', low: 40, decimals: 0 },
      {
        loinc: '18262-6',
        display: 'Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay',
        text: 'LDL cholesterol',
        unit: 'mg/dL',
        high: 99,
        decimals: 0,
      },
    ],
  },
  bmp: {
    loinc: '51990-0',
    display: 'Basic metabolic panel - Blood',
    text: 'Basic metabolic panel',
    analytes: [
      { loinc: '2345-7', display: 'Glucose [Mass/volume] in Serum or Plasma', text: 'Glucose', unit: 'mg/dL', low: 70, high: 99, decimals: 0 },
      { loinc: '3094-0', display: 'Urea nitrogen [Mass/volume] in Serum or Plasma', text: 'BUN', unit: 'mg/dL', low: 7, high: 20, decimals: 0 },
      { loinc: '2160-0', display: 'Creatinine [Mass/volume] in Serum or Plasma', text: 'Creatinine', unit: 'mg/dL', low: 0.6, high: 1.3, decimals: 2 },
      { loinc: '2951-2', display: 'Sodium [Moles/volume] in Serum or Plasma', text: 'Sodium', unit: 'mmol/L', low: 136, high: 145, decimals: 0 },
      { loinc: '2823-3', display: 'Potassium [Moles/volume] in Serum or Plasma', text: 'Potassium', unit: 'mmol/L', low: 3.5, high: 5.1, decimals: 1 },
      { loinc: '2075-0', display: 'Chloride [Moles/volume] in Serum or Plasma', text: 'Chloride', unit: 'mmol/L', low: 98, high: 107, decimals: 0 },
      { loinc: '2028-9', display: 'Carbon dioxide, total [Moles/volume] in Serum or Plasma', text: 'CO2', unit: 'mmol/L', low: 22, high: 29, decimals: 0 },
      { loinc: '17861-6', display: 'Calcium [Mass/volume] in Serum or Plasma', text: 'Calcium', unit: 'mg/dL', low: 8.6, high: 10.3, decimals: 1 },
    ],
  },
};

export type Flag = 'H' | 'L' | 'N';

/** Outside the reference interval is H or L; inside (or with no bound on that side) is N. */
export function interpret(a: Pick<Analyte, 'low' | 'high'>, value: number): Flag {
  if (a.high !== undefined && value > a.high) return 'H';
  if (a.low !== undefined && value < a.low) return 'L';
  return 'N';
}

function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

/** Per-person tendencies, so a person's panels resemble each other from one year to the next. */
export interface LabProfile {
  cholesterol: number;
  hdl: number;
  triglycerides: number;
  creatinine: number;
}

export function labProfile(rng: Rng, female: boolean): LabProfile {
  return {
    cholesterol: rng.normal(192, 30),
    hdl: rng.normal(female ? 57 : 46, 9),
    triglycerides: Math.max(50, rng.normal(140, 45)),
    creatinine: rng.normal(female ? 0.8 : 1.0, 0.15),
  };
}

/** One panel's values in analyte order; glucose follows HbA1c where one is known (ADA's eAG relation). */
export function panelValues(rng: Rng, key: PanelKey, p: LabProfile, a1c?: number): number[] {
  const def = PANELS[key];
  const raw: number[] =
    key === 'lipid'
      ? (() => {
          const tc = rng.normal(p.cholesterol, 10);
          const hdl = Math.max(20, rng.normal(p.hdl, 4));
          const tg = Math.max(40, rng.normal(p.triglycerides, 20));
          return [tc, tg, hdl, Math.max(30, tc - hdl - tg / 5)];
        })()
      : key === 'bmp'
        ? [
            a1c !== undefined ? 28.7 * a1c - 46.7 + rng.normal(0, 12) : rng.normal(90, 9),
            rng.normal(15, 4),
            Math.max(0.4, rng.normal(p.creatinine, 0.06)),
            rng.normal(140, 2),
            rng.normal(4.2, 0.35),
            rng.normal(102, 2.5),
            rng.normal(25, 2),
            rng.normal(9.4, 0.35),
          ]
        : [a1c ?? 5.4];
  return raw.map((v, i) => round(v, def.analytes[i]?.decimals ?? 0));
}
