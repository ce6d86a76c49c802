// ESLint flat config for the TypeScript packages, the Galata tests and the bench drivers.
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const prettier = require('eslint-config-prettier');
const globals = require('globals');

module.exports = tseslint.config(
  {
    ignores: [
      '**/lib/**',
      '**/node_modules/**',
      '**/*.d.ts',
      'server-ext/**',
      'ui-tests/test-results/**'
    ]
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-namespace': 'off',
      '@typescript-eslint/no-unused-vars': ['warn', { args: 'none' }],
      curly: ['error', 'all'],
      eqeqeq: ['error', 'smart'],
      'prefer-arrow-callback': 'error'
    }
  },
  {
    files: ['**/*.js'],
    languageOptions: { globals: { ...globals.node } }
  },
  {
    // Benchmark drivers: Node scripts whose page callbacks run in the browser.
    files: ['**/*.mjs'],
    languageOptions: { globals: { ...globals.browser, ...globals.node } }
  }
);
