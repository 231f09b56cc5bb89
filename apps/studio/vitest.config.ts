import { defineProject } from 'vitest/config';

// Pure helpers only (no DOM, no tfjs backend): the browser path is proven by `pnpm smoke` in real Chromium.
export default defineProject({
  resolve: { conditions: ['@seqgen/source'] },
  environments: { ssr: { resolve: { conditions: ['@seqgen/source'] } } },
  test: { name: '@seqgen/studio', environment: 'node', include: ['src/**/*.test.ts'] },
});
