import { defineConfig } from 'vitest/config';

// One config for the monorepo. Unit tests (*.test.ts) and integration tests (*.int.test.ts)
// run together in `npm test`; `npm run test:unit` runs only the fast ones.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.test.ts', 'packages/*/test/**/*.test.tsx'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'int',
          include: ['packages/*/test/**/*.int.test.ts', 'examples/*/test/**/*.int.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Integration tests start servers and child processes; run files one at a time on
          // this 2-core machine so timing-sensitive tests are not starved.
          fileParallelism: false,
        },
      },
    ],
  },
});
