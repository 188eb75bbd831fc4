/** Where start-up progress goes: one line at a time (stdout under `npm start`). */
export type ProgressSink = (line: string) => void;

/**
 * A progress line for a long start-up step, printed at most once every `everyMs` while the step
 * runs and always when it ends (`done === total`), so a slow first start is never silent and a
 * fast one prints one line. It carries counts only: never a name, id or value of a person.
 *
 * @example const tick = progressCounter(console.log, 'generating synthetic region', 5000, 'patients'); tick(2000);
 *   // "generating synthetic region: 2,000 / 5,000 patients"
 */
export function progressCounter(
  sink: ProgressSink,
  step: string,
  total: number,
  unit: string,
  options: { everyMs?: number; clock?: () => number } = {},
): (done: number, detail?: string) => void {
  const everyMs = options.everyMs ?? 3000;
  const clock = options.clock ?? (() => performance.now());
  let last = clock();
  let finished = false;
  return (done, detail) => {
    const now = clock();
    const end = done >= total;
    if (finished || (!end && now - last < everyMs)) return;
    last = now;
    finished = end;
    sink(`${step}: ${count(done)} / ${count(total)} ${unit}${detail ? `, ${detail}` : ''}`);
  };
}

const count = (n: number) => n.toLocaleString('en-US');
