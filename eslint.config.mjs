// Type-aware lint: the rules that catch what the type checker lets through (a promise nobody awaits, an
// async function where a callback's result is ignored, a switch that misses a case). `npm run lint`, in .ci/run.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'clients/**', 'coverage/**', 'bench/results/**', 'test/support/openapi-client/**'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      // A leading underscore says "unused on purpose" (a parameter a signature needs, a destructured rest's sibling).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      // Fastify hooks and polled checks are async by contract, awaiting or not.
      '@typescript-eslint/require-await': 'off',
      // Logs and the CLI print values of unknown shape with String() on purpose.
      '@typescript-eslint/no-base-to-string': 'off',
    },
  },
  {
    // Tests and the bench read HTTP bodies and reports as `any` on purpose: assertions check their shape.
    files: ['test/**/*.ts', 'src/**/*.spec.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
    },
  },
  {
    // The bench has its own tsconfig (it is not part of the build).
    files: ['bench/**/*.ts'],
    languageOptions: { parserOptions: { projectService: false, project: './tsconfig.bench.json' } },
  },
  { files: ['**/*.mjs', '**/*.cjs', '*.js', 'scripts/**/*.js'], languageOptions: { globals: globals.node } },
  { files: ['src/web/public/**/*.js'], languageOptions: { globals: globals.browser, sourceType: 'module' } },
);
