import { PROTECTION, type DpAccounting, type ExpectedError } from '../../deid/index.js';
import { RATES } from '../../metrics/tables.js';
import type { ReleaseInfo } from '../release.js';

/** The differential-privacy section of methodology.md: what is guaranteed, how it is spent, and what it costs in accuracy. */
export function dpMethodology(info: ReleaseInfo): string {
  const dp = info.privacy;
  if (!dp)
    return `## Differential privacy

Not used in this release (suppression only). A later release covering any of these years must
use differential privacy: two exact releases of the same population differing by a few people
would let anyone subtract one from the other.
`;
  const u = dp.universe;
  const clip = info.clipping;
  return `## Differential privacy (this release)

### The guarantee

This release is **(ε, δ)-differentially private with ε = ${dp.epsilon} and δ = ${dp.delta}**, for each
person: adding or removing everything about one person (all years of the release) changes the
probability of any outcome by a factor of at most e^ε, except with probability δ. It is computed
as zero-concentrated differential privacy (zCDP, Bun and Steinke 2016): the release's budget is
ρ = ${fmt(dp.rho)}, the largest ρ with ρ + 2√(ρ ln(1/δ)) ≤ ε. The noised queries below spend
ρ = ${fmt(dp.rhoSpent)} together, which is ε = ${fmt(dp.epsilonSpent)} at this δ. δ is stated in
policies/dp-release.json with its reasoning: at most 1 in 100 per release for a population of up to
a million people.

Across releases the privacy-budget ledger adds up ε (and δ adds up the same way): basic
composition, which holds whatever the releases are. ${dp.spentBefore} was spent before this release;
the lifetime budget is ${dp.lifetimeBudget} (/public/privacy-budget.json).

### Rows declared in advance

Every table has a row for every stratum declared before any data is read, whether or not anyone
is in it; an empty stratum is a noisy zero like any other. So the presence of a row never tells
that someone is there.

- Segments: ${u.segments.join(', ')}.
- Organizations: the ${u.organizations.length - 2} provider organizations registered as participants (public operator data), plus
  \`unattributed\` and \`other\` (attributed to an organization that is not registered).
- Geography: ${u.geographies.filter((g) => g !== 'other').join(', ')}, and \`other\` for anyone outside these areas (policies/release-universe.json).
- Age bands: ${u.ageBands.join(', ')}. Sex: ${u.sexes.join(', ')}.
- Periods: each year, and each quarter for the \`total\` table.

The payer-confidential rule counts the plans **registered for each segment** (${u.segments.map((s) => `${s}: ${u.plans[s].length}`).join(', ')}), never the
plans of the people in a cell; nothing else about a cell is read before noise.

### What is noised, and how

- **Clipping** per person and year, so that one person's influence is bounded: dollars at
  ${clip?.dollars} (paid and allowed; the service categories scaled down with paid), ${clip?.admissions} admissions and
  index stays, ${clip?.edVisits} ED visits; member-months are at most 12 a year and 3 a quarter.
- **Noise**: the discrete Gaussian (Canonne, Kamath and Steinke 2020), sampled exactly with integer
  arithmetic from a cryptographic random source, added to whole numbers (dollars are rounded to
  whole dollars first).
- **Histograms**: per year, each quantity group is measured in each table of the workload as one
  histogram: every value of every row gets its own noise. A group is measured in **parts** that
  each person is in at most one of, so that numerators never exceed denominators:
  readmissions as (index stays not followed by a readmission, readmissions); each quality measure
  as (denominator members who did not meet it, numerator, exclusions); paid as its five service
  categories, and also as one total.
- **Sensitivity** (L2, after clipping): how far one person can move a whole histogram. Member-months
  12 (6 for quarters: at most 3 in each), dollars ${clip?.dollars} plus √k for the rounding to whole dollars
  (at most 1 in each of the k values a person is in), admissions and index stays ${clip?.admissions}, ED visits ${clip?.edVisits},
  members and quality measures 1.
  A histogram with sensitivity Δ and noise σ spends ρ = Δ² / (2σ²).

### How the budget is allocated

The workload (policies/dp-release.json) gives each quantity group and each table a weight; a
histogram's share of ρ is the product of the two, so the figures researchers use most get the
least noise: member-months and paid (hence PMPM) in total and by segment, then by organization,
then the demographic tables, then quarters and service categories. ${pct(dp.workload.population)} of ρ goes to the
population counts of the manifest (people in the data and excluded by consent), which are noisy
too: σ = ${fmt(dp.population.sigma)} on each of two parts, the people kept and the people excluded.
The years share the budget equally.

| Group | Weight |
|---|---|
${Object.entries(dp.workload.groups)
  .map(([g, w]) => `| ${g} | ${w} |`)
  .join('\n')}

| Table | Weight |
|---|---|
${Object.entries(dp.workload.tables)
  .map(([t, w]) => `| ${t} | ${w} |`)
  .join('\n')}

Each year's queries (the same every year):

| Group | Table | Measured | Sensitivity | σ | ρ |
|---|---|---|---|---|---|
${perYear(dp)
  .map((q) => `| ${q.group} | ${q.histogram} | ${q.kind} | ${fmt(q.sensitivity)} | ${fmt(q.sigma)} | ${fmt(q.rho)} |`)
  .join('\n')}

### Post-processing (free under differential privacy)

Nothing below reads the data again, so it costs no privacy.

1. **Least squares.** Every cell, margin and total is measured more than once (the total directly,
   and as the sum of each table). Per year and group, generalised least squares weighted by the
   noise variances gives one estimate of every row with the identities between tables holding:
   each one-way table adds up to the total, segment × organization to both of its margins,
   quarters to the year, the service categories to paid.
2. **Non-negative whole numbers, top down**, so that adjusting small figures never disturbs the
   large ones: the total is rounded and floored at 0; each one-way table's rows are moved to the
   closest non-negative values (weighted by their variances) that add up to it and rounded keeping
   that sum; segment × organization keeps the segment and organization rows so made, its cells
   fitted to both (raking, then rounding each cell down or up so every margin stays exact);
   quarters add up to the year the same way. Paid is done first as a whole per row, then its five
   service categories fill each row's paid, so a small category clipped at 0 moves dollars between
   the categories of one row, never between organizations or segments.
3. **Rates** are computed from the published parts: ${RATES.filter((r) => r.per === 1 && r.denominator !== 'member_months')
    .map((r) => `\`${r.id}\``)
    .join(', ')} are proportions in [0, 1]; PMPM
   and per-1,000 rates are dollars or events ÷ member-months.
4. Suppression then reads only these noisy values and the declared plans: there is no cell-size
   suppression, no complementary step and no disclosure audit, since the noise is the
   protection. Payer confidentiality still holds: a segment-by-organization cell of a segment
   with fewer than ${PROTECTION.minPayers} registered plans shows only its rates, coarser than elsewhere.

### Intervals

- Every noisy count and sum carries its standard deviation after reconciliation (\`noise_sd\`, the
  same for every population) and a **95% interval**, value ± 1.96 sd, the low end at 0
  (\`interval_low\`, \`interval_high\`), its ends rounded outward to whole units. The rounding and
  the non-negative adjustment of step 2 are not counted in it; they matter only near 0, where the
  low end is 0 anyway.
- A rate's interval comes from its parts' **97.5%** intervals: if both parts are in theirs, which
  happens at least 95% of the time, the rate is between the extreme ratios (for a proportion
  n ÷ (n + rest): n_low ÷ (n_low + rest_high) to n_high ÷ (n_high + rest_low); otherwise
  n_low ÷ d_high to n_high ÷ d_low, with d at least 1).
- A rate published without its parts (payer-confidential) has no interval: the interval and the
  parts' known noise would give the parts back.
- The intervals and \`noise_sd\` cost no privacy: they are computed after the noise, from the
  noisy figures and the mechanism's published parameters alone (post-processing), never from the
  exact figures. A 95% interval means: with the noise this release added, the exact figure lies in
  it 95 times in 100.

### Expected error

The standard deviation of each published figure depends only on the budget, the workload and
the declared rows, never on the data. \`npm run publish -- --epsilon ${dp.epsilon} --dry-run\` prints the same:

| Table | Period | Quantity | sd | 95% ± |
|---|---|---|---|---|
${dp.expected.map((e) => `| ${e.table} | ${e.period} | ${e.quantity} | ${sdRange(e)} | ${fmt(e.halfWidth)} |`).join('\n')}
`;
}

function perYear(dp: DpAccounting) {
  const first = Math.min(...dp.queries.map((q) => q.year));
  return dp.queries.filter((q) => q.year === first);
}

const fmt = (x: number) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : Number(x.toPrecision(3)).toString());
const pct = (x: number) => `${Number((x * 100).toPrecision(3))}%`;
const sdRange = (e: ExpectedError) => (e.sdMax - e.sdMin < 1e-6 * e.sdMax ? fmt(e.sdMax) : `${fmt(e.sdMin)}–${fmt(e.sdMax)}`);
