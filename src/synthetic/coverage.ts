/**
 * Insurance over the window: who pays for whom, when. Produces the payer
 * switches (Medicaid to commercial, ageing into Medicare Advantage on the 65th
 * birthday) and the coverage gaps that attribution and claims logic must handle.
 */
import { PAYER_BY_SEGMENT, type PayerId, type Segment } from './catalog.js';
import { LAST_DAY, ageOnDay, birthdayDay } from './dates.js';
import type { CoverageSpan } from './plan.js';
import type { Rng } from './prng.js';
import type { CoverageStory } from './stories.js';

function initialSegment(rng: Rng, age: number): Segment {
  if (age >= 65)
    return rng.weighted<Segment>([
      ['medicare-advantage', 88],
      ['commercial', 7],
      ['medicaid', 5],
    ]);
  const medicaid = age < 18 ? 0.3 : 0.17;
  return rng.chance(medicaid) ? 'medicaid' : 'commercial';
}

function otherUnder65(segment: Segment): Segment {
  return segment === 'medicaid' ? 'commercial' : 'medicaid';
}

/** Splits `spans` at `day`: the covering span ends the day before and `payer` takes over. */
function switchAt(spans: CoverageSpan[], day: number, payer: PayerId): void {
  const last = spans[spans.length - 1];
  if (!last || day <= last.start || day > last.end) return;
  const end = last.end;
  last.end = day - 1;
  spans.push({ payer, start: day, end });
}

/** Removes [from, to] from whichever span contains it; the person is uninsured then. */
function cutGap(spans: CoverageSpan[], from: number, to: number, resume: PayerId): void {
  const i = spans.findIndex((s) => s.start < from && s.end > to);
  const span = spans[i];
  if (!span) return;
  const tail: CoverageSpan = { payer: resume, start: to + 1, end: span.end };
  span.end = from - 1;
  spans.splice(i + 1, 0, tail);
}

export function planCoverage(rng: Rng, birthDate: string, firstDay: number, story?: CoverageStory): CoverageSpan[] {
  const ageAtStart = ageOnDay(birthDate, firstDay);
  if (story === 'medicaid-to-commercial') {
    const spans: CoverageSpan[] = [{ payer: PAYER_BY_SEGMENT.medicaid, start: firstDay, end: LAST_DAY }];
    switchAt(spans, rng.int(firstDay + 120, LAST_DAY - 120), PAYER_BY_SEGMENT.commercial);
    return spans;
  }
  if (story === 'age-in') {
    const spans: CoverageSpan[] = [{ payer: PAYER_BY_SEGMENT.commercial, start: firstDay, end: LAST_DAY }];
    switchAt(spans, birthdayDay(birthDate, 65), PAYER_BY_SEGMENT['medicare-advantage']);
    return spans;
  }
  // A few younger people are uninsured for the whole window: they have clinic records but no claims.
  if (ageAtStart < 65 && rng.chance(0.03)) return [];

  const first = initialSegment(rng, ageAtStart);
  const spans: CoverageSpan[] = [{ payer: PAYER_BY_SEGMENT[first], start: firstDay, end: LAST_DAY }];

  const turns65 = birthdayDay(birthDate, 65);
  if (first !== 'medicare-advantage' && turns65 > firstDay && turns65 <= LAST_DAY && rng.chance(0.85)) {
    switchAt(spans, turns65, PAYER_BY_SEGMENT['medicare-advantage']);
  } else if (first !== 'medicare-advantage' && ageAtStart < 65) {
    const p = first === 'medicaid' ? 0.12 : 0.04;
    const latest = Math.min(LAST_DAY - 30, turns65 - 1);
    if (rng.chance(p) && latest > firstDay + 60) {
      switchAt(spans, rng.int(firstDay + 60, latest), PAYER_BY_SEGMENT[otherUnder65(first)]);
    }
  }

  if (rng.chance(0.05) && LAST_DAY - firstDay > 240) {
    const length = rng.int(30, 120);
    const from = rng.int(firstDay + 30, LAST_DAY - length - 30);
    const host = spans.find((s) => s.start < from && s.end > from + length);
    if (host) {
      const hostSegment = (Object.entries(PAYER_BY_SEGMENT) as [Segment, PayerId][]).find(([, p]) => p === host.payer)?.[0];
      const changes = hostSegment && hostSegment !== 'medicare-advantage' && rng.chance(0.5);
      cutGap(spans, from, from + length, changes && hostSegment ? PAYER_BY_SEGMENT[otherUnder65(hostSegment)] : host.payer);
    }
  }
  return spans.filter((s) => s.start <= s.end);
}

/** Index of the span covering `day`, or -1 when the person is uninsured that day. */
export function coveringSpan(spans: readonly CoverageSpan[], day: number): number {
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i];
    if (s && s.start <= day && day <= s.end) return i;
  }
  return -1;
}
