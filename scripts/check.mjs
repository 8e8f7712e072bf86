// The codebase checks itself: the typecheck (server, tests and bench; the web app on its own, without Node's types)
// and the linter (eslint.config.js), in that order, stopping at the first that fails. `npm run check`; `npm test`
// runs it before the tests. Each step prints how long it took.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (p) => path.join(root, 'node_modules', p);
// Incremental: a second run re-checks only what changed (the build info lives in node_modules/.cache).
const tsc = (project, name) => [
  bin('typescript/bin/tsc'),
  '-p',
  project,
  '--noEmit',
  '--incremental',
  '--tsBuildInfoFile',
  bin(`.cache/tsc/${name}.tsbuildinfo`),
];

export const STEPS = [
  { name: 'typecheck: server, common, tests, bench', args: tsc('tsconfig.json', 'server') },
  { name: 'typecheck: web app', args: tsc('src/web/tsconfig.json', 'web') },
  { name: 'lint', args: [bin('eslint/bin/eslint.js'), '--max-warnings', '0', '.'] },
];

/** Runs every step; returns false (after printing what failed) at the first failure. */
export function runChecks() {
  for (const step of STEPS) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, step.args, { cwd: root, stdio: 'inherit' });
    const s = ((performance.now() - t0) / 1000).toFixed(1);
    if (r.status !== 0) {
      console.error(`\n✖ ${step.name} failed (${s} s): fix the errors above.`);
      return false;
    }
    console.log(`✔ ${step.name} (${s} s)`);
  }
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exit(runChecks() ? 0 : 1);
