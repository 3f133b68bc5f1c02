// Lint: typescript-eslint's recommended rules on the sources, tests and scripts; formatting is Prettier's (npm run format).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.stack/', 'bench-results/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        performance: 'readonly',
        queueMicrotask: 'readonly',
      },
    },
    rules: {
      // Unused names are tsc's job (noUnusedLocals); an `_` prefix marks one kept on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // A `let` read by a callback before its one assignment cannot be a `const`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Prettier wraps code at 160 but leaves long strings alone: past 200 a line is unreadable in a diff.
      'max-len': ['error', { code: 200, ignoreUrls: true }],
      // Only the entry points (src/cli/main.ts, src/bench/main.ts) end the process; commands return exit codes.
      'no-restricted-properties': ['error', { object: 'process', property: 'exit', message: 'return an exit code; only an entry point exits' }],
    },
  },
  { files: ['src/cli/main.ts', 'src/bench/main.ts', 'bin/**', 'scripts/**', 'test/**'], rules: { 'no-restricted-properties': 'off' } },
);
