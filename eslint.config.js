// ESLint: typescript-eslint's recommended rules, and the architecture as boundaries between folders.
// The core imports no adapter, platform SDK, CLI, dashboard or app configuration; no adapter imports another.
import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import tseslint from 'typescript-eslint';

const PLATFORM_SDKS = ['@slack/bolt', '@slack/*', 'discord.js', '@discordjs/*'];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'data/', 'bench/results/', 'test/**/__snapshots__/', 'test-output/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // Heed strips and neutralizes control characters in hostile text on purpose.
      'no-control-regex': 'off',
      // Prettier wraps code at 120 columns; it cannot wrap a long sentence in a string, so those are allowed.
      'max-len': [
        'error',
        { code: 120, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true },
      ],
    },
  },
  {
    // The dashboard's one script runs in the browser, beside Chart.js served from node_modules.
    files: ['src/dashboard/assets/**/*.js'],
    languageOptions: { globals: { document: 'readonly', window: 'readonly', Chart: 'readonly' } },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { boundaries },
    settings: {
      'import/resolver': { typescript: { project: './tsconfig.json' } },
      'boundaries/elements': [
        { type: 'core', pattern: 'src/core' },
        { type: 'messages', pattern: 'src/messages' },
        { type: 'adapter', pattern: 'src/adapters/*', capture: ['platform'] },
        { type: 'cli', pattern: 'src/cli' },
        { type: 'dashboard', pattern: 'src/dashboard' },
      ],
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          policies: [
            { from: { element: { type: 'core' } }, allow: { to: { element: { type: 'core' } } } },
            {
              from: { element: { type: 'messages' } },
              allow: { to: { element: { types: { anyOf: ['core', 'messages'] } } } },
            },
            {
              from: { element: { type: 'adapter' } },
              allow: {
                to: [
                  { element: { types: { anyOf: ['core', 'messages'] } } },
                  { element: { type: 'adapter', captured: { platform: '{{ from.element.captured.platform }}' } } },
                ],
              },
            },
            {
              from: { element: { types: { anyOf: ['cli', 'dashboard'] } } },
              allow: { to: { element: { types: { anyOf: ['core', 'messages', 'cli', 'dashboard'] } } } },
            },
            { allow: { to: { module: { origin: 'external' } } } },
            { allow: { to: { module: { origin: 'core' } } } },
          ],
        },
      ],
    },
  },
  {
    // The core is what a third platform plugs into: no platform SDK, and nothing of the app around it.
    files: ['src/core/**/*.ts', 'src/messages/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: PLATFORM_SDKS,
              message: 'The core never imports a platform SDK; that belongs in src/adapters/<platform>.',
            },
            {
              group: ['**/config.js', '**/app.js', '**/main.js', '**/adapters/**', '**/cli/**', '**/dashboard/**'],
              message: 'The core never imports the app, its configuration, an adapter, the CLI or the dashboard.',
            },
          ],
        },
      ],
    },
  },
  {
    // Each platform's SDK stays inside its own adapter.
    files: ['src/**/*.ts'],
    ignores: ['src/adapters/**', 'src/core/**', 'src/messages/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: PLATFORM_SDKS, message: 'Platform SDKs belong in src/adapters/<platform>.' }] },
      ],
    },
  },
  {
    // The Slack events thread (a worker thread) loads Node's built-ins and these few modules only: each
    // module graph a thread loads costs resident memory, and Bolt's or pino's would cost the most.
    files: [
      'src/adapters/slack/events-thread.ts',
      'src/adapters/slack/events-protocol.ts',
      'src/adapters/slack/signed-request.ts',
      'src/adapters/slack/request-guard.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@slack/*', 'pino', 'pino-*', '**/core/**', '**/config.js'],
              allowTypeImports: true,
              message: 'The Slack events thread imports this module: only types from here, or Node built-ins.',
            },
          ],
        },
      ],
    },
  },
);
