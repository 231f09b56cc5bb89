import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@seqgen/source'] },
  environments: { ssr: { resolve: { conditions: ['@seqgen/source'] } } },
  test: {
    name: '@seqgen/example-chat-experiment',
    environment: 'node',
    pool: 'forks',
    include: ['src/**/*.test.ts'],
    setupFiles: ['@seqgen/test-utils/setup'],
    testTimeout: 60_000,
  },
});
