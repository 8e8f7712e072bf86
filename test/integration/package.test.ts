// The package as npm sees it: what `npm pack` puts in the tarball (no test, bench or source file), the runtime
// dependencies (exactly what the built server imports), `areyouj --version`, and `areyouj --open`. The tarball itself,
// installed and run, is test/e2e/install.test.ts.
import { builtinModules } from 'node:module';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SCHEMA_VERSION } from '../../src/server/agents/db.js';
import { runCli, runCliToEnd, type CliRun } from '../helpers/cli.js';
import { assertPackageFiles, cleanEnv, packedFiles } from '../helpers/package.js';
import { tempDir } from '../helpers/server.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

/** Bare module names imported by a built JavaScript file (static imports, re-exports and import() of a literal). */
function bareImports(code: string): string[] {
  const names: string[] = [];
  for (const m of code.matchAll(/(?:^|[;\s])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s*['"]([^'"]+)['"]/gm)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec.startsWith('.') || spec.startsWith('node:') || builtinModules.includes(spec)) continue;
    names.push(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
  }
  return names;
}

describe('the package', () => {
  test('npm pack lists the bin, the built server and web app, README and LICENSE; no test, bench, source file or source map', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', env: cleanEnv() });
    const files = packedFiles(out);
    assertPackageFiles(files, ['dist/server/cli/doctor.js', 'dist/common/doctor.js']);
    // Every relative import of a shipped module is shipped too.
    for (const f of files.filter((x) => x.endsWith('.js') && x.startsWith('dist/'))) {
      const code = fs.readFileSync(path.join(ROOT, f), 'utf8');
      for (const m of code.matchAll(/(?:from\s*|import\(\s*)['"](\.[^'"]+)['"]/g)) {
        const target = path.posix.join(path.posix.dirname(f), m[1]);
        assert.ok(files.includes(target), `${f} imports ${m[1]}, which is not in the package`);
      }
    }
  });

  test('package.json: publishable, builds before packing, and its dependencies are exactly what the built server imports', () => {
    assert.equal(pkg.private, undefined, 'not private');
    assert.match(pkg.scripts.prepack, /prepack\.mjs/);
    assert.equal(pkg.license, 'MIT');
    assert.match(fs.readFileSync(path.join(ROOT, 'LICENSE'), 'utf8'), /^MIT License/);
    assert.match(pkg.engines.node, /^>=20\./);
    assert.equal(pkg.bin.areyouj, 'bin/areyouj.js');
    const imported = new Set<string>();
    for (const dir of ['dist/server', 'dist/common']) {
      for (const f of fs.readdirSync(path.join(ROOT, dir), { recursive: true }) as string[]) {
        if (f.endsWith('.js')) for (const n of bareImports(fs.readFileSync(path.join(ROOT, dir, f), 'utf8'))) imported.add(n);
      }
    }
    const deps = Object.keys(pkg.dependencies).sort();
    assert.deepEqual([...imported].filter((n) => !deps.includes(n)), [], 'every package the server imports is a runtime dependency');
    assert.deepEqual(deps.filter((n) => !imported.has(n)), [], 'every runtime dependency is imported by the server (the rest are devDependencies)');
  });

  test('--version prints the package version and the schema version', async () => {
    const r = await runCliToEnd(['--version']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `areyouj ${pkg.version} (agents.db schema ${SCHEMA_VERSION})\n`);
  });

  test('--open hands xdg-open an owner-only page that leads to the login URL (no token on its command line); no opener is a clear message', async () => {
    // A stand-in xdg-open that writes down what it was asked to open.
    const bin = tempDir('areyouj-open-bin-');
    const asked = path.join(bin, 'asked');
    fs.writeFileSync(path.join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s' "$1" > ${asked}.tmp && /bin/mv ${asked}.tmp ${asked}\n`, { mode: 0o755 });
    /** What the stand-in was asked to open; fails at once if the command says it could not open, or exits. */
    const opened = (run: CliRun) => new Promise<string>((resolve, reject) => {
      const done = (f: () => void) => { w.close(); run.child.stderr!.off('data', onErr); f(); };
      const check = () => { if (fs.existsSync(asked)) done(() => resolve(fs.readFileSync(asked, 'utf8'))); };
      const onErr = () => { if (/areyouj:/.test(run.err())) done(() => reject(new Error(run.err()))); };
      const w = fs.watch(bin, check);
      run.child.stderr!.on('data', onErr);
      void run.exited.then(() => done(() => reject(new Error(`areyouj exited: ${run.err()}`))));
      check();
    });

    // Every start prints a login URL with the home's token: the opener gets an owner-only page that redirects to it.
    const home = tempDir();
    const withToken = runCli(['--home', home, '--port', '0', '--open'], { env: { ...process.env, PATH: bin } });
    const loginUrl = (await withToken.waitOut(/Open the dashboard: (\S+\?token=\S+)/))[1];
    const target = await opened(withToken);
    const page = path.join(home, 'docs', 'run', 'open.html');
    assert.equal(target, `file://${page}`, 'the opener gets a file, not the token');
    assert.equal(fs.statSync(page).mode & 0o777, 0o600);
    assert.ok(fs.readFileSync(page, 'utf8').includes(`content="0;url=${loginUrl}"`), 'the page redirects to the login URL');
    assert.ok(!fs.readFileSync(asked, 'utf8').includes('token'), 'no token on the opener\'s command line');
    assert.equal(await withToken.stop(), 0);

    const none = runCli(['--home', tempDir(), '--port', '0', '--open'], { env: { ...process.env, PATH: tempDir() } });
    await none.url();
    await new Promise<void>((resolve) => { const check = () => { if (/xdg-open/.test(none.err())) resolve(); }; none.child.stderr!.on('data', check); check(); });
    assert.match(none.err(), /areyouj: cannot open a browser: xdg-open is not installed \(install xdg-utils.*\); open the URL above yourself/);
    assert.equal(await none.stop(), 0, 'the server ran on');
  });
});
