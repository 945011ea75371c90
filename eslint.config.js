// @ts-check
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'data/', 'coverage/', 'node_modules/', 'bin/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // The product loads the sandbox in sandbox mode only, through loadSandbox (src/mode.ts: a dynamic
    // import(), which this rule does not see), and client-node's entry point not at all. Their types may
    // be imported; their values may not.
    files: ['src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(@jarvis/sandbox(/.*)?|(.*/)?packages/sandbox(/.*)?)$',
              allowTypeImports: true,
              message:
                'The sandbox is loaded in sandbox mode only, through loadSandbox (src/mode.ts); import its types with `import type`.',
            },
            {
              // Its entry point loads every API group's generated wrappers: about 40 MB of a server's memory.
              regex: '^(@kubernetes/client-node|@kubernetes/client-node/dist/index\\.js)$',
              allowTypeImports: true,
              message:
                'Kubernetes calls go through src/platform/kube-api.ts (the generated request factories, loaded on demand); import client-node types with `import type`.',
            },
          ],
        },
      ],
    },
  },
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
  prettier,
);
