// `npm run bench [-- --quick | --smoke] [--only 1,3]`: every benchmark against a real server on loopback (temp home,
// real processes); one table on stdout, the same as JSON under bench/results/.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { makeContext, type BenchContext, type Mode } from './lib/context.js';
import { cleanupTemp, ROOT } from './lib/server.js';
import type { Row } from './lib/stats.js';
import { renderTable } from './lib/table.js';
import { attach } from './attach.js';
import { changes } from './changes.js';
import { board } from './board.js';
import { echo } from './echo.js';
import { manyAgents } from './many-agents.js';
import { stateLatency } from './state.js';
import { tasks } from './tasks.js';
import { throughput } from './throughput.js';

const BENCHES: { n: number; name: string; run: (ctx: BenchContext) => Promise<Row[]> }[] = [
  { n: 1, name: 'relay throughput', run: throughput },
  { n: 2, name: 'keystroke echo', run: echo },
  { n: 3, name: 'attach', run: attach },
  { n: 4, name: 'many agents', run: manyAgents },
  { n: 5, name: 'tasks API', run: tasks },
  { n: 6, name: 'state latency', run: stateLatency },
  { n: 7, name: 'changes panel', run: changes },
  { n: 8, name: 'task board', run: board },
];

const { values } = parseArgs({ options: { quick: { type: 'boolean' }, smoke: { type: 'boolean' }, only: { type: 'string' }, quiet: { type: 'boolean' } } });
const mode: Mode = values.smoke ? 'smoke' : values.quick ? 'quick' : 'full';
const only = values.only ? new Set(values.only.split(',').map(Number)) : null;
const t0 = performance.now();
const log = (m: string) => { if (!values.quiet) process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(1)}s] ${m}\n`); };
const ctx = makeContext(mode, log);

// Load must stop by itself: a hard deadline for the whole run (each server the bench starts also starts its pty host).
// (smoke: about a minute on a quiet machine, several times that on a loaded one; the smoke test allows 10 minutes)
const deadlineMs = { full: 20 * 60_000, quick: 5 * 60_000, smoke: 5 * 60_000 }[mode];
setTimeout(() => { process.stderr.write(`bench: over the ${deadlineMs / 60000} min deadline, giving up\n`); process.exit(3); }, deadlineMs).unref();

const rows: Row[] = [];
const failures: { bench: string; error: string }[] = [];
for (const b of BENCHES) {
  if (only && !only.has(b.n)) continue;
  log(`${b.n}. ${b.name}…`);
  const start = performance.now();
  try {
    rows.push(...await b.run(ctx));
  } catch (e) {
    const err = (e as Error).stack ?? String(e);
    failures.push({ bench: `${b.n} ${b.name}`, error: err });
    rows.push({ bench: `${b.n} ${b.name}`, figure: 'FAILED', unit: '', value: NaN, met: false, note: (e as Error).message });
    log(`${b.n}. failed: ${err}`);
  }
  log(`${b.n}. done in ${((performance.now() - start) / 1000).toFixed(1)} s`);
}
cleanupTemp();

const git = (args: string[]) => { try { return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim(); } catch { return null; } };
const meta = {
  date: new Date().toISOString(), mode, durationS: Math.round((performance.now() - t0) / 100) / 10,
  commit: git(['rev-parse', '--short', 'HEAD']), dirtySrc: (git(['status', '--porcelain', 'src']) ?? '') !== '',
  node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, loadavg: os.loadavg(), memGB: Math.round(os.totalmem() / 2 ** 30),
};
const table = renderTable(rows);
process.stdout.write(`\nAreYouJ bench (${mode}), ${meta.date}, ${meta.cpus} cores, node ${meta.node}, commit ${meta.commit}${meta.dirtySrc ? ' + uncommitted src' : ''}, load avg before end ${meta.loadavg.map((x) => x.toFixed(2)).join(' ')}\n\n${table}\n`);
const dir = path.join(ROOT, 'bench', 'results');
fs.mkdirSync(dir, { recursive: true });
const json = JSON.stringify({ meta, rows, failures }, null, 2);
const file = path.join(dir, `${meta.date.replace(/[:.]/g, '-')}-${mode}.json`);
fs.writeFileSync(file, json);
fs.writeFileSync(path.join(dir, `latest-${mode}.json`), json);
process.stdout.write(`\nresults: ${path.relative(ROOT, file)}\n`);
process.exit(failures.length ? 1 : 0);
