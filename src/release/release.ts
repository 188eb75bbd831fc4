import type { DpAccounting } from '../deid/index.js';

/** What a release says about itself: the facts every file is built from. */
export interface ReleaseInfo {
  id: string;
  version: number;
  issued: string;
  baseUrl: string;
  years: number[];
  mode: 'suppression' | 'differential-privacy';
  population: { people: number; excludedByConsent: number };
  privacy?: DpAccounting & { lifetimeBudget: number; spentBefore: number };
  zip3Vintage: string;
  clipping?: { dollars: number; admissions: number; edVisits: number };
}

export interface ReleaseFile {
  name: string;
  mediaType: string;
  content: string;
}

export const datasetUrl = (info: Pick<ReleaseInfo, 'baseUrl' | 'id'>, file = '') => `${info.baseUrl}/public/datasets/${info.id}/${file}`;
