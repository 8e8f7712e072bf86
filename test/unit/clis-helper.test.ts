// test/helpers/clis.ts installs the real CLIs on demand. Here against a tiny local package (a file: dependency, so no
// network): two processes asking at once install it once, and an installed package is not installed again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { clisInstalled } from '../helpers/clis.js';

const HELPER = path.resolve(import.meta.dirname, '../helpers/clis.ts');

function fixture(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ayj-clis-'));
  fs.mkdirSync(path.join(dir, 'fake-cli'));
  fs.writeFileSync(path.join(dir, 'fake-cli', 'package.json'), JSON.stringify({ name: 'fake-cli', version: '1.0.0', bin: { fakecli: 'cli.js' } }));
  fs.writeFileSync(path.join(dir, 'fake-cli', 'cli.js'), '#!/usr/bin/env node\nconsole.log("fake")\n', { mode: 0o755 });
  // The root package's postinstall runs once per `npm ci`: it counts the installs.
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({
    name: 'x', version: '0.0.0', private: true, dependencies: { 'fake-cli': 'file:./fake-cli' },
    scripts: { postinstall: 'node -e "require(\'fs\').appendFileSync(\'installs.log\', \'1\\n\')"' },
  }));
  fs.writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify({
    name: 'x', version: '0.0.0', lockfileVersion: 3, requires: true,
    packages: {
      '': { name: 'x', version: '0.0.0', hasInstallScript: true, dependencies: { 'fake-cli': 'file:./fake-cli' } },
      'fake-cli': { version: '1.0.0', bin: { fakecli: 'cli.js' } },
      'node_modules/fake-cli': { resolved: 'fake-cli', link: true },
    },
  }));
  return dir;
}

function ensureInChild(dir: string): Promise<{ code: number | null; err: string }> {
  const code = `import { ensureClis } from ${JSON.stringify(HELPER)}; await ensureClis(${JSON.stringify(dir)}, ['fakecli']);`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (c) => resolve({ code: c, err }));
  });
}

test('two processes installing the test CLIs at once run npm ci once; a second call installs nothing', { timeout: 120_000 }, async (t) => {
  const dir = fixture();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  assert.equal(clisInstalled(dir, ['fakecli']), false);
  const results = await Promise.all([ensureInChild(dir), ensureInChild(dir)]);
  for (const r of results) assert.equal(r.code, 0, r.err);
  assert.equal(clisInstalled(dir, ['fakecli']), true);
  assert.equal(fs.readFileSync(path.join(dir, 'installs.log'), 'utf8'), '1\n');
  assert.equal(fs.existsSync(path.join(dir, 'node_modules.lock')), false);

  const again = await ensureInChild(dir);
  assert.equal(again.code, 0, again.err);
  assert.equal(fs.readFileSync(path.join(dir, 'installs.log'), 'utf8'), '1\n');
});

test('the pinned CLIs: test/clis pins exact versions of codex and gemini', () => {
  const pkg = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../clis/package.json'), 'utf8'));
  assert.match(pkg.dependencies['@openai/codex'], /^\d+\.\d+\.\d+$/);
  assert.match(pkg.dependencies['@google/gemini-cli'], /^\d+\.\d+\.\d+$/);
  const lock = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../clis/package-lock.json'), 'utf8'));
  assert.equal(lock.packages['node_modules/@openai/codex'].version, pkg.dependencies['@openai/codex']);
  assert.equal(lock.packages['node_modules/@google/gemini-cli'].version, pkg.dependencies['@google/gemini-cli']);
});

test("AreYouJ's own install brings none of the agent CLIs, and the README's Node version is package.json's", () => {
  const root = path.resolve(import.meta.dirname, '../..');
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
  for (const name of ['@anthropic-ai/claude-code', '@openai/codex', '@google/gemini-cli']) {
    assert.ok(!pkg.dependencies?.[name] && !pkg.devDependencies?.[name] && !pkg.optionalDependencies?.[name], `${name} is not in package.json`);
    assert.ok(!lock.packages[`node_modules/${name}`], `${name} is not in package-lock.json`);
  }
  const min = /^>=(\d+\.\d+)$/.exec(pkg.engines.node)?.[1];
  assert.ok(min, `engines.node is a minimum: ${pkg.engines.node}`);
  assert.match(fs.readFileSync(path.join(root, 'README.md'), 'utf8'), new RegExp(`Node ${min.replace('.', '\\.')}\\+`));
});
