import type { DpAccounting } from '../deid/index.js';

/** What a release says about itself: the facts every file is built from. */
export interface ReleaseInfo {
  id: string;
  version: number;
  issued: string;
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

/**
 * Where a release's files are served, relative to the site root. Files never hold the site's
 * base URL: it may change after publishing (they are signed, so they cannot be rewritten). Links
 * inside a file are relative to the file itself; pages and the catalog, built per request, make
 * them absolute with the base URL of the moment.
 */
export const releasePath = (id: string, file = '') => `/public/datasets/${id}/${file}`;
