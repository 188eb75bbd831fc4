/**
 * Real Michigan ZIP codes (spread over many ZIP3 prefixes) with their city, so
 * addresses look plausible and ZIP3-based de-identification has several
 * buckets to work with. Weights lean toward the two hospital cities.
 */
import type { ClinicId, HospitalId } from './catalog.js';
import type { Weighted } from './prng.js';

export type Area = 'lansing' | 'grand-rapids' | 'southeast' | 'southwest' | 'north';

export interface ZipDef {
  zip: string;
  city: string;
  area: Area;
  areaCode: string;
  weight: number;
}

export const ZIPS: readonly ZipDef[] = [
  { zip: '48911', city: 'Lansing', area: 'lansing', areaCode: '517', weight: 6 },
  { zip: '48910', city: 'Lansing', area: 'lansing', areaCode: '517', weight: 5 },
  { zip: '48912', city: 'Lansing', area: 'lansing', areaCode: '517', weight: 4 },
  { zip: '48906', city: 'Lansing', area: 'lansing', areaCode: '517', weight: 4 },
  { zip: '48823', city: 'East Lansing', area: 'lansing', areaCode: '517', weight: 4 },
  { zip: '48864', city: 'Okemos', area: 'lansing', areaCode: '517', weight: 3 },
  { zip: '48917', city: 'Lansing', area: 'lansing', areaCode: '517', weight: 3 },
  { zip: '48842', city: 'Holt', area: 'lansing', areaCode: '517', weight: 2 },
  { zip: '49503', city: 'Grand Rapids', area: 'grand-rapids', areaCode: '616', weight: 5 },
  { zip: '49504', city: 'Grand Rapids', area: 'grand-rapids', areaCode: '616', weight: 5 },
  { zip: '49506', city: 'Grand Rapids', area: 'grand-rapids', areaCode: '616', weight: 4 },
  { zip: '49508', city: 'Kentwood', area: 'grand-rapids', areaCode: '616', weight: 3 },
  { zip: '49417', city: 'Grand Haven', area: 'grand-rapids', areaCode: '616', weight: 2 },
  { zip: '49424', city: 'Holland', area: 'grand-rapids', areaCode: '616', weight: 2 },
  { zip: '48104', city: 'Ann Arbor', area: 'southeast', areaCode: '734', weight: 3 },
  { zip: '48197', city: 'Ypsilanti', area: 'southeast', areaCode: '734', weight: 2 },
  { zip: '48201', city: 'Detroit', area: 'southeast', areaCode: '313', weight: 2 },
  { zip: '48226', city: 'Detroit', area: 'southeast', areaCode: '313', weight: 1 },
  { zip: '48067', city: 'Royal Oak', area: 'southeast', areaCode: '248', weight: 2 },
  { zip: '48502', city: 'Flint', area: 'southeast', areaCode: '810', weight: 2 },
  { zip: '48503', city: 'Flint', area: 'southeast', areaCode: '810', weight: 1 },
  { zip: '49001', city: 'Kalamazoo', area: 'southwest', areaCode: '269', weight: 2 },
  { zip: '49007', city: 'Kalamazoo', area: 'southwest', areaCode: '269', weight: 2 },
  { zip: '49015', city: 'Battle Creek', area: 'southwest', areaCode: '269', weight: 2 },
  { zip: '49201', city: 'Jackson', area: 'southwest', areaCode: '517', weight: 2 },
  { zip: '48601', city: 'Saginaw', area: 'north', areaCode: '989', weight: 2 },
  { zip: '48706', city: 'Bay City', area: 'north', areaCode: '989', weight: 1 },
  { zip: '48858', city: 'Mount Pleasant', area: 'north', areaCode: '989', weight: 1 },
  { zip: '49684', city: 'Traverse City', area: 'north', areaCode: '231', weight: 1 },
  { zip: '49855', city: 'Marquette', area: 'north', areaCode: '906', weight: 1 },
];

export const ZIP_WEIGHTS: Weighted<ZipDef> = ZIPS.map((z) => [z, z.weight] as const);

/** Where people from an area tend to go for primary care (the remainder spreads over all clinics). */
export const CLINIC_PREFERENCE: Readonly<Record<Area, Weighted<ClinicId>>> = {
  lansing: [
    ['clinic-oak', 45],
    ['clinic-willow', 40],
    ['clinic-maple', 5],
    ['clinic-cedar', 5],
    ['clinic-birch', 5],
  ],
  'grand-rapids': [
    ['clinic-maple', 80],
    ['clinic-oak', 5],
    ['clinic-willow', 5],
    ['clinic-cedar', 5],
    ['clinic-birch', 5],
  ],
  southeast: [
    ['clinic-birch', 75],
    ['clinic-oak', 10],
    ['clinic-willow', 5],
    ['clinic-maple', 5],
    ['clinic-cedar', 5],
  ],
  southwest: [
    ['clinic-cedar', 75],
    ['clinic-maple', 10],
    ['clinic-oak', 5],
    ['clinic-willow', 5],
    ['clinic-birch', 5],
  ],
  north: [
    ['clinic-oak', 20],
    ['clinic-maple', 20],
    ['clinic-cedar', 20],
    ['clinic-birch', 20],
    ['clinic-willow', 20],
  ],
};

export const HOME_HOSPITAL: Readonly<Record<Area, Weighted<HospitalId>>> = {
  lansing: [
    ['hosp-mercy', 90],
    ['hosp-riverside', 10],
  ],
  'grand-rapids': [
    ['hosp-riverside', 90],
    ['hosp-mercy', 10],
  ],
  southeast: [
    ['hosp-mercy', 70],
    ['hosp-riverside', 30],
  ],
  southwest: [
    ['hosp-riverside', 65],
    ['hosp-mercy', 35],
  ],
  north: [
    ['hosp-riverside', 55],
    ['hosp-mercy', 45],
  ],
};
