import { defineConfig } from 'vitest/config';

// Two projects, run one after the other by `npm test`: the Worker tests start workerd processes
// (Miniflare) whose threads, next to the browser and release tests on a two-core machine, pushed
// those past their timeouts. Apart, each phase keeps both cores to itself.
const shared = {
  // Native better-sqlite3 and child processes are happiest in forked workers; two cores, two forks.
  pool: 'forks' as const,
  maxWorkers: 2,
  testTimeout: 30_000,
  hookTimeout: 120_000,
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...shared,
          name: 'gateway',
          include: ['test/**/*.test.ts'],
          exclude: ['test/worker/**', 'test/redteam5/**', 'test/redteam6/**', 'test/redteam7/**', 'test/redteam9/**', 'test/parity/**'],
        },
      },
      // The fifth, sixth, seventh and ninth red teams' attacks on the Worker run workerd too.
      {
        test: {
          ...shared,
          name: 'worker',
          include: [
            'test/worker/**/*.test.ts',
            'test/redteam5/**/*.test.ts',
            'test/redteam6/**/*.test.ts',
            'test/redteam7/**/*.test.ts',
            'test/redteam9/**/*.test.ts',
            'test/parity/**/*.test.ts',
          ],
          // One file at a time: each starts its own workerd (both isolates, every object, D1), and
          // two of them at once on two cores starved each other's requests past their timeouts.
          fileParallelism: false,
        },
      },
    ],
  },
});
