// What the npm package may hold, for the listing test (npm pack --dry-run) and the tarball test (npm pack, installed).
import assert from 'node:assert/strict';

/** The environment without the npm_* variables `npm test` sets, which would steer a nested npm. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && !k.startsWith('AREYOUJ_')) env[k] = v;
  return { ...env, ...extra };
}

/** The paths of `npm pack --json` (or --dry-run --json) output. */
export function packedFiles(json: string): string[] {
  return (JSON.parse(json) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
}

/** The bin, the built server and web app, README, LICENSE and package.json; nothing else (no test, bench, source or map). */
export function assertPackageFiles(files: string[], mustHave: string[] = []) {
  for (const f of ['package.json', 'README.md', 'LICENSE', 'bin/areyouj.js', 'dist/server/main.js', ...mustHave]) {
    assert.ok(files.includes(f), `${f} is in the package`);
  }
  const bad = files.filter((f) => /^(test|bench|src|scripts|\.ci|docs)\//.test(f) || /\.(map|ts|tsx)$/.test(f) || f.startsWith('dist/web-test/') || /(^|\/)\./.test(f));
  assert.deepEqual(bad, [], 'nothing from the tests, the bench, the sources or the test builds');
  assert.deepEqual(files.filter((f) => !/^(bin|dist\/(server|common|web))\//.test(f)).sort(), ['LICENSE', 'README.md', 'package.json']);
}
