import { describe, expect, it } from 'vitest';
import { DEFAULT_CLIPPING, expectedErrors, planQueries, PROTECTION } from '../../src/deid/index.js';
import { accountingOf } from '../../src/deid/dp/accounting.js';
import { DP_WORKLOAD } from '../../src/release/dp-policy.js';
import { methodology } from '../../src/release/files/methodology.js';
import { REASON_CODES } from '../../src/release/files/reasons.js';
import type { ReleaseInfo } from '../../src/release/release.js';
import { testUniverse } from '../helpers/dp.js';

const base = {
  id: 'v1',
  version: 1,
  issued: '2026-01-15T00:00:00.000Z',
  years: [2025],
  population: { people: 1000, excludedByConsent: 12 },
  zip3Vintage: 'test',
};
const exact: ReleaseInfo = { ...base, mode: 'suppression' };

function noisy(): ReleaseInfo {
  const universe = testUniverse([2025]);
  const plan = planQueries({ epsilon: 1, workload: DP_WORKLOAD, years: [2025], clipping: DEFAULT_CLIPPING });
  const privacy = accountingOf(plan, expectedErrors(plan, universe), universe, DP_WORKLOAD);
  return { ...base, mode: 'differential-privacy', privacy: { ...privacy, lifetimeBudget: 10, spentBefore: 0 }, clipping: DEFAULT_CLIPPING };
}

/** The lines of one "### " subsection of the text. */
const section = (md: string, title: string) => {
  const start = md.indexOf(`### ${title}`);
  expect(start, `section "${title}"`).toBeGreaterThanOrEqual(0);
  const end = md.slice(start + 4).search(/^##/m);
  return md.slice(start, end < 0 ? undefined : start + 4 + end);
};
const percent = (x: number) => `${Math.round(x * 100)}%`;

describe('methodology.md of an exact (suppression) release', () => {
  const md = methodology(exact);

  it("states the protection levels with the policy's numbers", () => {
    const rows = section(md, 'How much must stay unknown')
      .split('\n')
      .filter((l) => l.startsWith('| '));
    const row = (start: string) => rows.find((r) => r.startsWith(`| ${start}`)) ?? '';
    const small = `1 to ${PROTECTION.minCount - 1}`;
    expect(row(`A count of ${small}`)).toContain(`one fewer than the true count (but not below 1), and ${PROTECTION.minCount}`);
    expect(row(`A dollar sum with ${small} people`)).toContain(`${percent(PROTECTION.sumShare)} below and ${percent(PROTECTION.sumShare)} above`);
    expect(row("A plan's panel")).toContain(`${percent(PROTECTION.panelShare)} of the true value (and at least 1)`);
    expect(row('Any other withheld value')).toMatch(/at least 1 .*never recovered exactly/);
    // The policy as it stands: 11, 15%, 10%.
    expect(md).toMatch(/one fewer than the true count \(but not below 1\), and 11 \|/);
    expect(md).toMatch(/15% below and 15% above/);
    expect(md).toMatch(/\| 10% of the true value/);
  });

  it("states the attacker's facts: identities, whole numbers, 12 member-months, rounding of every value and rate", () => {
    const facts = section(md, 'What the attacker is assumed to know');
    expect(facts).toMatch(/adds up to the all-payer total/);
    expect(facts).toMatch(/counts are whole numbers/);
    expect(facts).toMatch(/1 to 12 member-months a year/);
    expect(facts).toMatch(/members ≤ member-months ≤ 12 × members/);
    expect(facts).toMatch(/Readmissions never exceed index stays/);
    expect(facts).toMatch(/rounded to its published step/);
    expect(facts).toMatch(/two linear inequalities/);
    expect(facts).toMatch(/"not applicable" means its denominator is 0/);
    expect(facts).toMatch(/a reason adds no\s+constraint/);
    const attack = section(md, 'What the attacker does');
    expect(attack).toMatch(/linear programming/);
    expect(attack).toMatch(/mixed-integer programming/);
    expect(md).toMatch(/A release whose audit does not pass is not published/);
  });

  it('gives only disclosure-control and payer-confidential as public reasons, never primary or complementary', () => {
    const after = md.slice(md.indexOf('The public reasons are only:'));
    const listed = [...after.matchAll(/^ {3}- `([a-z-]+)`/gm)].map((m) => m[1]);
    expect(listed).toEqual(['disclosure-control', 'payer-confidential']);
    expect(listed).toEqual(REASON_CODES);
    expect(md).not.toMatch(/`(primary|complementary)`/);
    expect(md).not.toMatch(/reason:? `?(primary|complementary)/i);
  });

  it('says what the audit does not cover, and that differencing across releases is refused', () => {
    const limits = section(md, 'What the audit does not cover');
    expect(limits).toMatch(/Knowledge from elsewhere/);
    expect(limits).toMatch(/Which values are withheld depends on the data/);
    expect(limits).toMatch(/refuses a second exact release/);
  });
});

describe('methodology.md of a differentially private release', () => {
  const md = methodology(noisy());

  it('has no complementary step or audit, and judges payer confidentiality by declared plans', () => {
    expect(md).not.toMatch(/## The disclosure audit/);
    expect(md).toMatch(/No complementary step and no disclosure audit/);
    expect(md).toMatch(/No cell-size suppression/);
    expect(md).toMatch(new RegExp(`fewer than ${PROTECTION.minPayers} plans registered for it \\(the declared plans, never the\\s+plans of the people`));
    expect(md).not.toMatch(/`(primary|complementary)`/);
  });
});
