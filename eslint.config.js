// ESLint with typescript-eslint's type-checked rules: they catch what reviews miss in a helper that
// must never hang docker and a server that must never die of a request (a promise nobody awaits, a
// promise where a callback is expected, `any` leaking from a parsed answer, an object stringified as
// "[object Object]"). Formatting is Prettier's alone (eslint-config-prettier turns off style rules).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // node:test's test() and describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      // Control characters in patterns are how hostile input is found and stripped.
      'no-control-regex': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // An async function without await is how a throw becomes a rejection: implementations of an
      // async interface (a store, a CI platform) rely on it, so `async` stays where nothing is awaited.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Tests read untyped answers on purpose (docker's JSON, the registry's, log lines, a parsed JWT) and
    // assert on them at once: a wrong shape fails the assertion, which is what these rules guard in the
    // product. Typing every parsed answer in a test would add casts, not checks.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
  {
    // Where the logic lives, a function fits on a screen: longer ones are split into named steps.
    files: ['src/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 80, skipBlankLines: false, skipComments: false }] },
  },
  { files: ['**/*.mjs', '**/*.js'], ...tseslint.configs.disableTypeChecked },
  prettier,
);
