import { MAX_COARSENING, PROTECTION } from '../../deid/index.js';
import { CONTINUOUS_ENROLLMENT_MONTHS } from '../../metrics/quality/index.js';
import { SERVICE_CATEGORIES, TABLES } from '../../metrics/tables.js';
import type { ReleaseInfo } from '../release.js';
import { REASONS } from './reasons.js';

const P = PROTECTION;
const small = `1 to ${P.minCount - 1}`;
const percent = (x: number) => Number((x * 100).toPrecision(3));
const pct = (x: number) => `${percent(x)}%`;
const step = (digits: number) => (10 ** -digits).toLocaleString('en-US', { maximumFractionDigits: 12 });
const oneWay = TABLES.filter((t) => t.dims.length === 1).map((t) => t.dims[0]!.replace('_', ' '));
const quarterly = TABLES.filter((t) => t.quarterly).map((t) => `\`${t.id}\``);
const RATE_KINDS = [
  { kind: 'PMPM rates', digits: P.confidentialRateDigits.pmpm },
  { kind: 'per-1,000 rates', digits: P.confidentialRateDigits.per1000 },
  { kind: 'proportions (readmission and quality rates)', digits: P.confidentialRateDigits.proportion },
];
const coarser = (digits: number) => Array.from({ length: MAX_COARSENING }, (_, i) => step(digits - i - 1)).join(', then ');
/** "at least 1 (…) on each side", or a share of the value and at least 1: as protection.ts computes it. */
const atLeast = (share: number) => (share > 0 ? `${pct(share)} of the true value (and at least 1)` : 'at least 1');

const reasonList = Object.entries(REASONS)
  .map(([code, text]) => `   - \`${code}\`, as dictionary.csv describes it: "${text}"`)
  .join('\n');

/** Items 2–5 of "De-identification, in order": what is withheld and why, for this release's mode. */
export function disclosureSteps(info: ReleaseInfo): string {
  if (info.mode === 'differential-privacy')
    return `2. **No cell-size suppression.** The noise is what protects people (see "Differential
   privacy"): small counts are published, noisy, like every other figure.
3. **Payer confidentiality** (reason \`payer-confidential\`): in the segment-by-organization table,
   a cell of a segment with fewer than ${P.minPayers} plans registered for it (the declared plans, never the
   plans of the people in the cell) shows **rates only**: its counts and dollar sums would reveal a
   plan's share of the organization's panel. Those rates are shown coarser than elsewhere
   (${RATE_KINDS.map((r) => `${r.kind} to a step of ${step(r.digits)}`).join('; ')}) and carry no interval.
4. **No complementary step and no disclosure audit.** No published value is exact, so an attacker
   has no exact facts to solve from; what the noise lets anyone learn is bounded by the privacy
   guarantee, whatever else they know.
6. Every withheld value carries its reason; a blank is never silent. The public reasons are only:
${reasonList}
   Without cell-size suppression, only \`payer-confidential\` occurs in this release. A rate with
   a zero denominator has the status \`not-applicable\`, not a reason.
`;
  return `2. **Primary suppression** (small cells): every count from ${small} (members, member-months,
   events, numerators, denominators, exclusions); every dollar sum to which ${small} people
   contribute; every numerator whose complement (denominator − numerator) is ${small}, since it
   would tell how many people did not meet the measure. A rate is published only if its numerator
   and denominator are (except in step 3).
3. **Payer confidentiality**: in the segment-by-organization table, a cell that pools fewer than
   ${P.minPayers} health plans (counted from the plans of the people in it) shows **rates only**: its counts and
   dollar sums would reveal a plan's share of the organization's panel. Those rates are shown
   coarser than elsewhere (${RATE_KINDS.map((r) => `${r.kind} to a step of ${step(r.digits)}`).join('; ')}),
   because a precise rate of two withheld whole numbers can leave only one pair that fits; the
   audit of step 4 coarsens them further, or withholds them, where they are still too precise.
4. **Complementary suppression, by attack.** The disclosure audit (next section) attacks the
   release as it would be published. Where it narrows a withheld value past its protection level,
   a partner is withheld (or a rate shown coarser) and the audit runs again, until it passes.
   A release whose audit does not pass is not published.
5. **The gate.** Whatever chose what to withhold, the publisher then runs the audit once more,
   afresh, over the release exactly as it would be published: it works out again from the data
   which values the rules require withheld and why, refuses the release if any of them is shown
   or if any withheld value is narrowed past its protection, and otherwise keeps the audit's
   report (each withheld value's reason and the attacker's interval, never the value) with the
   release for the operators. A refusal is recorded in the audit trail, and nothing is written.
5. Every withheld value carries its reason; a blank is never silent. The public reasons are only:
${reasonList}
   A small cell and a partner withheld to protect it both say \`disclosure-control\`, on purpose:
   a reason never tells that a value is small. A rate with a zero denominator has the status
   \`not-applicable\`, not a reason.
`;
}

/** The disclosure audit of an exact release: the attacker, the protection levels, the choice of partners, the limits. Empty with noise. */
export function disclosureAudit(info: ReleaseInfo): string {
  if (info.mode !== 'suppression') return '';
  return `## The disclosure audit (this release)

Before any file is built, the release is attacked the way a statistical agency attacks its own
tables. The attacker has every published file and this methodology, and works out, for each
withheld value, the least and the greatest value consistent with everything published: the
**attacker's interval**. Each withheld value has a **protection interval** (below) that the
attacker's interval must cover. A withheld
value whose protection interval is not covered is a finding; the release is changed until there
are none, and is not published otherwise.

### What the attacker is assumed to know

Each fact below is stated by the files or by this methodology, and the attacker treats it as
certain:

- **The identities between tables.** In each period each one-way table
  (${oneWay.join(', ')}) adds up to the all-payer total; the segment-by-organization table adds up to the segment table and
  to the organization table; the four quarters add up to the year for the month-level figures
  (quarters are published for ${quarterly.join(', ')}); paid adds up over its ${SERVICE_CATEGORIES.length} service categories. A row that is not
  in the files is a known zero.
- **No value is negative, and counts are whole numbers** (people, member-months, events).
- **Member-months.** A member has 1 to 12 member-months a year: in a cell not split by segment,
  members ≤ member-months ≤ 12 × members. A member of a segment (their primary segment) has at
  least one month in it, so there members ≤ member-months; that segment's member-months may also
  hold months of people whose primary segment is another, so there is no upper cap.
- **Parts within wholes.** Readmissions never exceed index stays; a quality measure's numerator
  never exceeds its denominator; its denominator and exclusions together never exceed the
  members of the cell.
- **Continuous enrollment.** A person in a quality measure's denominator or exclusions was covered
  at least ${CONTINUOUS_ENROLLMENT_MONTHS} of the 12 months, so in a cell not split by segment the member-months are
  at least the members plus ${CONTINUOUS_ENROLLMENT_MONTHS - 1} times the measure's denominator and exclusions.
- **Rounding.** Every published value is the true value rounded to its published step: counts are
  exact, dollars are to the cent (so the truth is within half a cent), and a rate is to its
  decimals. A rate r published with step s says r − s/2 ≤ per × numerator ÷ denominator ≤ r + s/2,
  which is two linear inequalities: (r − s/2) × denominator ≤ per × numerator ≤ (r + s/2) ×
  denominator. For example, a screening rate shown as 0.42 (step 0.01) with both counts withheld
  says 0.415 × denominator ≤ numerator ≤ 0.425 × denominator.
- **Rates without a value.** A rate that is "not applicable" means its denominator is 0; a rate
  that is published means its denominator is at least 1.
- **The reasons say nothing about size.** \`disclosure-control\` covers both small cells and their
  partners, and \`payer-confidential\` says only that a cell pools few plans, so a reason adds no
  constraint on any value.

### What the attacker does

1. **Linear programs.** For each withheld value with something to protect, the attacker finds
   the least and the greatest value that satisfies every fact above at once (linear programming,
   solved with HiGHS), and rounds the bounds of a count inwards to whole numbers.
2. **Whole-number programs.** Where a published rate ties two withheld counts (the rates-only
   cells of step 3), whole numbers can narrow further than the linear bounds: a precise rate of
   two whole numbers can leave only a few pairs that fit. For every such count the audit asks
   whether some solution in whole numbers (mixed-integer programming) reaches each end of its
   protection interval.

The audit needs only to know whether each end of each protection interval can be reached, so
that is what it asks. A question the solver cannot settle within its limits is counted as
settled in the attacker's favour: against the release.

### How much must stay unknown

The attacker's interval must reach at least the values below, on both sides of the true value
(policies/disclosure-protection.json):

| Withheld value | The attacker's interval must include | Why |
|---|---|---|
| A count of ${small} (primary) | one fewer than the true count (but not below 1), and ${P.minCount} | The CMS cell-size rule: no count of ${small} people or events is published. Reaching ${P.minCount}, the attacker cannot tell that the count is small; reaching one fewer, not how small. That someone is in the cell at all is not protected: its non-zero member-months, dollars or rates, where published, already say so. |
| The complement (denominator − numerator) of a numerator withheld because the complement is ${small} (primary) | one fewer than the true complement (but not below 1), and ${P.minCount} | The complement is a count of ${small} people in its own right (for example those not screened): the attacker must not learn that it is small, so the audit solves for it as for any withheld count. The numerator itself must not be recovered exactly. |
| A dollar sum with ${small} people behind it (primary) | ${pct(P.sumShare)} below and ${pct(P.sumShare)} above the true sum | The protection level of the p% rule for sums of money (Hundepool et al., Statistical Disclosure Control, 2012, 4.2.2), with p = ${percent(P.sumShare)}: from the tables, the sum, and so the spending of anyone in it, cannot be estimated to within ${pct(P.sumShare)} of the sum. |
| A plan's panel in a rates-only cell: its members and member-months | ${atLeast(P.panelShare)} below and above | What payer confidentiality protects is a plan's portion of the organization's panel. |
| Any other withheld value: a partner; a plan's dollars, events and measure counts beside its rates | ${atLeast(P.complementaryShare)} (a person, a month, an event or a dollar) below and above: never recovered exactly | Not sensitive in itself (a partner is ${P.minCount} or more, or has ${P.minCount} or more people behind it; a plan's other figures are its rates times its panel, and the rates are published), but it is never worked out exactly. |
| A withheld zero | nothing | Withheld only as a neighbour; a zero is what a published rate of zero already says. |

A small count in a rates-only cell keeps the protection of a small count, and says
\`payer-confidential\` like every other withheld value of that cell: a different code there would
mark exactly which of the cell's counts are small.

### How partners are chosen

Each finding comes with the facts that bind the attacker's bound (those without which it would
be looser). For each finding, in turn:

1. If one of them is a rate of a rates-only cell, that rate is shown one step coarser, up to
   ${MAX_COARSENING} steps coarser than in step 3 (${RATE_KINDS.map((r) => `${r.kind}: ${step(r.digits)}, then ${coarser(r.digits)}`).join('; ')}),
   and withheld after that.
2. Otherwise a published value in one of those facts is withheld. First one that can cover the
   shortfall on its own (a value that would have to fall for the withheld one to move can fall
   at most by its own size; one that would have to rise can rise without limit); then detail
   before the figures readers use most: the other tables before the all-payer total, other
   quantities before members, member-months, paid and allowed, the total's quarters before its
   year, segment-by-organization cells before one-way cells; then the smallest that suffices.
   A zero is never chosen (it cannot move), nor a value that would itself be pinned at once.
3. Failing that, the same by the identities the value is in, then a coarser rate of the value's
   own cell; as a last resort, every rate involving the value and every published value of the
   facts that bind it, zeros included.
4. The year's all-payer members, member-months, paid and allowed are never withheld as partners,
   unless nothing else is left that can protect the value (a population so small that the total
   is the only cover).

A round makes at most one change per identity and per cell, so that it does not withhold more
than needed; then the audit runs again. Withholding more, or showing a rate coarser, only takes
facts away from the attacker, so a value once protected stays protected: a later round checks
again only what was exposed or newly withheld. The release published is the one whose last audit
found nothing. If nothing is left to change while a finding remains, the release is refused and
nothing is published.

### What the audit does not cover

- **Knowledge from elsewhere.** The attacker knows only what the files and this methodology state.
  Someone who knows some people's records from elsewhere (their own, a relative's, a plan's own
  members, a practice's own panel) can subtract them and learn more about the rest; the audit
  does not model that. Nor does it use facts that the definitions imply but the list above does
  not state (an independent attack found one, continuous enrollment, which is now in the list).
- **Each value, not combinations.** Each withheld value is protected on its own; the sum of two
  withheld values can be known better than either (two withheld cells beside a published total:
  their sum is exact).
- **Whole numbers elsewhere.** The whole-number check runs only for counts tied by a published
  rate; elsewhere the linear bounds, rounded to whole numbers, are taken as the attacker's.
- **Dominance.** A dollar sum with ${P.minCount} or more people behind it is published even if one
  person accounts for most of it.
- **The pattern.** Which values are withheld depends on the data. The audit attacks the values,
  not the choice: someone who knows how partners are chosen may learn something from which were.
- **Other releases.** The audit looks at this release alone. Subtracting two exact releases of the
  same years would reveal the people who differ between them, whatever each one withholds, so a
  year is published without noise at most once: the publisher refuses a second exact release of
  it, and any later release of that year must use differential privacy, whose guarantee holds
  whatever else has been published.

`;
}
