// ESLint (flat config): typescript-eslint's type-aware recommended rules over src/, test/, bench/ and scripts/
// (tsconfig.check.json) and the browser console (console/tsconfig.json). Rules tuned down below carry their reason.
import eslint from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const commonJsGlobals = Object.fromEntries(
  [
    'require',
    'module',
    'exports',
    '__dirname',
    '__filename',
    'process',
    'console',
    'Buffer',
    'setTimeout',
    'clearTimeout',
    'setImmediate',
    'queueMicrotask',
    'structuredClone',
    'URL',
    'AbortController',
    'AbortSignal',
    'fetch',
    'globalThis',
  ].map((name) => [name, 'readonly']),
);

export default defineConfig(
  {
    ignores: [
      'dist/',
      'coverage/',
      'data/',
      'bench/results/',
      'bench/tmp/',
      'bench/.dist-snapshot-*/',
      '.mr-dist-check/',
      '.prof-dist/',
      'test-artifacts/',
      'migrations',
    ],
  },
  // compiled by test/openapi against a client generated at test time, outside tsconfig.check.json
  { ignores: ['test/openapi/client/'] },
  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { project: ['./tsconfig.check.json', './console/tsconfig.json'], tsconfigRootDir: import.meta.dirname } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  {
    rules: {
      // async methods honour Promise-returning ports and Nest hooks even when an implementation answers synchronously
      '@typescript-eslint/require-await': 'off',
      // prom-client's collect() callbacks get the metric as `this`; the service is reached through `self`
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['self'] }],
      // a caught value is passed on unchanged (useUnknownInCatchVariables is off, so it is typed any)
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      // values of unknown shape (driver error codes, JWT claims, parsed YAML) are printed with String() on purpose
      '@typescript-eslint/no-base-to-string': 'off',
      // the code looks for control characters on purpose (paths, XML-safe bodies)
      'no-control-regex': 'off',
      // errors rethrown with a credential-free reason must not carry the driver's error as `cause`: pino prints causes
      'preserve-caught-error': 'off',
      // a leading underscore marks a parameter or binding kept for its position or documentation
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true, caughtErrors: 'none' },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      // tests, the bench and scripts read untyped JSON (supertest bodies, bench documents): typing each read adds no safety
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      // expect(mock.method).toHaveBeenCalled() passes jest mocks unbound on purpose
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { sourceType: 'commonjs', globals: commonJsGlobals },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  { files: ['**/*.mjs'], languageOptions: { sourceType: 'module' } },
  {
    files: ['console/src/**/*.tsx'],
    // onClick={async () => …}: Preact ignores the promise; the handlers catch their own failures
    rules: { '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }] },
  },
  {
    files: ['types/**/*.d.ts'],
    // the handler API's request type defaults to any, so a handler written without types still compiles
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  // the console's build script is in neither TypeScript project
  { files: ['console/vite.config.ts'], extends: [tseslint.configs.disableTypeChecked] },
);
