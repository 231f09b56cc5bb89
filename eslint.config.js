// One lint config for the workspace: ESLint's and typescript-eslint's recommended rules (no type-aware rules,
// so `turbo run lint` stays fast), plus the library boundary: no console or process in library code.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.tmp/**', '**/coverage/**', 'runs/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // A destructuring where some names are reassigned (gate pre-activations plus peepholes) stays one `let`.
      'prefer-const': ['error', { destructuring: 'all' }],
    },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: {
      globals: { console: 'readonly', process: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' },
    },
  },
  {
    // Code the smoke test runs inside the page.
    files: ['apps/studio/scripts/*.mjs'],
    languageOptions: { globals: { document: 'readonly', window: 'readonly' } },
  },
  {
    files: ['packages/{core,datasets,text,handwriting}/src/**/*.ts'],
    ignores: ['**/*.test.ts', 'packages/datasets/src/node/**'],
    rules: {
      'no-console': 'error',
      'no-restricted-globals': ['error', { name: 'process', message: 'libraries do no I/O: take options or callbacks' }],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'take an Rng (createRng) instead' }],
    },
  },
);
