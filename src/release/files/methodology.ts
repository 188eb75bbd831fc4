import { AGE_BANDS } from '../../deid/index.js';
import { CONTINUOUS_ENROLLMENT_MONTHS, QUALITY_MEASURES } from '../../metrics/quality/index.js';
import { PRIMARY_CARE_EM_CODES } from '../../metrics/attribution.js';
import { RATES, TABLES } from '../../metrics/tables.js';
import type { ReleaseInfo } from '../release.js';
import { disclosureAudit, disclosureSteps } from './methodology-disclosure.js';
import { dpMethodology } from './methodology-dp.js';

/** methodology.md: every rule of the release in words a researcher can check against the data. */
export function methodology(info: ReleaseInfo): string {
  return `# Methodology: release ${info.version} (${info.id})

Issued ${info.issued}. Years covered: ${info.years.join(', ')}. Mode: **${info.mode}**.

These figures are computed by the Consent Gateway health information exchange from the FHIR R4
records its member payers, hospitals and clinics send it, linked into one record per person
across sources. Every rule below is applied by code; the release manifest is signed with the
gateway's key (see "Checking a release").

## Population

- People in the data: ${info.population.people}.
- **Consent.** People who said no to research or public-health use of their data (a FHIR Consent
  that denies purpose HRESCH or PUBHLTH, for anyone) are left out of every figure. Excluded in
  this release: **${info.population.excludedByConsent}**. A person who withheld only part of their
  record from research is left out whole.
- A person counts in a year only for the months they were covered: covered on the 15th of a month
  means a member-month in the market segment of the plan covering them that day.
- Market segment comes from the Coverage type (Source of Payment Typology): 1 = Medicare,
  2 = Medicaid, 5, 6 and 7 = commercial. Other payers are not counted.
- Person-level figures (members, quality measures) count each person once a year, in their
  **primary segment**: the one covering most of their months that year, a tie going to the later
  month. Month-level figures (member-months, dollars, admissions, visits) count in the segment of
  each month.

## Attribution

Each person is attributed to at most one primary-care organization per calendar year:

1. the organization the patient designated, as her health plan records it (Patient.generalPractitioner
   naming an Organization, on a record from a registered payer's source; a practice's own record
   naming itself is its claim, not her choice), the most recently recorded designation first;
2. otherwise the organization with the most primary-care evaluation and management visits in the
   year (Encounters coded CPT ${PRIMARY_CARE_EM_CODES.join(', ')}, at the Encounter's service
   provider), a tie going to the organization seen most recently, then to the lower identifier;
3. otherwise "unattributed".

The method and reason are kept for every person, and each organization's roster is a FHIR Group
(Da Vinci ATR style) that the organization and the patient's payer may read under their data use
agreements.

## Cost and utilization

- **Paid** is the ExplanationOfBenefit "benefit" total; **allowed** is its "eligible" total. A claim
  counts in the month its billable period starts, and only while the person was covered.
- **Service category:** pharmacy claims; professional claims; institutional inpatient claims
  (subtype inpatient); institutional claims with an emergency-department revenue code (045x) are
  ED; other institutional claims are outpatient.
- **PMPM** = dollars ÷ member-months. **Admissions** and **ED visits** per 1,000 member-years =
  events ÷ member-months × 12,000, from Encounters of class IMP and EMER by admission month.
- **30-day all-cause readmission rate** = index inpatient stays discharged in the year that are
  followed by another admission within 30 days of discharge ÷ index stays.

## Quality measures

Each measure applies continuous enrollment first: covered at least ${CONTINUOUS_ENROLLMENT_MONTHS} of the 12 months.

${QUALITY_MEASURES.map((m) => `### ${m.title}${m.inverse ? ' (inverse: lower is better)' : ''}\n\n${m.definition}\n`).join('\n')}
## Tables and strata

${TABLES.map((t) => `- \`${t.id}\`: ${t.dims.length === 0 ? 'all payers, all people' : `by ${t.dims.join(' and ')}`}${t.quarterly ? '; also per calendar quarter for month-level figures' : ''}.`).join('\n')}

A quarter row carries only what is computed month by month: member-months, dollars, admissions,
ED visits, index stays and readmissions, and the rates built from them. Members and the quality
measures count each person once a year, so quarters do not have them.

Published rates:

${RATES.map((r) => `- \`${r.id}\`: ${r.label} = ${r.numerator} ÷ ${r.denominator}${r.per !== 1 ? ` × ${r.per.toLocaleString('en-US')}` : ''}, rounded to ${r.digits} decimals.`).join('\n')}

## De-identification, in order

1. **HIPAA Safe Harbor generalisation** of every stratum: no date finer than a year (quarters are
   aggregate periods; no individual's date is published); ages on 31 December in the bands
   ${AGE_BANDS.join(', ')}, so every age over 89 is "90+"; geography is the state and the first three
   ZIP digits, and a ZIP3 whose population is 20,000 or fewer becomes 000. ZIP3 populations:
   ${info.zip3Vintage}.
${disclosureSteps(info)}
${disclosureAudit(info)}${dpMethodology(info)}
## Checking a release

- \`datapackage.json\` lists every file with its sha256 and size.
- \`manifest.json\` states the same digests and this release's facts; \`manifest.jws\` is a compact
  JWS (ES256) over exactly those bytes, signed with the gateway key published at
  [/oidc/jwks](../../../oidc/jwks) on the site that serves this release.
- \`dictionary.csv\` defines every column, every measure (kind, unit, definition, numerator and
  denominator of each rate, the periods it is published for) and every status and reason code.
- Each number's \`cell_id\` (the table's primary key) names what it is, so the same number has the
  same id in every release.
- A release never changes: publishing again creates a new version.
`;
}
