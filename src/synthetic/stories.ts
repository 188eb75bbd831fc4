/**
 * A handful of low-index people whose otherwise random lives are steered to
 * include the rarer situations (HIV, pregnancy, a readmission, a payer
 * switch...). At 0.5% prevalence a small region could easily contain no one
 * with HIV; steering people 2-9 guarantees every feature from N = 10 up,
 * while adding only a few cases to larger regions.
 */
import type { ChronicKey } from './codes.js';

export type CoverageStory = 'medicaid-to-commercial' | 'age-in';

export interface Story {
  /** Age on 2025-12-31. */
  age?: readonly [number, number];
  sex?: 'male' | 'female';
  conditions?: readonly ChronicKey[];
  coverage?: CoverageStory;
  readmission?: boolean;
}

export const STORIES: ReadonlyMap<number, Story> = new Map<number, Story>([
  [2, { age: [30, 50], conditions: ['hiv'] }],
  [3, { age: [24, 34], sex: 'female', conditions: ['pregnancy'] }],
  [4, { age: [19, 30], sex: 'female', conditions: ['chlamydia'] }],
  [5, { age: [30, 55], conditions: ['oud'] }],
  [6, { age: [35, 60], conditions: ['alcohol', 'gad'] }],
  [7, { age: [70, 85], readmission: true }],
  [8, { age: [25, 45], coverage: 'medicaid-to-commercial' }],
  // Born in 1960: under 65 when the window opens, 65 before it closes.
  [9, { age: [65, 65], coverage: 'age-in' }],
]);

export function storyFor(index: number): Story | undefined {
  return STORIES.get(index);
}
