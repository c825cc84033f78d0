// @ts-check
import js from '@eslint/js';
import ts from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import svelteConfig from './svelte.config.js';

/** Only src/platform/ talks to Tauri; everything else goes through its facade. */
const platformBoundary = {
  patterns: [
    {
      group: ['@tauri-apps/*', '**/bindings', '**/bindings.ts', '**/bindings.js'],
      message: 'Only src/platform/ may import @tauri-apps/* or the generated bindings: use platform/ipc, platform/events or platform/window.',
    },
  ],
};

export default ts.config(
  { ignores: ['dist/', 'node_modules/', 'src/platform/bindings.ts'] },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: {
        projectService: true,
        extraFileExtensions: ['.svelte'],
        parser: ts.parser,
        svelteConfig,
      },
    },
  },
  {
    rules: {
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Event text comes from strangers: never render it as HTML.
      'svelte/no-at-html-tags': 'error',
      'no-restricted-syntax': [
        'error',
        {
          // The CSP forbids inline style attributes; style:--x={...} directives
          // go through the CSSOM and are allowed.
          selector: "SvelteAttribute[key.name='style']",
          message: 'No style="..." attributes (CSP): use a style: directive such as style:--cal-color={color}.',
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts', 'src/**/*.svelte'],
    ignores: ['src/platform/**'],
    rules: { 'no-restricted-imports': ['error', platformBoundary] },
  },
);
