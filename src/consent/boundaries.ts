import type { Policies } from './policies.js';

/**
 * Where a remembered decision stops holding. A decision depends on the clock only through
 * `within(when, start, end)` (policies.ts): it can change only when `when` reaches a line's
 * start or passes its end. So a decision made at `from` holds for every `when` with
 * from <= when < the first boundary at or after `from` (at or after: a `when` equal to an end is
 * still within it, one instant later is not). Compared as strings, exactly as `within` does.
 */
export function nextBoundary(sorted: readonly string[], when: string): string | undefined {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < when) lo = mid + 1;
    else hi = mid;
  }
  return sorted[lo];
}

export function earliest(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a < b ? a : b;
}

/** Her consent lines' periods and her break-the-glass grants' ends. */
export function boundariesOf(view: { lines: readonly { start: string; end: string }[]; breakGlass: readonly { expiresAt: string }[] }): readonly string[] {
  const all = new Set<string>();
  for (const line of view.lines) {
    if (line.start) all.add(line.start);
    if (line.end) all.add(line.end);
  }
  for (const grant of view.breakGlass) all.add(grant.expiresAt);
  return [...all].sort();
}

/** The next start or end of any data use agreement's period (dua.conf: start and end are the 7th and 8th fields). */
export function nextDuaBoundary(policies: Policies, when: string): string | undefined {
  if (!policies.duaBoundaries) {
    const lines = (policies.dua.getModel().model.get('p')?.get('p')?.policy ?? []) as string[][];
    const all = new Set<string>();
    for (const line of lines) for (const at of [line[6], line[7]]) if (at) all.add(at);
    policies.duaBoundaries = [...all].sort();
  }
  return nextBoundary(policies.duaBoundaries, when);
}
