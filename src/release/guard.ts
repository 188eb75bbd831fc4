/**
 * Differencing across releases: two exact (noise-free) releases of the same years, whose
 * populations differ by a few people, let anyone subtract one from the other and read those
 * people's figures, whatever the suppression. So each year may appear in at most one noise-free
 * release; any later release of that year must carry differential-privacy noise, whose guarantee
 * holds whatever else has been published. Pure.
 */
export function checkDifferencing(
  previous: readonly { id: string; mode: string; years: readonly number[] }[],
  mode: 'suppression' | 'differential-privacy',
  years: readonly number[],
): { ok: true } | { ok: false; message: string } {
  if (mode !== 'suppression') return { ok: true };
  const clash = previous.find((r) => r.mode === 'suppression' && r.years.some((y) => years.includes(y)));
  if (!clash) return { ok: true };
  const overlap = clash.years.filter((y) => years.includes(y));
  return {
    ok: false,
    message: `release ${clash.id} already published ${overlap.join(', ')} without noise; publishing those years again without noise would allow differencing. Use differential privacy (an epsilon) or other years.`,
  };
}
