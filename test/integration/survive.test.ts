// Agents outlive the server (issue 9), with real processes: the server is killed with SIGKILL while five programs stream
// output with viewers attached, and started again on the same home; then the pty host itself is killed.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import xtermHeadless from '@xterm/headless';
import serializeAddon from '@xterm/addon-serialize';
import { DEFAULT_SCROLLBACK } from '../../src/common/limits.js';
import { FAKE_AGENT, TermClient } from '../helpers/instances.js';
import { startTestServer, tempDir } from '../helpers/server.js';
import { SseClient } from '../helpers/sse.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/areyouj.js');
const STREAM_AGENT = path.resolve(import.meta.dirname, '../fixtures/agents/stream-agent.cjs');

/** Every server of these tests runs with this token (a client without it gets 401). */
const TOKEN = 'survive-test-token';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const target = (url: string) => ({ url, headers: () => AUTH });

function server(home: string) {
  const child = spawn(process.execPath, [BIN, '--home', home, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AREYOUJ_TOKEN: TOKEN } });
  let out = '', err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const url = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', () => { const m = /listening on (http:\/\/\S+)/.exec(out); if (m) resolve(m[1]); });
    child.on('exit', () => reject(new Error(`server exited: ${out} ${err}`)));
  });
  return { child, url, exited, err: () => err };
}
async function api(url: string, method: string, p: string, body?: unknown) {
  const r = await fetch(url + p, { method, headers: { ...AUTH, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  const text = await r.text();
  let parsed: any = text;
  try { parsed = JSON.parse(text); } catch { /* bytes */ }
  return { status: r.status, body: parsed, raw: text };
}
const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');
const alive = (pid: number) => { try { return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return false; } };
/** Polls (bounded) for something outside this process: a file another program writes, a process that ends. */
async function until<T>(f: () => T | Promise<T>, what: string, timeoutMs = 60_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
/** A fresh terminal fed these bytes, serialized. */
async function fresh(bytes: Buffer, cols: number, rows: number): Promise<string> {
  const term = new xtermHeadless.Terminal({ cols, rows, scrollback: DEFAULT_SCROLLBACK, allowProposedApi: true });
  const ser = new serializeAddon.SerializeAddon();
  term.loadAddon(ser as never);
  await new Promise<void>((r) => term.write(bytes, r));
  const s = ser.serialize({ scrollback: DEFAULT_SCROLLBACK });
  term.dispose();
  return s;
}

describe('agents outlive the server', { timeout: 240_000 }, () => {
  test('kill -9 of the server while 5 programs stream with viewers attached: the next server re-adopts them, every byte kept, the queued message delivered; kill -9 of the pty host: host_lost', async () => {
    const home = tempDir();
    const project = tempDir();
    const stats = tempDir('ayj-stats-');
    let s1 = server(home);
    let s2: ReturnType<typeof server> | null = null;
    try {
      const url1 = await s1.url;
      const streamer = (await api(url1, 'POST', '/api/agents', {
        name: 'stream', kind: 'generic', projectPath: project, command: '/bin/sh', args: ['-c', `stty raw -echo; exec '${process.execPath}' '${STREAM_AGENT}'`],
        env: { STATS_DIR: stats, COUNT: '500', INTERVAL_MS: '8', CHUNK: '2048', LINGER_MS: '600000' }, settings: { maxConcurrentInstances: 8 },
      })).body;
      const agent = (await api(url1, 'POST', '/api/agents', {
        name: 'fake', kind: 'generic', projectPath: project, command: FAKE_AGENT, settings: { quietMs: 300 },
      })).body;
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await api(url1, 'POST', `/api/agents/${streamer.id}/instances`, { cols: 100, rows: 30 })).body.id);
      const viewers = ids.map((id) => new TermClient(target(url1), id));
      await Promise.all(viewers.map((v) => v.until(() => v.text().includes('READY'), 'READY')));
      for (const id of ids) await api(url1, 'POST', `/api/instances/${id}/input`, { text: 'g' });

      // A turn the test holds open, and a message queued behind it.
      const fake = (await api(url1, 'POST', `/api/agents/${agent.id}/instances`, {})).body;
      const sse = new SseClient(`${url1}/api/events`, AUTH);
      await sse.ready;
      await until(async () => (await api(url1, 'GET', `/api/instances/${fake.id}`)).body.status === 'idle', 'the fake agent idle');
      assert.equal((await api(url1, 'POST', `/api/instances/${fake.id}/messages`, { content: 'hold release.flag' })).status, 201);
      await until(async () => (await api(url1, 'GET', `/api/instances/${fake.id}`)).body.status === 'active', 'the held turn');
      const queued = await api(url1, 'POST', `/api/instances/${fake.id}/messages`, { content: 'after the restart', mode: 'queue' });
      assert.equal(queued.status, 202);
      sse.close();

      // Mid-stream (every viewer has seen output, no program is done): SIGKILL.
      await Promise.all(viewers.map((v) => v.until(() => v.received.length > 20_000, 'some output')));
      assert.equal(fs.readdirSync(stats).length, 0, 'the programs are still writing');
      s1.child.kill('SIGKILL');
      await s1.exited;
      await Promise.all(viewers.map((v) => v.until(() => v.closed !== null, 'the viewer to notice')));
      // While no server is up: the held turn ends (the queued message waits in the database).
      fs.writeFileSync(path.join(project, 'release.flag'), '');

      s2 = server(home);
      const url2 = await s2.url;
      const list = (await api(url2, 'GET', '/api/instances')).body as any[];
      for (const id of [...ids, fake.id]) {
        const inst = list.find((x) => x.id === id);
        assert.ok(inst && ['idle', 'active', 'starting'].includes(inst.status), `${id} is live: ${inst?.status} ${inst?.statusReason}`);
        assert.ok(alive(inst.pid), 'the same program');
      }
      // The queued message is delivered once the re-adopted instance is idle.
      const delivered = await until(async () => {
        const msgs = (await api(url2, 'GET', `/api/instances/${fake.id}/messages`)).body as any[];
        return msgs.find((m) => m.content === 'after the restart' && m.delivery === 'sent');
      }, 'the queued message to be sent');
      assert.ok(delivered);
      await until(async () => /done: after the restart/.test((await api(url2, 'GET', `/api/instances/${fake.id}/output?limit=16777216`)).raw), 'the agent to take it');

      // Every byte each program wrote, the ones written while no server was up included, is in its output.
      for (const id of ids) {
        const st = await until(() => fs.existsSync(path.join(stats, `${id}.json`)) && JSON.parse(fs.readFileSync(path.join(stats, `${id}.json`), 'utf8')), `${id} to finish`);
        const r = await fetch(`${url2}/api/instances/${id}/output?limit=16777216`, { headers: AUTH });
        const log = Buffer.from(await r.arrayBuffer());
        assert.equal(log.length, st.bytes);
        assert.equal(sha1(log), st.sha1, 'GET /output is exactly what the program wrote');
        // A new viewer: its snapshot (and what follows it) shows what a fresh terminal fed the log shows.
        const v = new TermClient(target(url2), id);
        await v.until(() => v.text().includes('DONE'), 'DONE');
        const term = new xtermHeadless.Terminal({ cols: v.snapshot!.cols, rows: v.snapshot!.rows, scrollback: DEFAULT_SCROLLBACK, allowProposedApi: true });
        const ser = new serializeAddon.SerializeAddon();
        term.loadAddon(ser as never);
        await new Promise<void>((res) => term.write(v.snapshot!.data, res));
        await new Promise<void>((res) => term.write(v.received, res));
        assert.equal(ser.serialize({ scrollback: DEFAULT_SCROLLBACK }), await fresh(log, v.snapshot!.cols, v.snapshot!.rows));
        term.dispose();
        v.close();
      }

      // The pty host itself is killed: every instance ends as host_lost, and nothing it ran keeps running.
      const info = (await api(url2, 'GET', '/api/info')).body;
      const hostPid = info.ptyHost.pid;
      assert.ok(info.ptyHost.connected && hostPid > 0);
      const pids = (await api(url2, 'GET', '/api/instances')).body.map((x: any) => x.pid).filter(Boolean);
      process.kill(hostPid, 'SIGKILL');
      for (const id of [...ids, fake.id]) {
        const inst = await until(async () => { const x = (await api(url2, 'GET', `/api/instances/${id}`)).body; return x.statusReason === 'host_lost' && x; }, `${id} host_lost`);
        assert.equal(inst.status, 'error');
      }
      await until(() => pids.every((p: number) => !alive(p)), 'the lost programs to be reaped');
      // A new pty host (it reaped what the lost one ran) serves the next instances.
      await until(async () => { const h = (await api(url2, 'GET', '/api/info')).body.ptyHost; return h.connected && h.pid !== hostPid; }, 'a new pty host');
      const next = await api(url2, 'POST', `/api/agents/${agent.id}/instances`, {});
      assert.equal(next.status, 201);
      assert.ok(alive(next.body.pid));
    } finally {
      s1.child.kill('SIGKILL');
      if (s2) {
        const stop = spawn(process.execPath, [BIN, 'stop', '--all', '--home', home], { stdio: 'ignore' });
        await new Promise((r) => stop.on('exit', r));
        await s2.exited;
      }
    }
  });

  test('100 server restarts with 10 live instances leak no process, descriptor or memory', async () => {
    const home = tempDir();
    let s = await startTestServer({ home });
    try {
      const agent = (await s.api('POST', '/api/agents', {
        name: 'ticker', kind: 'generic', projectPath: tempDir(), command: '/bin/sh', args: ['-c', 'while :; do echo tick; sleep 0.5; done'],
        settings: { maxConcurrentInstances: 16 },
      })).body;
      const insts: any[] = [];
      for (let i = 0; i < 10; i++) insts.push((await s.api('POST', `/api/agents/${agent.id}/instances`, {})).body);
      const hostPid = s.link.status.pid!;
      const fds = (pid: number | 'self') => fs.readdirSync(`/proc/${pid}/fd`).length;
      const rss = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
      const children = (pid: number) => fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
        try { return fs.readFileSync(`/proc/${p}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1] === String(pid); } catch { return false; }
      }).length;
      const restart = async () => { await s.close({ stopAll: false }); s = await startTestServer({ home }); };
      for (let i = 0; i < 5; i++) await restart(); // warm-up
      v8.setFlagsFromString('--expose-gc');
      const gc = vm.runInNewContext('gc') as () => void;
      gc();
      const before = { hostFds: fds(hostPid), hostRss: rss(hostPid), fds: fds('self'), heap: process.memoryUsage().heapUsed };
      for (let i = 0; i < 100; i++) await restart();
      gc();
      const after = { hostFds: fds(hostPid), hostRss: rss(hostPid), fds: fds('self'), heap: process.memoryUsage().heapUsed };
      console.log(`# 100 restarts: host fds ${before.hostFds} -> ${after.hostFds}, host RSS ${(before.hostRss / 1048576).toFixed(1)} -> ${(after.hostRss / 1048576).toFixed(1)} MB; `
        + `server fds ${before.fds} -> ${after.fds}, heap ${(before.heap / 1048576).toFixed(1)} -> ${(after.heap / 1048576).toFixed(1)} MB`);
      assert.equal(s.link.status.pid, hostPid, 'the same pty host all along');
      const list = (await s.api('GET', `/api/agents/${agent.id}/instances`)).body as any[];
      for (const inst of insts) {
        const now = list.find((x) => x.id === inst.id);
        assert.ok(['idle', 'active', 'starting'].includes(now.status), `${now.status} ${now.statusReason}`);
        assert.equal(now.pid, inst.pid, 'the same program');
      }
      assert.equal(children(hostPid), 10, 'the host runs the 10 programs and nothing else');
      assert.ok(after.hostFds <= before.hostFds + 1, `host descriptors ${before.hostFds} -> ${after.hostFds}`);
      assert.ok(after.fds <= before.fds + 2, `server descriptors ${before.fds} -> ${after.fds}`);
      assert.ok(after.hostRss - before.hostRss < 24 << 20, 'host memory');
      assert.ok(after.heap - before.heap < 24 << 20, 'server heap');
    } finally {
      await s.close();
    }
  });
});
