// ESLint (flat config, type-aware through typescript-eslint): the mistakes the compiler does not catch, and the
// boundaries between the parts of the code. `npm run lint`; `npm test` runs it, after the typecheck, before the tests.
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

/** `no-restricted-imports` for a group of files: each rule is [import path pattern (gitignore style), why]. A later
 * block replaces an earlier one's list for the files both match, so each block names all of its rules. */
const forbid = (...rules) => ({
  'no-restricted-imports': ['error', { patterns: rules.map(([group, message]) => ({ group: [group], message })) }],
});
const NO_SERVER = ['**/server/**', 'the web app and src/common never import the server'];
const NO_WEB = ['**/web/**', 'src/common and the server never import the web app'];
const NO_ROOT = ['**/server.js', 'server.ts is the composition root: it passes each module what it needs; only main.ts and the commands in cli/ import it'];
const NO_HTTP = ['**/http/**', 'domain code knows nothing of HTTP: throw a DomainError (src/server/errors.ts); only routes files use http/'];
const NO_INSTANCES = ['**/instances/**', 'sessions (the link to the pty host, its sessions) never imports the instances above it'];
const NO_INTEGRATIONS = ['**/integrations/**', 'sessions never imports an agent integration'];
const NO_SERVER_IN_HOST = ['**/server/**', 'the pty host is a process of its own that outlives servers: it imports only src/common and src/ptyhost'];

export default tseslint.config(
  { ignores: ['dist/**', 'test-results/**', 'bench/results/**', '**/*.cjs', 'test/fixtures/**', '.tmp/**', 'test/clis/**'] },
  {
    files: ['**/*.{ts,tsx}'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin, 'import-x': importX },
    settings: {
      ...importX.flatConfigs.typescript.settings, // parse .ts/.tsx dependencies too (no-cycle follows them)
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })],
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // A promise nobody awaits loses its rejection; mark a deliberate one with `void`.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test's test() and describe() return promises the runner itself awaits.
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] },
          ],
        },
      ],
      // A promise where a plain value is expected (a condition, a callback whose result is ignored) is a bug.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrors: 'none',
          ignoreRestSiblings: true,
        },
      ],
      '@typescript-eslint/no-unused-expressions': 'error',
      'import-x/no-cycle': ['error', { ignoreExternal: true }], // cycles among our own modules (node_modules is not followed)
      'import-x/no-self-import': 'error',
    },
  },
  {
    files: ['src/web/**'],
    plugins: { 'react-hooks': reactHooks },
    rules: { ...forbid(NO_SERVER), 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
  { files: ['src/common/**'], rules: forbid(NO_SERVER, NO_WEB) },
  { files: ['src/server/**'], rules: forbid(NO_WEB) },
  // cli/ holds the command-line entry points (main.ts's commands): like main.ts, they may start the server.
  { files: ['src/server/*/**'], ignores: ['src/server/cli/**'], rules: forbid(NO_WEB, NO_ROOT) },
  {
    // Domain modules: every folder of src/server but the HTTP layer, the CLI, and none of the routes files.
    files: ['src/server/*/**'],
    ignores: ['src/server/http/**', 'src/server/cli/**', 'src/server/**/routes.ts'],
    rules: forbid(NO_WEB, NO_ROOT, NO_HTTP),
  },
  { files: ['src/server/sessions/**'], rules: forbid(NO_WEB, NO_ROOT, NO_HTTP, NO_INSTANCES, NO_INTEGRATIONS) },
  // The pty host (pseudo-terminals, logs, screens; one process per home): nothing of the server or the web app.
  { files: ['src/ptyhost/**'], rules: forbid(NO_WEB, NO_SERVER_IN_HOST, NO_INSTANCES, NO_INTEGRATIONS) },
);
