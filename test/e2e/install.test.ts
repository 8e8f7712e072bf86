// Installed the way users install it: `npm pack` (prepack builds), then `npm install -g --prefix <tmp> <tarball>`,
// which installs the runtime dependencies only and builds the native modules on this machine (no prebuilt binary is
// reachable here: npm pack 41 s and npm install -g 158 s on a heavily loaded 2-core machine, hence one test with a
// generous deadline). Then `areyouj` from an empty folder: its login URL opened in Chromium, one bash instance started
// from the dashboard, a command typed, its output seen. The installed package reuses nothing of the repository's node_modules (its own folder is far from it).
//
// The package is packed from a copy of the sources: prepack rebuilds dist/ from scratch, and the other test files
// running meanwhile use the repository's dist/server.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { SCHEMA_VERSION } from '../../src/server/agents/db.js';
import { runCli, runCliToEnd, type CliRun } from '../helpers/cli.js';
import { assertPackageFiles, cleanEnv, packedFiles } from '../helpers/package.js';
import { stopHost, tempDir } from '../helpers/server.js';
import { launch, newPage, ROOT, shot, waitForTerm } from './harness.js';

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
// The dev dependencies that nothing at run time needs: no package the lock marks as needed at run time has their name
// (exceljs's fast-csv depends on @types/node, so npm installs one at run time too).
const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
const runtimeNames = new Set(Object.entries(lock.packages).filter(([p, v]) => p && !v.dev).map(([p]) => p.slice(p.lastIndexOf('node_modules/') + 'node_modules/'.length)));
const DEV_ONLY = Object.keys(pkg.devDependencies as Record<string, string>).filter((n) => !runtimeNames.has(n));

/** The repository's sources as a clone has them (tracked and new files, nothing ignored), with its node_modules linked for the build tools. */
function copySources(to: string) {
  const list = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const f of list) {
    const from = path.join(ROOT, f);
    if (!fs.existsSync(from)) continue; // deleted, not yet committed
    fs.mkdirSync(path.dirname(path.join(to, f)), { recursive: true });
    fs.copyFileSync(from, path.join(to, f));
    fs.chmodSync(path.join(to, f), fs.statSync(from).mode);
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(to, 'node_modules'));
}

describe('the installed package', () => {
  const tmp = tempDir('areyouj-install-');
  let browser: Browser | undefined;
  let srv: CliRun | undefined;
  after(async () => {
    await browser?.close();
    await srv?.stop();
    await stopHost(path.join(tmp, 'empty')); // its bash instance outlives the server in the pty host, as agents do
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('npm pack, npm install -g from the tarball, areyouj in an empty folder: the dashboard runs a bash instance', { timeout: 15 * 60_000 }, async () => {
    const src = path.join(tmp, 'src');
    copySources(src);
    const t0 = Date.now();
    const packed = spawnSync('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: src, encoding: 'utf8', env: cleanEnv() });
    assert.equal(packed.status, 0, `npm pack failed:\n${packed.stderr}`);
    const files = packedFiles(packed.stdout);
    assertPackageFiles(files, ['dist/web/index.html', 'dist/common/schema.js']);
    assert.ok(files.some((f) => /^dist\/web\/assets\/.+\.js$/.test(f)), 'the built web app\'s code');
    const tarball = path.join(tmp, (JSON.parse(packed.stdout) as { filename: string }[])[0].filename);
    const t1 = Date.now();

    const prefix = path.join(tmp, 'prefix');
    const installed = spawnSync('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', tarball], { cwd: tmp, encoding: 'utf8', env: cleanEnv() });
    assert.equal(installed.status, 0, `npm install -g failed:\n${installed.stdout}\n${installed.stderr}`);
    const t2 = Date.now();
    console.log(`npm pack ${((t1 - t0) / 1000).toFixed(0)} s, npm install -g ${((t2 - t1) / 1000).toFixed(0)} s (${fs.statSync(tarball).size} bytes packed)`);
    const pkgDir = path.join(prefix, 'lib', 'node_modules', 'areyouj');
    assert.ok(DEV_ONLY.includes('vite') && DEV_ONLY.includes('typescript') && DEV_ONLY.includes('react'));
    for (const dev of DEV_ONLY) assert.ok(!fs.existsSync(path.join(pkgDir, 'node_modules', dev)), `${dev} (a dev dependency) is not installed`);
    for (const dep of Object.keys(pkg.dependencies)) assert.ok(fs.existsSync(path.join(pkgDir, 'node_modules', dep, 'package.json')), `${dep} is installed`);
    assert.ok(!fs.existsSync(path.join(pkgDir, 'src')) && !fs.existsSync(path.join(pkgDir, 'test')), 'no sources, no tests');

    // As a user runs it: `areyouj` found on PATH, in an empty folder, nothing of the repository around.
    const env = cleanEnv({ PATH: `${path.join(prefix, 'bin')}:${process.env.PATH}` });
    const empty = path.join(tmp, 'empty');
    fs.mkdirSync(empty);
    const version = await runCliToEnd(['--version'], { file: 'areyouj', env, cwd: empty });
    assert.equal(version.stdout, `areyouj ${pkg.version} (agents.db schema ${SCHEMA_VERSION})\n`);
    const doctor = await runCliToEnd(['doctor', '--json', '--port', '0'], { file: 'areyouj', env, cwd: empty });
    const report = JSON.parse(doctor.stdout) as { ok: boolean; checks: { id: string; status: string; detail: string }[] };
    assert.equal(doctor.code, 0, doctor.stdout);
    for (const id of ['better-sqlite3', 'node-pty']) assert.equal(report.checks.find((c) => c.id === id)?.status, 'ok', `${id}, as installed`);

    srv = runCli(['--port', '0'], { file: 'areyouj', env, cwd: empty });
    const url = await srv.url();
    // The start-up lines, as a user sees them: the home, and the login URL with the home's token.
    const login = (await srv.waitOut(/Open the dashboard: (\S+)\n/))[1];
    assert.ok(srv.out().includes(`home: ${empty}\n`), `it serves the working directory:\n${srv.out()}`);
    assert.doesNotMatch(srv.out(), /not built/);
    const token = fs.readFileSync(path.join(empty, 'docs', 'run', 'token'), 'utf8').trim();
    assert.equal(login, `${url}/?token=${token}`);
    assert.ok(fs.existsSync(path.join(empty, 'docs', 'agents.db')));

    const api = async (method: string, p: string, body?: unknown) => {
      const r = await fetch(url + p, {
        method, body: body ? JSON.stringify(body) : undefined,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      });
      assert.ok(r.ok, `${method} ${p} → ${r.status}`);
      return r.json() as Promise<any>;
    };
    assert.equal((await fetch(`${url}/api/info`)).status, 401, 'the installed server wants the token too');
    assert.equal((await api('GET', '/api/info')).schemaVersion, SCHEMA_VERSION);
    await api('POST', '/api/agents', { name: 'shell', projectPath: empty, command: 'bash', args: ['--norc', '--noprofile'], kind: 'generic' });

    browser = await launch();
    const { context, page } = await newPage(browser, { url, loginUrl: login }); // opens the printed URL: the dashboard, logged in
    const agent = page.locator('[data-testid=agent-item][data-agent=shell]');
    await agent.hover();
    await agent.locator('[data-testid=start-instance]').click();
    const tab = page.locator('[data-testid=tab]');
    await tab.waitFor();
    const id = (await tab.getAttribute('data-instance'))!;
    const term = page.locator(`[data-testid="terminal-${id}"]`);
    await page.waitForSelector(`[data-testid="terminal-${id}"][data-conn=open]`);
    await term.click();
    await page.keyboard.type('echo installed-$((6*7))');
    await page.keyboard.press('Enter');
    await waitForTerm(page, id, /^installed-42$/m, 30_000);
    await shot(page, 'install-01-terminal');
    await context.close(); // before the server stops: its streams would end in the page's console
    assert.equal(await srv.stop(), 0);
  });
});
