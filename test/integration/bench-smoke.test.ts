// The bench's reduced --smoke mode runs every benchmark's code path against a real server and prints its table
// (a smoke check of the bench itself; its figures are not asserted: targets are checked by `npm run bench`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

// Its duration is printed, not asserted: on a loaded machine it takes several times as long.
test('npm run bench -- --smoke: exits 0 and prints a row for every benchmark', { timeout: 600_000 }, async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--smoke', '--quiet'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  const t0 = Date.now();
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  const secs = (Date.now() - t0) / 1000;
  assert.equal(code, 0, `bench --smoke failed (exit ${code}):\n${out}\n${err}`);
  assert.match(out, /benchmark\s+\| figure\s+\| median/);
  for (const b of ['1 relay throughput', '2 keystroke echo', '3 attach', '4 many agents', '5 tasks API', '6 state latency', '7 changes panel']) {
    const rows = out.split('\n').filter((l) => l.startsWith(b));
    assert.ok(rows.length > 0, `no row for ${b}:\n${out}`);
    assert.ok(!rows.some((l) => /\| FAILED\s+\|/.test(l)), `${b} failed:\n${out}`);
  }
  assert.match(out, /results: bench\/results\/.+-smoke\.json/);
  t.diagnostic(`the smoke run took ${secs.toFixed(1)} s`);
});
