import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', bin: 'src/bin.ts', 'parallel/gradient-worker': 'src/parallel/gradient-worker.ts', 'parallel/hand-gradient-worker': 'src/parallel/hand-gradient-worker.ts' },
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  dts: true,
  sourcemap: true,
  clean: true,
  tsconfig: 'tsconfig.build.json',
});
