// @ts-check
import jest from 'eslint-plugin-jest';
import simpleImportSort from 'eslint-plugin-simple-import-sort';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/, lowest first: a module may import only from layers
 * below its own (docs/architecture.md). Each entry is a folder of src/ or a
 * file at its top (config, logger, app).
 */
const LAYERS = [
  ['domain', 'util'],
  ['logger'],
  ['secrets'],
  ['config'],
  ['db', 'transport'],
  ['probes', 'queue', 'auth'],
  ['events', 'worker'],
  ['services'],
  ['graphql'],
  ['api'],
  ['app'],
  ['bin'],
];

/** One no-restricted-imports block per layer, naming every layer not below it. */
function layerRules() {
  return LAYERS.flatMap((layer, i) =>
    layer.map((name) => {
      const forbidden = LAYERS.flat().filter((n) => !LAYERS.slice(0, i).flat().includes(n));
      const others = forbidden.filter((n) => n !== name);
      return {
        files: [`src/${name}.ts`, `src/${name}/**/*.ts`],
        rules: {
          'no-restricted-imports': [
            'error',
            {
              patterns: [
                {
                  regex: `^\\.{1,2}/(\\.\\./)*(${others.join('|')})(/|$)`,
                  message: `${name} is below these layers and may not import them (see LAYERS in eslint.config.mjs).`,
                },
              ],
            },
          ],
        },
      };
    }),
  );
}

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.data/**',
      'coverage/**',
      'migrations/.schema-snapshot.json',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { 'simple-import-sort': simpleImportSort },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      'simple-import-sort/imports': 'error',
      'simple-import-sort/exports': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  ...layerRules(),
  {
    files: ['test/**/*.ts'],
    ...jest.configs['flat/recommended'],
    rules: {
      ...jest.configs['flat/recommended'].rules,
      'jest/no-focused-tests': 'error',
      'jest/no-disabled-tests': 'error',
      'jest/expect-expect': ['error', { assertFunctionNames: ['expect', 'expect*'] }],
      'jest/no-conditional-expect': 'off',
      'no-console': 'off',
    },
  },
  {
    // Support modules may declare shared cases that the test files call.
    files: ['test/support/**/*.ts'],
    rules: { 'jest/no-export': 'off' },
  },
  {
    files: ['scripts/**/*.ts', 'bench/**/*.ts', 'test/fixtures/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
