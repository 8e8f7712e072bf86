// npm test: the checks (typecheck and lint, scripts/check.mjs), then every test under test/ with node's test runner
// (TypeScript through tsx). `npm test -- unit` (or integration, e2e, or a file path part) runs a subset, without the
// checks (run them with `npm run check`, or add --check).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildIfNeeded, root } from './build-if-needed.mjs';
import { runChecks } from './check.mjs';

const args = process.argv.slice(2);
const filter = args.filter((a) => a !== '--check');
const files = [];
for (const dir of ['unit', 'integration', 'e2e']) {
  const d = path.join(root, 'test', dir);
  if (!fs.existsSync(d)) continue;
  for (const f of fs.readdirSync(d).sort()) if (f.endsWith('.test.ts')) files.push(path.join('test', dir, f));
}
const chosen = filter.length ? files.filter((f) => filter.some((x) => f.includes(x))) : files;
if (!chosen.length) { console.error('no test files match', filter); process.exit(1); }
// The whole suite (and so CI) starts with the checks and stops at the first failure.
if (!filter.length || args.includes('--check')) { if (!runChecks()) process.exit(1); }
else console.log('(a subset: the typecheck and lint are skipped; `npm run check` runs them)');
// The CLI tests run the built server; the browser tests build the web app they serve themselves (test/e2e/harness.ts).
buildIfNeeded({ web: false });
// The tests that drive the real agent CLIs (test/clis, not part of AreYouJ's own install) get them installed first, once,
// so that the download is not counted in any test's time (test/helpers/clis.ts; never a skip for a missing CLI).
const needsClis = chosen.some((f) => /claude-offline|helpers\/clis|bench/.test(fs.readFileSync(path.join(root, f), 'utf8')));
if (needsClis) {
  const helper = path.join(root, 'test', 'helpers', 'clis.ts');
  const pre = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `const m = await import(${JSON.stringify(helper)}); if (!m.clisInstalled()) { console.log('installing the real agent CLIs the tests drive (npm ci --prefix test/clis, once)…'); await m.ensureClis(); }`],
    { cwd: root, stdio: 'inherit' });
  if (pre.status !== 0) process.exit(pre.status ?? 1);
}
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', '--test-timeout=600000', ...chosen],
  { cwd: root, stdio: 'inherit', env: { ...process.env, AREYOUJ_TEST: '1' } });
process.exit(r.status ?? 1);
