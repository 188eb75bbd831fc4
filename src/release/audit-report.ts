import type { GateVerdict } from '../deid/index.js';

/**
 * The operators' record of the disclosure audit a release passed: for every withheld value, why
 * it is withheld and the interval the attacker is left with, which covers its protection. The
 * protection interval itself is not kept: around a small count it would give the count away.
 */
export function auditReportJson(gate: GateVerdict): string {
  const withheld = [...gate.audit.intervals]
    .filter(([, iv]) => iv.required !== undefined)
    .map(([id, iv]) => ({ id, cause: gate.causes.get(id) ?? 'complementary', attacker: { low: finite(iv.low), high: finite(iv.high) }, protected: true }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  return JSON.stringify({
    checked: gate.audit.checked,
    programs: gate.audit.programs,
    millis: { linear: Math.round(gate.audit.millis.linear), integer: Math.round(gate.audit.millis.integer) },
    withheld,
  });
}

/** JSON has no infinity: an unbounded side is null. */
const finite = (x: number) => (Number.isFinite(x) ? x : null);
