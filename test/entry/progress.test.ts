import { describe, expect, it } from 'vitest';
import { progressCounter } from '../../src/entry/progress.js';

describe('start-up progress lines', () => {
  it('print at most one line per interval while a step runs, and always its end, once', () => {
    const lines: string[] = [];
    let now = 0;
    const tick = progressCounter((l) => lines.push(l), 'generating synthetic region', 5000, 'patients', { everyMs: 3000, clock: () => now });
    for (let done = 1; done <= 5000; done++) {
      now = done; // a patient a millisecond: 5 s in all
      tick(done);
    }
    tick(5000);
    expect(lines).toEqual(['generating synthetic region: 3,000 / 5,000 patients', 'generating synthetic region: 5,000 / 5,000 patients']);
  });

  it('add a detail after the count', () => {
    const lines: string[] = [];
    progressCounter((l) => lines.push(l), 'loading synthetic region', 10, 'resources')(10, '11 / 11 sources, 2 s');
    expect(lines).toEqual(['loading synthetic region: 10 / 10 resources, 11 / 11 sources, 2 s']);
  });
});
