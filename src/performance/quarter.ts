/** A calendar quarter, the VBPR performance report's period. */
export interface Quarter {
  year: number;
  /** 1–4. */
  q: number;
}

const QUARTER = /^(\d{4})-Q([1-4])$/;

/** `2025-Q3` → { year: 2025, q: 3 }; undefined when malformed. */
export function parseQuarter(s: string): Quarter | undefined {
  const m = QUARTER.exec(s);
  return m ? { year: Number(m[1]), q: Number(m[2]) } : undefined;
}

/** The quarter a period is exactly, or undefined: reports are quarterly. */
export function quarterOf(start: string, end: string): Quarter | undefined {
  const year = Number(start.slice(0, 4));
  for (let q = 1; q <= 4; q++) {
    const p = quarterPeriod({ year, q });
    if (p.start === start.slice(0, 10) && p.end === end.slice(0, 10)) return { year, q };
  }
  return undefined;
}

export const quarterLabel = (x: Quarter) => `${x.year}-Q${x.q}`;

/** The quarter's months, YYYY-MM. */
export const quarterMonths = (x: Quarter): string[] => [1, 2, 3].map((i) => `${x.year}-${String((x.q - 1) * 3 + i).padStart(2, '0')}`);

export function quarterPeriod(x: Quarter): { start: string; end: string } {
  const [first, , last] = quarterMonths(x) as [string, string, string];
  const [y, m] = last.split('-').map(Number) as [number, number];
  return { start: `${first}-01`, end: new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10) };
}

export const yearBefore = (x: Quarter): Quarter => ({ year: x.year - 1, q: x.q });
