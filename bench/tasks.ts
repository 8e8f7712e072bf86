// 5. Tasks API: GET /api/tasks on a generated tasks.db of 10,000 tasks (2,500 top-level with 3 subtasks each, and
// dependencies), against reading the same rows in this process with better-sqlite3 + JSON.stringify (the baseline);
// then POST/PUT throughput (sequential requests) without and with an outside writer (sqlite3 UPDATEs in a loop).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';
import { generateTasksDb, SUBS, TOP } from './lib/tasks-db.js';
import { PROGRAMS, startChildServer, tempDir, type ChildServer } from './lib/server.js';
import { fromRuns, summarize, type Row } from './lib/stats.js';
import type { BenchContext } from './lib/context.js';


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

interface Read { ms: number; serverMs: number; status: number; bytes: number; count: number; etag: string }

/** The bytes of one answer as sent (compressed as a browser would accept it), read with node:http (no decoding). */
function wireBytes(s: ChildServer): Promise<{ bytes: number; encoding: string | null }> {
  return new Promise((resolve, reject) => {
    http.get(`${s.url}/api/tasks`, { headers: { ...s.headers(), 'accept-encoding': 'br, gzip' } }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => { bytes += c.length; });
      res.on('end', () => resolve({ bytes, encoding: (res.headers['content-encoding'] as string | undefined) ?? null }));
    }).on('error', reject);
  });
}

/** One GET /api/tasks as a browser would make it (compression accepted), optionally with If-None-Match. */
async function timedGet(s: ChildServer, etag?: string): Promise<Read> {
  const t0 = performance.now();
  const res = await s.fetch('/api/tasks', { headers: { 'accept-encoding': 'br, gzip', ...(etag ? { 'if-none-match': etag } : {}) } });
  const text = await res.text();
  const ms = performance.now() - t0;
  if (res.status !== 200 && res.status !== 304) throw new Error(`GET /api/tasks: ${res.status} ${text.slice(0, 200)}`);
  const serverMs = Number(/dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '')?.[1] ?? NaN);
  return {
    ms, serverMs, status: res.status, bytes: Buffer.byteLength(text),
    count: res.status === 200 ? JSON.parse(text).tasks.length : -1, etag: res.headers.get('etag') ?? '',
  };
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
  generateTasksDb(dbFile);
  const s = await startChildServer({ home });
  try {
    const warm = await timedGet(s); // opens the store
    if (warm.count !== TOP) throw new Error(`expected ${TOP} top-level tasks, got ${warm.count}`);
    // First reads: each right after a write (a status change through the API), so the cached answer is stale and
    // the server reads, serializes (and compresses) the list again. Repeat reads: the browser's revalidation with the
    // ETag (304), and a client without it (the cached body).
    const first: Read[] = [], again: Read[] = [], cached: Read[] = [], base: number[] = [];
    for (let i = 0; i < reps; i++) {
      await s.api('PUT', `/api/tasks/${1 + (i % TOP)}`, { status: ['pending', 'in-progress', 'done'][i % 3] });
      const f = await timedGet(s);
      if (f.status !== 200) throw new Error(`first read after a write answered ${f.status}`);
      first.push(f);
      again.push(await timedGet(s, f.etag));
      cached.push(await timedGet(s));
      base.push(directList(dbFile));
    }
    if (again.some((r) => r.status !== 304)) throw new Error('a repeat read with the ETag was not 304');
    const b = summarize(base).median;
    const baseline = { label: 'SQLite + JSON in-process', value: b };
    const med = (rs: Read[], k: 'ms' | 'serverMs') => summarize(rs.map((r) => r[k])).median;
    const wire = await wireBytes(s);
    const size = `${(first[0].bytes / 1048576).toFixed(1)} MB JSON, ${(wire.bytes / 1048576).toFixed(2)} MB on the wire${wire.encoding ? ` (${wire.encoding})` : ''}`;
    const firstRow = fromRuns({ bench: '5 tasks API', figure: `GET /api/tasks, ${TOP * (1 + SUBS)} tasks, first read after a write (${size})`, unit: 'ms',
      baseline, target: '≤ baseline', note: `server ${med(first, 'serverMs').toFixed(1)} ms (Server-Timing)` }, first.map((r) => r.ms));
    firstRow.ratio = firstRow.value / b;
    firstRow.met = firstRow.value <= b;
    const againRow = fromRuns({ bench: '5 tasks API', figure: 'GET /api/tasks, repeat read (If-None-Match → 304)', unit: 'ms', baseline,
      target: '≤ 5 ms at the server, ≥ 5× faster than baseline', note: `server ${med(again, 'serverMs').toFixed(2)} ms (Server-Timing)` }, again.map((r) => r.ms));
    againRow.ratio = againRow.value / b;
    againRow.met = med(again, 'serverMs') <= 5 && b / againRow.value >= 5; // the issue's target: ≤ 5 ms at the server
    const cachedRow = fromRuns({ bench: '5 tasks API', figure: 'GET /api/tasks, repeat read without the ETag (cached body)', unit: 'ms', baseline,
      note: `server ${med(cached, 'serverMs').toFixed(2)} ms (Server-Timing)` }, cached.map((r) => r.ms));
    cachedRow.ratio = cachedRow.value / b;

    const quiet = await writeLoop(s, writeMs);
    const writer = spawn(process.execPath, [path.join(PROGRAMS, 'outside-writer.cjs'), dbFile, String(writeMs + 2000), String(TOP)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let wout = '';
    writer.stdout!.on('data', (d) => { wout += d; });
    const writerDone = new Promise<void>((r) => writer.once('exit', () => r()));
    await new Promise((r) => setTimeout(r, 500));
    const busy = await writeLoop(s, writeMs);
    const listBusy: number[] = [];
    for (let i = 0; i < Math.min(reps, 10); i++) listBusy.push((await timedGet(s)).ms);
    const list = first.map((r) => r.ms);
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
      baseline }, listBusy);
    lbRow.ratio = lbRow.value / b;
    lbRow.met = lbRow.value < 50;
    return [firstRow, againRow, cachedRow, wRow, lbRow];
  } finally {
    await s.close();
  }
}
