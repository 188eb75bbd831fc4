/**
 * The region's spending as a benchmark reports it: allowed amounts (ExplanationOfBenefit's
 * eligible total) per member per month by market segment, and the shares of inpatient,
 * outpatient facility, professional and pharmacy spending, with the ED (facility and
 * professional) alongside. Read from the generated payer bundles only, so it judges exactly
 * what ingest will see. docs/synthetic-calibration.md compares it with published figures.
 */
import { SOURCES, type Segment } from './catalog.js';
import { isoToDay } from './dates.js';
import type { Region } from './types.js';

export type ServiceCategory = 'inpatient' | 'outpatient' | 'professional' | 'pharmacy';

export interface SegmentCost {
  memberMonths: number;
  allowed: Record<ServiceCategory, number>;
  ed: number;
  total: number;
  pmpm: number;
  /** Allowed per member month without pharmacy (Medicare Advantage's benchmark covers Parts A and B only). */
  medicalPmpm: number;
  shares: Record<ServiceCategory, number> & { ed: number };
}

const ED_CPT = new Set(['99281', '99282', '99283', '99284', '99285']);
const ED_REVENUE = '0450';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function categoryOf(eob: Json): ServiceCategory | undefined {
  const type = eob.type?.coding?.[0]?.code as string | undefined;
  if (type === 'pharmacy') return 'pharmacy';
  if (type === 'professional') return 'professional';
  if (type === 'institutional') return eob.subType?.coding?.[0]?.code === 'inpatient' ? 'inpatient' : 'outpatient';
  return undefined;
}

function isEd(eob: Json): boolean {
  const item = eob.item?.[0];
  return item?.revenue?.coding?.[0]?.code === ED_REVENUE || ED_CPT.has(item?.productOrService?.coding?.[0]?.code);
}

function emptyCost(): SegmentCost {
  const zero = { inpatient: 0, outpatient: 0, professional: 0, pharmacy: 0 };
  return { memberMonths: 0, allowed: { ...zero }, ed: 0, total: 0, pmpm: 0, medicalPmpm: 0, shares: { ...zero, ed: 0 } };
}

export function costProfile(region: Region): Record<Segment, SegmentCost> {
  const out: Record<Segment, SegmentCost> = { commercial: emptyCost(), 'medicare-advantage': emptyCost(), medicaid: emptyCost() };
  for (const file of region.sources) {
    const segment = SOURCES.find((s) => s.id === file.id)?.segment;
    if (segment === undefined) continue;
    const cost = out[segment];
    for (const entry of file.bundle.entry ?? []) {
      const r = entry.resource as Json;
      if (r.resourceType === 'Coverage') cost.memberMonths += (isoToDay(r.period.end) - isoToDay(r.period.start) + 1) / (365.25 / 12);
      if (r.resourceType !== 'ExplanationOfBenefit') continue;
      const category = categoryOf(r);
      const eligible = (r.total as Json[]).find((t) => t.category?.coding?.[0]?.code === 'eligible')?.amount?.value ?? 0;
      if (category === undefined) continue;
      cost.allowed[category] += eligible;
      if (isEd(r)) cost.ed += eligible;
    }
  }
  for (const cost of Object.values(out)) {
    cost.total = cost.allowed.inpatient + cost.allowed.outpatient + cost.allowed.professional + cost.allowed.pharmacy;
    cost.pmpm = cost.memberMonths > 0 ? cost.total / cost.memberMonths : 0;
    cost.medicalPmpm = cost.memberMonths > 0 ? (cost.total - cost.allowed.pharmacy) / cost.memberMonths : 0;
    for (const k of ['inpatient', 'outpatient', 'professional', 'pharmacy'] as const) cost.shares[k] = cost.total > 0 ? cost.allowed[k] / cost.total : 0;
    cost.shares.ed = cost.total > 0 ? cost.ed / cost.total : 0;
  }
  return out;
}
