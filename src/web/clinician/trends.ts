import { bloodPressure, HBA1C, testKey, toResult } from './results.js';
import { at, dayText, whenOf, type Quantity, type Resource } from './fhir-values.js';

export interface TrendPoint {
  when: string;
  /** The values plotted: [HbA1c] or [systolic, diastolic]. */
  values: number[];
  text: string;
}

export interface Trend {
  name: string;
  unit: string;
  series: string[];
  points: TrendPoint[];
  direction?: 'rising' | 'falling' | 'unchanged';
  /** "HbA1c 7.2% on 11 Nov 2025, down from 7.8% on 13 May 2025." */
  sentence: string;
}

/** Which way the last two points went, on the first series (HbA1c; systolic pressure). */
function direction(points: readonly TrendPoint[]): Trend['direction'] {
  if (points.length < 2) return undefined;
  const last = points[points.length - 1]!.values[0]!;
  const before = points[points.length - 2]!.values[0]!;
  return last > before ? 'rising' : last < before ? 'falling' : 'unchanged';
}

function sentence(name: string, points: readonly TrendPoint[]): string {
  const last = points[points.length - 1];
  if (!last) return `No ${name} result in this record.`;
  const now = `${name} ${last.text} on ${dayText(last.when)}`;
  const before = points[points.length - 2];
  if (!before) return `${now}, the only result in this record.`;
  const d = direction(points);
  const word = d === 'rising' ? 'rising: up from' : d === 'falling' ? 'falling: down from' : 'unchanged from';
  return `${now}, ${word} ${before.text} on ${dayText(before.when)}.`;
}

function trend(name: string, unit: string, series: string[], points: TrendPoint[]): Trend {
  const sorted = [...points].sort((a, b) => a.when.localeCompare(b.when));
  const d = direction(sorted);
  return { name, unit, series, points: sorted, ...(d ? { direction: d } : {}), sentence: sentence(name, sorted) };
}

const observations = (resources: readonly Resource[]) =>
  resources.filter((r) => r['resourceType'] === 'Observation' && r['status'] !== 'entered-in-error' && r['status'] !== 'cancelled');

/** HbA1c over time, oldest first, from every HbA1c Observation with a number. */
export function hba1cTrend(resources: readonly Resource[]): Trend {
  const points = observations(resources)
    .filter((o) => testKey(o) === HBA1C)
    .flatMap((o) => {
      const v = (at(o, 'valueQuantity') as Quantity | undefined)?.value;
      return v === undefined ? [] : [{ when: whenOf(o), values: [v], text: toResult(o)?.value ?? `${v}%` }];
    });
  return trend('HbA1c', '%', ['HbA1c'], points);
}

/** Blood pressure over time, systolic and diastolic, from every panel with both. */
export function bloodPressureTrend(resources: readonly Resource[]): Trend {
  const points = observations(resources).flatMap((o) => {
    const bp = bloodPressure(o);
    return bp ? [{ when: whenOf(o), values: [bp.systolic, bp.diastolic], text: bp.text }] : [];
  });
  return trend('Blood pressure', 'mmHg', ['Systolic', 'Diastolic'], points);
}
