import type { Dimension } from '../metrics/tables.js';

/**
 * Why a value is not published. Every withheld value carries one: never a silent blank. A small
 * cell and the partners withheld to protect it share one reason on purpose: telling them apart
 * would tell an attacker which withheld counts are 1 to 10.
 */
export type SuppressionReason = 'disclosure-control' | 'payer-confidential';

export interface PublishedValue {
  /** Null when suppressed, or for a rate without a denominator. */
  value: number | null;
  status: 'published' | 'suppressed' | 'not-applicable';
  reason?: SuppressionReason;
  /**
   * Differential privacy only: the standard deviation of the noise left in this value after
   * reconciliation (data-independent). Absent for rates and exact values.
   */
  noiseSd?: number;
  /**
   * The rounding step of a published value: 0.01 for dollars, 10^-digits for a rate, or coarser
   * where a rate of withheld parts would otherwise give them away. Exact counts have none.
   */
  step?: number;
  /** Where the true value lies: the 95% interval of a noised value. Absent for exact values. */
  interval?: { low: number; high: number };
}

export interface PublishedCell {
  period: string;
  table: string;
  stratum: Partial<Record<Dimension, string>>;
  key: string;
  quantities: Record<string, PublishedValue>;
  rates: Record<string, PublishedValue>;
}
