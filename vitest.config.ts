import { defineConfig } from 'vitest/config';

/**
 * Three suites, selected on purpose:
 * - unit: pure code, no broker, no ClickHouse (`*.test.ts`);
 * - integration: the real local stack (`*.int.test.ts`), part of `npm test`;
 * - slow: soak, crash loops and long fault scenarios (`*.slow.test.ts`), `npm run test:slow`.
 */
/** Before every test file, as bin/stadion.js before the CLI: kafkajs' fast paths go in before kafkajs loads. */
const setupFiles = ['test/support/kafkajs-first.ts'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          setupFiles,
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.int.test.ts', 'test/**/*.slow.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          setupFiles,
          include: ['test/**/*.int.test.ts'],
          // Generous: kafkajs group joins and rebalances on the mock take seconds, more on a loaded machine.
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'slow',
          setupFiles,
          include: ['test/**/*.slow.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
