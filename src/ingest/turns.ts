/** Entries read, prepared or planned between two turns of the event loop, so a large Bundle does not hold it for seconds. */
export const STEP = 2000;

/**
 * A macrotask, not a microtask: lets timers and sockets (e.g. /healthz) run between steps.
 * setImmediate where the runtime has it (Node, and Workers with nodejs_compat): setTimeout(0)
 * waits at least a millisecond, which added up to several percent of a region's ingest.
 */
export const nextTurn = (): Promise<void> =>
  new Promise((resolve) => (typeof globalThis.setImmediate === 'function' ? globalThis.setImmediate(resolve) : setTimeout(resolve, 0)));
