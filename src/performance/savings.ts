import type { Contract } from './contract.js';

/** What the settlement is computed from: the contract's terms and the period's actual figures. */
export interface SavingsInput {
  benchmarkPmpm: number;
  actualPmpm: number;
  memberMonths: number;
  minimumSavingsRate: number;
  sharingRate: number;
  qualityGatePassed: boolean;
  /** Two-sided (HCP-LAN 3B) contracts only. */
  downside?: { sharingRate: number; cap: number };
}

export interface Settlement {
  /** Positive: shared savings earned by the organization; negative: shared deficit it owes; USD. */
  amount: number;
  /** (benchmark − actual) / benchmark: positive is savings. */
  savingsRate: number;
  outcome: 'shared-savings' | 'shared-deficit' | 'within-corridor' | 'quality-gate-failed' | 'no-members';
}

/** The formula in words, for the report and the README. */
export const SAVINGS_FORMULA =
  'savings rate = (benchmark PMPM − actual PMPM) / benchmark PMPM. ' +
  'Shared savings = (benchmark PMPM − actual PMPM) × member-months × sharing rate, ' +
  'if the quality gate passed and the savings rate is at least the minimum savings rate (MSR); otherwise 0. ' +
  'Two-sided (HCP-LAN 3B) contracts only: if the loss rate (−savings rate) is at least the MSR, ' +
  'shared deficit = (actual PMPM − benchmark PMPM) × member-months × downside sharing rate, at most the cap, whatever the quality gate; ' +
  'it is reported as a negative amount. Amounts are rounded to the cent; the first dollar is shared once the MSR is met.';

/**
 * Shared savings or deficit (see SAVINGS_FORMULA). Pure. An upside-only (3A) contract never
 * yields a negative amount, and a lower actual cost never yields less.
 * @example settle({ benchmarkPmpm: 500, actualPmpm: 480, memberMonths: 12000, minimumSavingsRate: 0.02, sharingRate: 0.5, qualityGatePassed: true }).amount // 120000
 */
export function settle(s: SavingsInput): Settlement {
  if (s.memberMonths <= 0) return { amount: 0, savingsRate: 0, outcome: 'no-members' };
  const difference = s.benchmarkPmpm - s.actualPmpm;
  const savingsRate = difference / s.benchmarkPmpm;
  // Compare at 1e-9, so 20/500 = 0.04 against an MSR of 0.04 is not lost to floating point.
  const meets = (rate: number) => Math.round(rate * 1e9) >= Math.round(s.minimumSavingsRate * 1e9);
  if (difference > 0 && meets(savingsRate)) {
    if (!s.qualityGatePassed) return { amount: 0, savingsRate, outcome: 'quality-gate-failed' };
    return { amount: cents(difference * s.memberMonths * s.sharingRate), savingsRate, outcome: 'shared-savings' };
  }
  if (difference < 0 && s.downside && meets(-savingsRate)) {
    const owed = Math.min(s.downside.cap, -difference * s.memberMonths * s.downside.sharingRate);
    return { amount: -cents(owed), savingsRate, outcome: 'shared-deficit' };
  }
  return { amount: 0, savingsRate, outcome: 'within-corridor' };
}

/** The settlement a contract's terms give for an actual PMPM over some member-months. */
export const settleContract = (c: Contract, actualPmpm: number, memberMonths: number, qualityGatePassed: boolean): Settlement =>
  settle({
    benchmarkPmpm: c.benchmarkPmpm,
    actualPmpm,
    memberMonths,
    minimumSavingsRate: c.minimumSavingsRate,
    sharingRate: c.sharingRate,
    qualityGatePassed,
    ...(c.category === '3B' && c.downside ? { downside: c.downside } : {}),
  });

const cents = (x: number) => Math.round(x * 100) / 100 + 0;
