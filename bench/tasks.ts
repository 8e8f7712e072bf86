// 5. Tasks API: GET /api/tasks on a generated tasks.db of 10,000 tasks (2,500 top-level with 3 subtasks each, and
// dependencies), against reading the same rows in this process with better-sqlite3 + JSON.stringify (the baseline);
// then POST/PUT throughput (sequential requests) without and with an outside writer (sqlite3 UPDATEs in a loop).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { TASKS_SCHEMA } from '../src/server/tasks/schema-sql.js';
import { PROGRAMS, startChildServer, tempDir, type ChildServer } from './lib/server.js';
import { fromRuns, summarize, type Row } from './lib/stats.js';
import type { BenchContext } from './lib/context.js';

const TOP = 2500, SUBS = 3;

function generate(file: string) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(TASKS_SCHEMA);
  const ins = db.prepare(`INSERT INTO tasks (id, title, description, status, priority, notes, details, parent_id, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, '2025-01-01 10:00:00', '2025-01-02 11:00:00')`);
  const dep = db.prepare('INSERT INTO task_dependencies (task_id, dependency_id) VALUES (?, ?)');
  const statuses = ['pending', 'in-progress', 'done'], prios = ['high', 'medium', 'low'];
  const details = '## Plan\n\n- read the code\n- change `src/module.ts`\n- add tests\n\n```ts\nexport const x = 1;\n```\n'.repeat(2);
  db.transaction(() => {
    for (let i = 1; i <= TOP; i++) {
      ins.run(String(i), `Task ${i}: implement feature ${i % 37}`, `Description of task ${i}, with enough words to look like a real task description.`,
        statuses[i % 3], prios[i % 3], i % 5 ? null : `note ${i}`, details, null);
      if (i > 1) dep.run(String(i), String(i - 1));
      if (i > 7) dep.run(String(i), String(i - 7));
      for (let j = 1; j <= SUBS; j++) {
        ins.run(`${i}.${j}`, `Subtask ${j} of ${i}`, `Step ${j}.`, statuses[(i + j) % 3], prios[j % 3], null, '', String(i));
        if (j > 1) dep.run(`${i}.${j}`, `${i}.${j - 1}`);
      }
    }
  })();
  db.close();
}

/** Baseline: the same rows read and serialized in this process (what the route does, without HTTP). */
function directList(file: string): number {
  const t0 = performance.now();
  const db = new Database(file, { readonly: true });
  const rows = db.prepare('SELECT * FROM tasks').all() as any[];
  const deps = db.prepare('SELECT task_id, dependency_id FROM task_dependencies').all() as any[];
  const byTask = new Map<string, string[]>();
  for (const d of deps) { const a = byTask.get(d.task_id) ?? []; a.push(d.dependency_id); byTask.set(d.task_id, a); }
  const top: any[] = [], kids = new Map<string, any[]>();
  for (const r of rows) {
    const t = { ...r, dependencies: byTask.get(r.id) ?? [], subtasks: [] as any[] };
    if (r.parent_id) { const a = kids.get(r.parent_id) ?? []; a.push(t); kids.set(r.parent_id, a); } else top.push(t);
  }
  for (const t of top) t.subtasks = kids.get(t.id) ?? [];
  JSON.stringify({ tasks: top });
  db.close();
  return performance.now() - t0;
}

async function timedGet(s: ChildServer): Promise<{ ms: number; bytes: number; count: number }> {
  const t0 = performance.now();
  const res = await fetch(`${s.url}/api/tasks`, { headers: s.headers() });
  const text = await res.text();
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`GET /api/tasks: ${res.status} ${text.slice(0, 200)}`);
  return { ms, bytes: text.length, count: JSON.parse(text).tasks.length };
}

/** Sequential POST / PUT pairs for `ms`; returns ops per second and the request latencies. */
async function writeLoop(s: ChildServer, ms: number): Promise<{ opsPerS: number; lat: number[]; errors: number; firstError?: string }> {
  const lat: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const end = performance.now() + ms;
  let i = 0;
  while (performance.now() < end) {
    const t0 = performance.now();
    const r = i % 2 === 0
      ? await s.api('POST', '/api/tasks', { title: `bench ${i}`, description: 'created by the bench', priority: 'low' })
      : await s.api('PUT', `/api/tasks/${1 + (i % TOP)}`, { status: ['pending', 'in-progress', 'done'][i % 3] });
    lat.push(performance.now() - t0);
    if (r.status >= 300) { errors++; firstError ??= `${i % 2 ? 'PUT' : 'POST'} ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`; }
    i++;
  }
  return { opsPerS: lat.length / (ms / 1000), lat, errors, firstError };
}

export async function tasks(ctx: BenchContext): Promise<Row[]> {
  const reps = ctx.pick({ full: 30, quick: 10, smoke: 3 });
  const writeMs = ctx.pick({ full: 5000, quick: 2000, smoke: 800 });
  const home = tempDir();
  fs.mkdirSync(path.join(home, 'docs'));
  const dbFile = path.join(home, 'docs', 'tasks.db');
  generate(dbFile);
  const s = await startChildServer({ home });
  try {
    const first = await timedGet(s); // warm-up (opens the store)
    if (first.count !== TOP) throw new Error(`expected ${TOP} top-level tasks, got ${first.count}`);
    await timedGet(s);
    const list: number[] = [], base: number[] = [];
    for (let i = 0; i < reps; i++) { list.push((await timedGet(s)).ms); base.push(directList(dbFile)); }
    const b = summarize(base).median;
    const listRow = fromRuns({ bench: '5 tasks API', figure: `GET /api/tasks, ${TOP * (1 + SUBS)} tasks (${(first.bytes / 1048576).toFixed(1)} MB JSON)`, unit: 'ms',
      baseline: { label: 'better-sqlite3 + JSON in-process', value: b }, target: '< 50 ms' }, list);
    listRow.ratio = listRow.value / b;
    listRow.met = listRow.value < 50;

    const quiet = await writeLoop(s, writeMs);
    const writer = spawn(process.execPath, [path.join(PROGRAMS, 'outside-writer.cjs'), dbFile, String(writeMs + 2000), String(TOP)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let wout = '';
    writer.stdout!.on('data', (d) => { wout += d; });
    const writerDone = new Promise<void>((r) => writer.once('exit', () => r()));
    await new Promise((r) => setTimeout(r, 500));
    const busy = await writeLoop(s, writeMs);
    const listBusy: number[] = [];
    for (let i = 0; i < Math.min(reps, 10); i++) listBusy.push((await timedGet(s)).ms);
    await writerDone;
    const w = JSON.parse(wout || '{}');
    const busyErr = /SQLITE_BUSY\w*|database is locked/.exec(s.stderr())?.[0];
    ctx.log(`tasks: list ${summarize(list).median.toFixed(1)} ms (direct ${b.toFixed(1)}); writes ${quiet.opsPerS.toFixed(0)}/s alone, ${busy.opsPerS.toFixed(0)}/s with the outside writer (${w.ok} UPDATEs, ${w.failed} failed)`);
    const wRow: Row = { bench: '5 tasks API', figure: 'POST/PUT throughput with an outside sqlite3 writer (sequential requests)', unit: 'req/s', value: busy.opsPerS,
      baseline: { label: 'no outside writer', value: quiet.opsPerS }, ratio: busy.opsPerS / quiet.opsPerS,
      note: `request latency p50 ${summarize(busy.lat).median.toFixed(1)} / p99 ${summarize(busy.lat).p99.toFixed(1)} ms (alone: ${summarize(quiet.lat).median.toFixed(1)} / ${summarize(quiet.lat).p99.toFixed(1)} ms); `
        + `errors ${quiet.errors} alone, ${busy.errors} with the writer${busyErr ? ` (server log: ${busyErr})` : ''}${busy.firstError ?? quiet.firstError ? ` (first: ${busy.firstError ?? quiet.firstError})` : ''}; outside writer: ${w.ok ?? '?'} UPDATEs (${(w.perSecond ?? 0).toFixed(0)}/s, one sqlite3 process each), ${w.failed ?? '?'} failed` };
    wRow.met = busy.errors + quiet.errors === 0 && (w.failed ?? 0) === 0 ? null : false;
    const lbRow = fromRuns({ bench: '5 tasks API', figure: 'GET /api/tasks right after the writes, outside writer active', unit: 'ms', target: '< 50 ms',
      baseline: { label: 'better-sqlite3 + JSON in-process', value: b } }, listBusy);
    lbRow.ratio = lbRow.value / b;
    lbRow.met = lbRow.value < 50;
    return [listRow, wRow, lbRow];
  } finally {
    await s.close();
  }
}
