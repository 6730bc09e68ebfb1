import { defineConfig } from 'vitest/config';

/**
 * Files that start the whole platform as processes (six services, Chromium, a private Redis):
 * three of them at once, beside the rest of the suite, overload a 2-core machine, so they run
 * one at a time once everything else has finished.
 */
const WHOLE_STACK = ['test/stack.e2e.test.ts', 'services/web/test/dashboard.e2e.test.ts', 'chaos/**/*.test.ts'];

export default defineConfig({
  test: {
    globalSetup: ['packages/testing/src/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers: 3,
    reporters: ['default', ['json', { outputFile: '.vitest/results.json' }]],
    projects: [
      {
        extends: true,
        test: {
          name: 'suite',
          include: ['packages/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts', 'services/*/src/**/*.test.tsx', 'services/*/test/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['**/node_modules/**', ...WHOLE_STACK],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'whole-stack',
          include: WHOLE_STACK,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
