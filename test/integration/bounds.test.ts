// Every buffer bounded in total, not per client: large events, stalled event-stream clients and requests for thousands
// of projects leave the server's memory and file descriptors bounded. Each attack runs against its own server, a child
// process (its RSS and descriptors read from /proc); a check during the attack stops at the first sign of growth, so
// that the code this replaced fails fast instead of eating the machine's memory. The figures are printed.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { startChildServer, tempDir, vmRss, type ChildServer } from '../../bench/lib/server.js';
import { SseClient } from '../helpers/sse.js';
import { TASKS_SCHEMA } from '../../src/server/tasks/schema-sql.js';

const MB = 1024 * 1024;
const mb = (n: number) => `${(n / MB).toFixed(0)} MB`;
const figures: string[] = [];
after(() => console.log(figures.join('\n')));

/** An agent's env of about `size` bytes (values of at most 100,000 characters, the schema's limit). */
function bigEnv(size: number, salt: number): Record<string, string> {
  const env: Record<string, string> = {};
  for (let i = 0; size > 0; i++, size -= 100_000) env[`V${i}`] = String(salt % 10).repeat(Math.min(size, 100_000));
  return env;
}

/** Runs `n` jobs, `concurrency` at a time; `check` runs after every `every` jobs and may throw to stop early. */
async function pool(n: number, concurrency: number, job: (i: number) => Promise<void>, every = 0, check?: (done: number) => void) {
  let next = 0, done = 0;
  let failed: unknown = null;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n && !failed) {
      const i = next++;
      try {
        await job(i);
        done++;
        if (check && every && done % every === 0) check(done);
      } catch (e) { failed ??= e; }
    }
  }));
  if (failed) throw failed;
}

const fdCount = (pid: number) => fs.readdirSync(`/proc/${pid}/fd`).length;
/** inotify watches held by a process (one line per watch in the fdinfo of its inotify descriptors). */
function inotifyWatches(pid: number): number {
  let n = 0;
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (fs.readlinkSync(`/proc/${pid}/fd/${fd}`) !== 'anon_inode:inotify') continue;
      n += fs.readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8').split('\n').filter((l) => l.startsWith('inotify wd:')).length;
    } catch { /* closed meanwhile */ }
  }
  return n;
}

describe('bounded in total', { timeout: 600_000 }, () => {
  let s: ChildServer | null = null;
  after(async () => { await s?.close(); });

  test('2,000 agent updates of 1 MB each keep RSS bounded (the history keeps large events by reference)', async () => {
    const LIMIT = 256 * MB;
    // The server's heap is capped (as a user could with NODE_OPTIONS): V8 otherwise collects lazily on a 24 GB machine,
    // so a quiet run could grow RSS by 400 MB of garbage and fail a test that is about retention. With the cap, a
    // history that kept the updates (2 GB) would crash the server; one that does not stays within it.
    s = await startChildServer({ env: { NODE_OPTIONS: '--max-old-space-size=192' } });
    const agent = (await s.api('POST', '/api/agents', { name: 'big', projectPath: s.home, kind: 'generic', command: 'cat' })).body;
    // Two bodies of 1 MB, serialized once (the client's own work is not what is measured), taken in turn.
    const bodies = [0, 1].map((salt) => Buffer.from(JSON.stringify({ env: bigEnv(1_000_000, salt) })));
    const headers = { ...s.headers(), 'content-type': 'application/json' };
    const put = async (i: number) => {
      const r = await fetch(`${s!.url}/api/agents/${agent.id}`, { method: 'PUT', headers, body: bodies[i % 2] });
      await r.arrayBuffer();
      assert.equal(r.status, 200);
    };
    for (let i = 0; i < 50; i++) await put(i); // warm up: the heap finds its working size
    const { lastEventId } = (await s.api('GET', '/api/info')).body;
    const rss0 = vmRss(s.pid)!;
    let peak = rss0;
    const t0 = performance.now();
    await pool(2000, 2, put, 100, () => {
      const rss = vmRss(s!.pid)!;
      peak = Math.max(peak, rss);
      assert.ok(rss - rss0 < LIMIT, `RSS grew by ${mb(rss - rss0)} (${mb(rss0)} → ${mb(rss)}) during the updates`);
    });
    const secs = (performance.now() - t0) / 1000;
    const rss1 = vmRss(s.pid)!;
    figures.push(`[bounds] 2,000 × 1 MB agent updates in ${secs.toFixed(1)} s: RSS ${mb(rss0)} → ${mb(rss1)} (peak ${mb(peak)}, bound +${mb(LIMIT)})`);
    assert.ok(rss1 - rss0 < LIMIT);
    // A client that missed them is told to refetch rather than replayed 2 GB.
    const late = new SseClient(`${s.url}/api/events`, { ...s.headers(), 'Last-Event-ID': String(lastEventId) });
    const reset = await late.waitFor((e) => e.event === 'reset', 10_000, 'reset');
    assert.equal(reset.data.reason, 'history_too_large');
    late.close();
    await s.close();
    s = null;
  });

  test('300 SSE clients that never read, then 60 events of 300 KB: RSS bounded, clients beyond the limit get a clear 503, a reading client gets every event', async () => {
    const LIMIT = 200 * MB;
    s = await startChildServer();
    const port = Number(new URL(s.url).port);
    const agent = (await s.api('POST', '/api/agents', { name: 'big', projectPath: s.home, kind: 'generic', command: 'cat' })).body;
    const reader = new SseClient(`${s.url}/api/events`, s.headers());
    await reader.ready;
    // Raw connections that read the answer's first bytes, then never again.
    const sockets: net.Socket[] = [];
    const answers = await Promise.all(Array.from({ length: 300 }, () => new Promise<string>((resolve, reject) => {
      const sock = net.connect(port, '127.0.0.1');
      sockets.push(sock);
      sock.on('connect', () => sock.write(`GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: ${s!.headers().authorization}\r\n\r\n`));
      sock.once('data', (d) => { sock.pause(); resolve(String(d)); });
      sock.on('error', reject);
    })));
    const rss0 = vmRss(s.pid)!;
    let peak = rss0;
    const times: number[] = [];
    for (let i = 0; i < 60; i++) {
      const t0 = performance.now();
      const r: { status: number } = await s.api('PUT', `/api/agents/${agent.id}`, { env: bigEnv(300_000, i) });
      times.push(performance.now() - t0);
      assert.equal(r.status, 200);
      const rss = vmRss(s.pid)!;
      peak = Math.max(peak, rss);
      assert.ok(rss - rss0 < LIMIT, `RSS grew by ${mb(rss - rss0)} (${mb(rss0)} → ${mb(rss)}) after ${i + 1} events`);
    }
    const last = await reader.waitFor((e) => e.event === 'agent.updated' && e.data.agent.env.V0?.startsWith('9') && e.data.agent.env.V2?.length === 100_000
      && reader.events.filter((x) => x.event === 'agent.updated').length === 60, 60_000, 'all 60 events at the reading client');
    assert.ok(last);
    const rss1 = vmRss(s.pid)!;
    times.sort((a, b) => a - b);
    const ok = answers.filter((a) => a.startsWith('HTTP/1.1 200')).length;
    const refused = answers.filter((a) => a.startsWith('HTTP/1.1 503'));
    assert.equal(ok + refused.length, 300);
    assert.ok(refused.length >= 200, `${refused.length} refused`);
    assert.match(refused[0], /"code":"too_many_clients"/);
    figures.push(`[bounds] 300 stalled SSE clients (${ok} accepted incl. 1 reading, ${refused.length} refused 503), 60 × 300 KB events: `
      + `RSS ${mb(rss0)} → ${mb(rss1)} (peak ${mb(peak)}, bound +${mb(LIMIT)}); PUT median ${times[30].toFixed(0)} ms, max ${times[59].toFixed(0)} ms`);
    for (const sock of sockets) sock.destroy();
    reader.close();
    await s.close();
    s = null;
  });

  test('GET /api/tasks for 10,000 distinct projects keeps file descriptors and watchers bounded', async () => {
    const N = 10_000;
    const root = tempDir('ayj-projects-');
    // Every project has a docs/ folder (a watcher each, before); one in ten has a tasks.db (a connection: 3 descriptors).
    const template = path.join(root, 'template.db');
    const db = new Database(template);
    db.pragma('journal_mode = WAL');
    db.exec(TASKS_SCHEMA);
    db.prepare(`INSERT INTO tasks (id, title, description, status, priority) VALUES ('1', 'a task', '', 'pending', 'medium')`).run();
    db.close();
    const withDb = (i: number) => i % 10 === 0;
    await Promise.all(Array.from({ length: N }, async (_, i) => {
      await fs.promises.mkdir(path.join(root, `p${i}`, 'docs'), { recursive: true });
      if (withDb(i)) await fs.promises.copyFile(template, path.join(root, `p${i}`, 'docs', 'tasks.db'));
    }));
    s = await startChildServer();
    const pid = s.pid;
    const get = async (i: number) => {
      const r = await s!.api('GET', `/api/tasks?project=${encodeURIComponent(path.join(root, `p${i}`))}`);
      assert.equal(r.status, 200, `project ${i}: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
      assert.equal(r.body.tasks.length, withDb(i) ? 1 : 0);
    };
    await get(0);
    const fd0 = fdCount(pid), w0 = inotifyWatches(pid);
    let fdPeak = fd0, wPeak = w0;
    const t0 = performance.now();
    await pool(N, 4, get, 100, () => {
      const fds = fdCount(pid), w = inotifyWatches(pid);
      fdPeak = Math.max(fdPeak, fds);
      wPeak = Math.max(wPeak, w);
      assert.ok(fds < fd0 + 300, `${fds} file descriptors open (${fd0} at the start)`);
      assert.ok(w < w0 + 100, `${w} inotify watches (${w0} at the start)`);
    });
    const secs = (performance.now() - t0) / 1000;
    figures.push(`[bounds] ${N.toLocaleString('en')} distinct projects in ${secs.toFixed(1)} s: file descriptors ${fd0} → ${fdCount(pid)} (peak ${fdPeak}), `
      + `inotify watches ${w0} → ${inotifyWatches(pid)} (peak ${wPeak})`);
    assert.equal((await s.api('GET', '/api/info')).status, 200);
    await s.close();
    s = null;
    await Promise.all(Array.from({ length: N }, (_, i) => fs.promises.rm(path.join(root, `p${i}`), { recursive: true, force: true })));
    fs.rmSync(root, { recursive: true, force: true });
  });
});
