import loadHighs from 'highs';
import type { Solver } from '../deid/audit/index.js';

let loading: Promise<Solver> | undefined;

/** HiGHS, compiled to WebAssembly, loaded once per process from the installed package (no download). */
export function loadSolver(): Promise<Solver> {
  loading ??= loadHighs();
  return loading;
}
