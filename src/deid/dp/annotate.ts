import { RATES } from '../../metrics/tables.js';
import type { PublishedCell } from '../published.js';
import { rateInterval, valueInterval } from './intervals.js';

/**
 * Gives every published noisy value its standard deviation and 95% interval, and every published
 * rate its interval from its parts. A rate shown without its parts (payer-confidential) gets no
 * interval: the interval's ends together with the parts' known standard deviations would give
 * the withheld parts back. Withheld values get nothing. Mutates the cells it is given.
 */
export function annotate(cells: PublishedCell[], sd: ReadonlyMap<string, number>): PublishedCell[] {
  for (const cell of cells) {
    for (const [quantity, v] of Object.entries(cell.quantities)) {
      const s = sd.get(`${cell.key}#${quantity}`);
      if (v.status !== 'published' || v.value === null || s === undefined) continue;
      v.noiseSd = round(s);
      v.interval = valueInterval(v.value, s);
    }
    for (const rate of RATES) {
      const v = cell.rates[rate.id];
      const n = cell.quantities[rate.numerator];
      const d = cell.quantities[rate.denominator];
      if (v?.status !== 'published' || n?.status !== 'published' || d?.status !== 'published' || n.value === null || d.value === null) continue;
      const sdN = sd.get(`${cell.key}#${rate.numerator}`);
      const sdD = sd.get(`${cell.key}#${rate.denominator}`);
      if (sdN === undefined || sdD === undefined) continue;
      const sdRest = sd.get(`${cell.key}#${rate.id}:rest`);
      v.interval = rateInterval(
        rate,
        { value: n.value, sd: sdN },
        { value: d.value, sd: sdD },
        sdRest === undefined ? undefined : { value: d.value - n.value, sd: sdRest },
      );
    }
  }
  return cells;
}

const round = (x: number) => Number(x.toPrecision(6));
