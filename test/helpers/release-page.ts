import type { ChartSpec } from '../../src/web/public/chart-data.js';

/** The charts of a release page, as its script reads them: each figure's id and the JSON data block inside it. */
export function chartsOf(page: string): { id: string; spec: ChartSpec }[] {
  return [...page.matchAll(/<figure data-chart="(\w+)">[\s\S]*?<script type="application\/json">([\s\S]*?)<\/script>/g)].map(([, id, json]) => ({
    id: id!,
    spec: JSON.parse(json!) as ChartSpec,
  }));
}

/** The published figures a chart plots (not the derived remainder drawn beside them). */
export const plotted = (spec: ChartSpec): number[] => spec.datasets.filter((d) => !d.derived).flatMap((d) => d.data.filter((v): v is number => v !== null));
