import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@seqgen/source'] },
  environments: { ssr: { resolve: { conditions: ['@seqgen/source'] } } },
  test: {
    name: '@seqgen/datasets',
    environment: 'node',
    pool: 'forks',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    setupFiles: [],
    testTimeout: 60_000,
  },
});
