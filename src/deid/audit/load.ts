import type { Solver } from './solve.js';

let loading: Promise<Solver> | undefined;

/**
 * HiGHS, compiled to WebAssembly, loaded once per process from the installed package (no
 * download). Imported when first needed, so code that never publishes never loads it.
 */
export function loadSolver(): Promise<Solver> {
  loading ??= import('highs').then((m) => m.default());
  return loading;
}
