import type { Database } from '../db/database.js';
import { deidentify, type DeidentifiedRelease, type PrivacySettings, type Zip3Table } from '../deid/index.js';
import type { RandomWords } from '../deid/noise.js';
import { attributeAll } from '../metrics/attribution-data.js';
import type { Attribution } from '../metrics/attribution.js';
import { contribution, type Contribution } from '../metrics/contributions.js';
import { readAggregateOptOuts, readFacts } from '../metrics/read-facts.js';
import { tabulate, type Cell } from '../metrics/tabulate.js';

export interface ComputeOptions {
  now: string;
  zip3: Zip3Table;
  /** Calendar years to publish; by default every complete or current year with claims. */
  years?: number[];
  privacy?: PrivacySettings;
  words?: RandomWords;
}

export interface ComputedRelease extends DeidentifiedRelease {
  years: number[];
  /** People in the data, and those left out because they opted out of research and public-health use. */
  population: { people: number; excludedByConsent: number };
  attributions: Map<number, Attribution[]>;
}

/**
 * Reads the store and computes a release's de-identified cells: metric inputs, attribution per
 * year, consent exclusions, tabulation, then de-identification. The only I/O is the reads.
 */
export async function computeRelease(db: Database, options: ComputeOptions): Promise<ComputedRelease> {
  const facts = await readFacts(db);
  const optedOut = await readAggregateOptOuts(db, options.now);
  const nowYear = Number(options.now.slice(0, 4));
  const years =
    options.years ??
    [...new Set([...facts.values()].flatMap((p) => p.claims.map((c) => Number(c.date.slice(0, 4)))))].filter((y) => y <= nowYear).sort();
  const cells: Cell[] = [];
  const attributions = new Map<number, Attribution[]>();
  const clip = options.privacy?.clipping;
  for (const year of years) {
    const attributed = await attributeAll(db, year);
    attributions.set(year, attributed);
    const byPerson = new Map(attributed.map((a) => [a.person, a]));
    const contributions: Contribution[] = [];
    for (const p of facts.values()) {
      if (optedOut.has(p.person)) continue;
      const c = contribution(p, year, byPerson.get(p.person), clip);
      if (c) contributions.push(c);
    }
    cells.push(...tabulate(contributions, year, options.zip3));
  }
  const excludedByConsent = [...optedOut].filter((p) => facts.has(p)).length;
  const deidentified = deidentify(cells, { ...(options.privacy ? { privacy: options.privacy } : {}), ...(options.words ? { words: options.words } : {}) });
  return { ...deidentified, years, population: { people: facts.size, excludedByConsent }, attributions };
}
