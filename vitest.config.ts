import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@crossedit/source'] },
  ssr: { resolve: { conditions: ['@crossedit/source'], externalConditions: ['@crossedit/source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'plugins/*/src/**/*.test.ts', 'test/**/*.test.ts', 'benchmarks/src/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default', './scripts/summary-reporter.ts'],
    globalSetup: ['./test/global-setup.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
