import type { Dimension } from '../../metrics/tables.js';
import { TABLES } from '../../metrics/tables.js';

/**
 * The stable id of one published number: `period:table:dimension=value;…:measure`, for example
 * `2025:segment_organization:segment=commercial;organization=Organization/oak:paid_pmpm` or
 * `2025-Q3:total::admissions`. It is built from what the number is (never from its position
 * or from data), so the same stratum and measure carry the same id in every release, and a
 * researcher can join releases on it. Dimensions come in the table's declared order; a value's
 * `%`, `:`, `;`, `=` and `,` are percent-encoded so the id always splits back unambiguously.
 */
export function cellId(period: string, table: string, stratum: Partial<Record<Dimension, string>>, measure: string): string {
  const dims = TABLES.find((t) => t.id === table)?.dims ?? (Object.keys(stratum).sort() as Dimension[]);
  return `${period}:${table}:${dims.map((d) => `${d}=${encode(stratum[d] ?? '')}`).join(';')}:${encode(measure)}`;
}

const encode = (s: string) => s.replace(/[%:;=,\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
