import type { Database } from '../db/database.js';
import { deidentify, type DeidentifiedRelease, type PrivacySettings, type Solver, type Zip3Table } from '../deid/index.js';
import type { RandomWords } from '../deid/noise.js';
import { attributeAll } from '../metrics/attribution-data.js';
import type { Attribution } from '../metrics/attribution.js';
import { sql } from 'drizzle-orm';
import { contribution } from '../metrics/contributions.js';
import { readAggregateOptOuts, readFacts } from '../metrics/read-facts.js';
import { tabulator, type Cell } from '../metrics/tabulate.js';

export interface ComputeOptions {
  now: string;
  zip3: Zip3Table;
  /** Calendar years to publish; by default every complete or current year with claims. */
  years?: number[];
  privacy?: PrivacySettings;
  words?: RandomWords;
  /** The LP/MIP solver of the disclosure audit. */
  solver: Solver;
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
  const optedOut = await readAggregateOptOuts(db, options.now);
  const nowYear = Number(options.now.slice(0, 4));
  const years = options.years ?? (await claimYears(db)).filter((y) => y <= nowYear);
  const attributions = new Map<number, Attribution[]>();
  const byPerson = new Map<number, Map<string, Attribution>>();
  const tabulators = new Map<number, ReturnType<typeof tabulator>>();
  for (const year of years) {
    const attributed = await attributeAll(db, year);
    attributions.set(year, attributed);
    byPerson.set(year, new Map(attributed.map((a) => [a.person, a])));
    tabulators.set(year, tabulator(year, options.zip3));
  }
  const clip = options.privacy?.clipping;
  const people = (await db.orm.all<{ person: string }>(sql`SELECT DISTINCT person_id AS person FROM patient_links ORDER BY person_id`)).map((r) => r.person);
  let excludedByConsent = 0;
  // Slices of people: memory holds one slice's records, never the whole population's.
  for (let i = 0; i < people.length; i += SLICE) {
    const slice = people.slice(i, i + SLICE);
    const facts = await readFacts(db, { from: slice[0]!, to: slice[slice.length - 1]! });
    for (const p of facts.values()) {
      if (optedOut.has(p.person)) {
        excludedByConsent++;
        continue;
      }
      for (const year of years) {
        const c = contribution(p, year, byPerson.get(year)!.get(p.person), clip);
        if (c) tabulators.get(year)!.add(c);
      }
    }
  }
  const cells: Cell[] = years.flatMap((y) => tabulators.get(y)!.cells());
  const deidentified = deidentify(cells, options.solver, {
    ...(options.privacy ? { privacy: options.privacy } : {}),
    ...(options.words ? { words: options.words } : {}),
  });
  return { ...deidentified, years, population: { people: people.length, excludedByConsent }, attributions };
}

const SLICE = 2_000;

/** Calendar years with claims, from the indexed date column. */
export async function claimYears(db: Database): Promise<number[]> {
  const rows = await db.orm.all<{ year: string }>(
    sql`SELECT DISTINCT substr(date_start, 1, 4) AS year FROM resources WHERE type = 'ExplanationOfBenefit' AND date_start IS NOT NULL`,
  );
  return rows
    .map((r) => Number(r.year))
    .filter(Number.isInteger)
    .sort();
}
