import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

// Module boundaries are the architecture: a lib never reaches into an app, one service's server lib never
// imports another's, the policy engine stays framework-free and is used only by the services that evaluate
// policies (gateway, policy), and the test kit (@pgw/testing) is reachable from tests only.
const TESTING = 'type:testing';
const sourceDepConstraints = [
  {
    sourceTag: 'type:engine',
    onlyDependOnLibsWithTags: [],
    bannedExternalImports: ['@nestjs/*', 'typeorm', 'kafkajs', 'pg', 'ioredis', 'undici'],
  },
  {
    sourceTag: 'type:contracts',
    onlyDependOnLibsWithTags: [],
    bannedExternalImports: ['@nestjs/core', 'typeorm', 'kafkajs'],
  },
  { sourceTag: 'type:messaging', onlyDependOnLibsWithTags: ['type:contracts'] },
  { sourceTag: 'type:persistence', onlyDependOnLibsWithTags: [] },
  {
    sourceTag: 'type:testing',
    onlyDependOnLibsWithTags: ['type:contracts', 'type:messaging', 'type:persistence'],
  },
  { sourceTag: 'type:kit', onlyDependOnLibsWithTags: ['type:contracts'] },
  {
    sourceTag: 'type:server',
    onlyDependOnLibsWithTags: [
      'type:kit',
      'type:contracts',
      'type:messaging',
      'type:persistence',
      'type:engine',
    ],
  },
  {
    sourceTag: 'type:app',
    onlyDependOnLibsWithTags: [
      'type:kit',
      'type:engine',
      'type:server',
      'type:contracts',
      'type:messaging',
      'type:persistence',
    ],
  },
  {
    // The embedded one-process product starts the mock upstream as its demo provider when none is set.
    sourceTag: 'type:demo-app',
    onlyDependOnLibsWithTags: [
      'type:kit',
      'type:engine',
      'type:server',
      'type:contracts',
      'type:messaging',
      'type:persistence',
      TESTING,
    ],
  },
  {
    sourceTag: 'type:e2e',
    onlyDependOnLibsWithTags: [
      'type:kit',
      'type:server',
      'type:contracts',
      'type:messaging',
      'type:persistence',
      'type:testing',
      'type:engine',
    ],
  },
  { sourceTag: 'scope:engine', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  {
    sourceTag: 'scope:gateway',
    onlyDependOnLibsWithTags: ['scope:gateway', 'scope:shared', 'scope:engine'],
  },
  { sourceTag: 'scope:policy', onlyDependOnLibsWithTags: ['scope:policy', 'scope:shared', 'scope:engine'] },
  { sourceTag: 'scope:audit', onlyDependOnLibsWithTags: ['scope:audit', 'scope:shared'] },
  { sourceTag: 'scope:billing', onlyDependOnLibsWithTags: ['scope:billing', 'scope:shared'] },
  {
    sourceTag: 'scope:embedded',
    onlyDependOnLibsWithTags: [
      'scope:gateway',
      'scope:policy',
      'scope:audit',
      'scope:billing',
      'scope:shared',
      'scope:engine',
    ],
  },
  { sourceTag: 'scope:e2e', onlyDependOnLibsWithTags: ['*'] },
  // The admin console is a browser app: it talks to /admin/v1 over HTTP and imports no workspace lib.
  { sourceTag: 'scope:console', onlyDependOnLibsWithTags: [] },
];

// Tests (specs, their support files and the test folders) may also use the test kit.
const testDepConstraints = sourceDepConstraints.map((constraint) =>
  ['type:server', 'type:app'].includes(constraint.sourceTag)
    ? { ...constraint, onlyDependOnLibsWithTags: [...constraint.onlyDependOnLibsWithTags, TESTING] }
    : constraint,
);
const TEST_FILES = ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', '**/test/**/*.ts'];
const boundaries = (depConstraints) => [
  'error',
  { enforceBuildableLibDependency: false, allow: [], depConstraints },
];

export default [
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'tmp/**',
      '.nx/**',
      '.kafka/**',
      'coverage/**',
      'bench/node_modules/**',
      'libs/policy-engine/data/**',
    ],
  },
  ...nx.configs['flat/base'],
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': boundaries(sourceDepConstraints),
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  { files: TEST_FILES, rules: { '@nx/enforce-module-boundaries': boundaries(testDepConstraints) } },
  {
    files: [
      '**/*.spec.ts',
      '**/*.int-spec.ts',
      '**/*.e2e-spec.ts',
      'bench/**/*.ts',
      'scripts/**/*.ts',
      'apps/*/src/main.ts',
    ],
    rules: { 'no-console': 'off' },
  },
  { files: ['**/*.js', '**/*.mjs', '**/*.cjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
  prettier,
];
