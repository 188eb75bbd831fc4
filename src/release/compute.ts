import type { Database } from '../db/database.js';
import {
  declareUniverse,
  deidentify,
  type DeidentifiedRelease,
  type PublishedCell,
  type ReleaseUniverse,
  type Solver,
  type Workload,
  type Zip3Table,
} from '../deid/index.js';
import type { RandomWords } from '../deid/noise.js';
import { attributeAll } from '../metrics/attribution-data.js';
import type { Attribution } from '../metrics/attribution.js';
import { sql } from 'drizzle-orm';
import { contribution, type Clipping } from '../metrics/contributions.js';
import { readAggregateOptOuts, readFacts } from '../metrics/read-facts.js';
import { tabulator, type Cell } from '../metrics/tabulate.js';
import { readParticipants } from '../participants/index.js';
import { DP_WORKLOAD, UNIVERSE_POLICY } from './dp-policy.js';

export interface ComputeOptions {
  now: string;
  zip3: Zip3Table;
  /** Calendar years to publish; by default every complete or current year with claims. */
  years?: number[];
  /** Differential privacy: the workload defaults to policies/dp-release.json. */
  privacy?: { epsilon: number; clipping: Clipping; workload?: Workload };
  words?: RandomWords;
  /** The LP/MIP solver of the disclosure audit (exact releases). */
  solver?: Solver;
  /**
   * How an exact release chooses what to withhold: the audit-driven suppression by default.
   * Whatever chooses, the publication gate checks the result (publish.ts).
   */
  suppression?: Suppression;
}

/** A method of choosing what an exact release withholds. */
export type Suppression = (cells: readonly Cell[], solver: Solver) => { cells: PublishedCell[] };

export interface ComputedRelease extends Omit<DeidentifiedRelease, 'population'> {
  years: number[];
  /**
   * People in the data, and those left out because they opted out of research and public-health
   * use. Noisy in a differentially private release, like every other figure.
   */
  population: { people: number; excludedByConsent: number };
  attributions: Map<number, Attribution[]>;
  /** An exact release: the cells before de-identification, which the publication gate checks it against. */
  exact?: Cell[];
}

export interface ComputedCells {
  cells: Cell[];
  years: number[];
  population: { people: number; excludedByConsent: number };
  attributions: Map<number, Attribution[]>;
}

/**
 * Reads the store and computes a release's de-identified cells: the exact cells (computeCells),
 * then de-identification. With differential privacy the cells are first put on the declared
 * universe, whose organizations come from the participant registry.
 */
export async function computeRelease(db: Database, options: ComputeOptions): Promise<ComputedRelease> {
  const exact = await computeCells(db, { ...options, ...(options.privacy ? { clipping: options.privacy.clipping } : {}) });
  if (!options.privacy) {
    const chosen =
      options.suppression && options.solver
        ? options.suppression(exact.cells, options.solver)
        : deidentify(exact.cells, options.solver ? { solver: options.solver } : {});
    return { ...exact, ...chosen, exact: exact.cells };
  }
  const universe = await releaseUniverse(db, exact.years);
  const deidentified = deidentify(exact.cells, {
    privacy: { epsilon: options.privacy.epsilon, clipping: options.privacy.clipping, workload: options.privacy.workload ?? DP_WORKLOAD, universe },
    population: exact.population,
    ...(options.words ? { words: options.words } : {}),
  });
  const { population, ...rest } = deidentified;
  return { ...exact, ...rest, population: population ? { people: population.people, excludedByConsent: population.excludedByConsent } : exact.population };
}

/**
 * The exact cells of every year: metric inputs, attribution per year, consent exclusions and
 * tabulation, with each person's contribution clipped when `clipping` is given. The only I/O is
 * the reads. Nothing here is publishable as it is.
 */
export async function computeCells(db: Database, options: { now: string; zip3: Zip3Table; years?: number[]; clipping?: Clipping }): Promise<ComputedCells> {
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
  const clip = options.clipping;
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
  return { cells, years, population: { people: people.length, excludedByConsent }, attributions };
}

const SLICE = 2_000;

/**
 * The declared universe of a release: the policy's service area and plans, the registered
 * provider organizations (those attribution can name) and payers. Registry data, never patient
 * data.
 */
export async function releaseUniverse(db: Database, years: readonly number[]): Promise<ReleaseUniverse> {
  const { organizations } = await readParticipants(db);
  return declareUniverse({
    policy: UNIVERSE_POLICY,
    providers: organizations.filter((o) => o.kind === 'provider').map((o) => o.reference),
    payers: organizations.filter((o) => o.kind === 'payer').map((o) => o.reference),
    years,
  });
}

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
