import type { Contract } from './contract.js';
import type { QuarterFigures } from './compute.js';

/** One "by improving N% on X, you would save $Y", with the figures it came from. */
export interface Opportunity {
  metric: 'inpatient-admission' | 'ed-visit' | 'med-rx-cost-pmpm';
  /** Percent improvement assumed (for PMPM: the gap to the benchmark, as a percent of actual). */
  improvementPercent: number;
  /** USD over the period's member-months. */
  savings: number;
  text: string;
  basis: Record<string, number>;
}

/** The improvement a report shows for admissions and ED visits. */
export const DEFAULT_IMPROVEMENT_PERCENT = 10;

/**
 * Cost opportunities derived from the period's own figures, nothing else: fewer admissions at
 * the period's average paid per admission, fewer ED visits at its average paid per visit, and
 * total cost PMPM brought down to the benchmark. Pure; no opportunity without a count to improve.
 */
export function opportunities(
  contract: Pick<Contract, 'benchmarkPmpm'>,
  f: QuarterFigures,
  percent = DEFAULT_IMPROVEMENT_PERCENT,
  opts: { coarse?: boolean } = {},
): Opportunity[] {
  const out: Opportunity[] = [];
  const per = (what: 'inpatient-admission' | 'ed-visit', count: number, paid: number, per1000: number | null, noun: string) => {
    if (count === 0 || per1000 === null) return;
    const average = paid / count;
    const savings = round2(count * (percent / 100) * average);
    out.push({
      metric: what,
      improvementPercent: percent,
      savings,
      // Coarse (the multi-payer view, pooled over plans): rates in whole numbers, savings to the
      // thousand and no average, so no count or member-months can be solved back from the sentence.
      text: opts.coarse
        ? `By reducing ${noun} per 1,000 by ${percent}% (from about ${Math.round(per1000)}), you would save about $${thousands(savings)}.`
        : `By reducing ${noun} per 1,000 by ${percent}% (from ${per1000} to ${round2(per1000 * (1 - percent / 100))}), at the period's average of $${money(average)} paid per ${noun.replace(/s$/, '')}, you would save $${money(savings)}.`,
      basis: { count, paid, per1000, averagePaid: round2(average), memberMonths: f.memberMonths },
    });
  };
  per('inpatient-admission', f.admissions, f.inpatientPaid, f.admissionsPer1000, 'admissions');
  per('ed-visit', f.edVisits, f.edPaid, f.edVisitsPer1000, 'ED visits');
  if (f.totalPmpm !== null && f.totalPmpm > contract.benchmarkPmpm) {
    const gap = f.totalPmpm - contract.benchmarkPmpm;
    const pct = round2((gap / f.totalPmpm) * 100);
    const savings = round2(gap * f.memberMonths);
    out.push({
      metric: 'med-rx-cost-pmpm',
      improvementPercent: pct,
      savings,
      text: `By reducing total cost of care by ${pct}% (from $${money(f.totalPmpm)} to the benchmark $${money(contract.benchmarkPmpm)} PMPM), you would save $${money(savings)} over ${f.memberMonths} member-months.`,
      basis: { totalPmpm: f.totalPmpm, benchmarkPmpm: contract.benchmarkPmpm, memberMonths: f.memberMonths },
    });
  }
  return out;
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const thousands = (x: number) => (Math.round(x / 1000) * 1000).toLocaleString('en-US');
const money = (x: number) => round2(x).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
