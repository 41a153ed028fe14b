import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Files share one broker per run and one embedded engine per file; two workers on a 2-core
    // machine keep them from starving each other.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          // The browser test drives the real stack too: one broker for all of them.
          include: ['test/integration/**/*.test.ts', 'test/browser/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
    ],
  },
})
