// The pty host as a real detached process, driven over its real Unix socket: sessions outlive a killed client and
// replay every byte; half-written and malformed frames; a hung host; a stale socket and a lost host's processes;
// one server at a time; reconnects leak nothing. Every test stops the hosts it started.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostPaths } from '../../src/ptyhost/paths.js';
import { encodeJson, PROTOCOL_VERSION, FRAME_INPUT, DEAD_AFTER_MS, HEARTBEAT_MS, REQUEST_TIMEOUT_MS } from '../../src/ptyhost/protocol.js';
import { HostClient, HostError } from '../../src/server/sessions/host-client.js';
import { ensureHost, hostCommand, startHostProcess } from '../../src/server/sessions/host-process.js';
import { tempDir } from '../helpers/server.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const env = (home: string, extra: Record<string, string> = {}) => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8', ...extra });

function alive(pid: number): boolean {
  try { return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'latin1')); } catch { return false; }
}
/** Waits for processes to be gone (no event exists for another process's end: polled, bounded). */
async function gone(pids: number[], timeoutMs = 10_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (pids.some(alive)) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}
/** Stops the home's host (every session ends) and waits until its process is gone. */
async function stopHost(home: string) {
  let c: HostClient;
  try { c = await HostClient.connect(hostPaths(home)); } catch { return; }
  const pid = c.hello.hostPid;
  await c.request('shutdown', { graceMs: 1000 }).catch(() => {});
  await new Promise<void>((r) => { if (c.isClosed) r(); else c.once('closed', () => r()); });
  assert.ok(await gone([pid]), `pty host ${pid} exited`);
}
/** The chunks of a stream, with a way to wait for a condition on them. */
function collect(c: HostClient, sid: string, from?: number) {
  const chunks: Buffer[] = [];
  let exit: unknown = null, snapshot: string | null = null, waiter: (() => void) | null = null;
  const wake = () => { const w = waiter; waiter = null; w?.(); };
  const s = c.openStream(sid, {
    snapshot: (x) => { snapshot = x.data; wake(); },
    data: (b) => { chunks.push(Buffer.from(b)); c.ack(s.id, b.length); wake(); },
    exit: (e) => { exit = e; wake(); },
    drop: () => wake(),
  }, from);
  return {
    id: s.id, opened: s.opened,
    bytes: () => Buffer.concat(chunks),
    get snapshot() { return snapshot; },
    get exit() { return exit; },
    async until(pred: () => boolean, what: string, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pred()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise<void>((r) => { waiter = r; setTimeout(r, 200); });
      }
    },
  };
}
const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');

test('a session outlives a client killed with SIGKILL; a new client replays every byte from offset 0 (SHA-1 of what the program wrote)', async () => {
  const home = tempDir();
  const stats = path.join(home, 'stats.json');
  let client: ChildProcess | null = null;
  try {
    const cmd = hostCommand();
    client = spawn(cmd.file, [...cmd.args.slice(0, -1), path.join(FIXTURES, 'host-client.ts'), home, 's1', stats], { stdio: ['ignore', 'pipe', 'inherit'] });
    // Kill it once it has received some output, while the program still streams.
    await new Promise<void>((resolve, reject) => {
      let out = '';
      client!.stdout!.on('data', (d) => { out += d; const m = /GOT (\d+)\n[^\n]*$/.exec(out); if (m && Number(m[1]) > 50_000) resolve(); if (out.length > 1e6) out = out.slice(-1000); });
      client!.once('exit', (code) => reject(new Error(`client exited ${code}`)));
    });
    client.kill('SIGKILL');
    assert.ok(!fs.existsSync(stats), 'the program was still writing when the client died');

    const c = await HostClient.connect(hostPaths(home));
    try {
      const info = c.hello.sessions.find((s) => s.id === 's1')!;
      assert.ok(info && info.exit === null, 'the session still runs');
      const r = collect(c, 's1', 0);
      await r.opened;
      await r.until(() => fs.existsSync(stats) && r.bytes().length >= JSON.parse(fs.readFileSync(stats, 'utf8')).bytes, 'every byte');
      const st = JSON.parse(fs.readFileSync(stats, 'utf8'));
      const got = r.bytes();
      assert.equal(got.length, st.bytes);
      assert.equal(sha1(got), st.sha1, 'the replay from offset 0 is exactly what the program wrote');
      assert.equal(sha1(fs.readFileSync(path.join(home, 'docs', 'logs', 's1.log'))), st.sha1, 'and so is the log');
      const screen = (await c.request<{ screen: { lines: string[] } }>('screen', { sid: 's1', settle: true })).screen;
      assert.ok(screen.lines.includes('DONE'), 'the host\'s screen parsed it all');
    } finally { c.close(); }
  } finally {
    client?.kill('SIGKILL');
    await stopHost(home);
  }
});

test('half-written and malformed frames never reach a session; the host keeps serving', async () => {
  const home = tempDir();
  try {
    const c = await ensureHost(home);
    // cat -v shows every byte it receives.
    await c.request('spawn', { sid: 'cat', command: '/bin/sh', args: ['-c', 'stty raw -echo; exec cat -v'], cwd: home, env: env(home), cols: 80, rows: 24 });
    const paths = hostPaths(home);
    c.close(); // one controlling connection at a time
    const key = fs.readFileSync(paths.key, 'utf8').trim();
    const raw = async (frames: Buffer[], closeAfter = true) => {
      const s = net.createConnection(paths.control);
      s.resume(); // read (and drop) the replies, so that the close is seen
      await new Promise((r) => s.once('connect', r));
      s.write(encodeJson({ t: 'req', id: 1, op: 'hello', key, version: PROTOCOL_VERSION, pid: process.pid }));
      for (const f of frames) s.write(f);
      const closed = new Promise<void>((r) => s.once('close', () => r()));
      if (closeAfter) s.end();
      await closed;
    };
    // An input frame cut in the middle: the connection ends before the rest arrives.
    const id = Buffer.from('cat');
    const payload = Buffer.from('SHOULD-NOT-ARRIVE');
    const frame = Buffer.alloc(4 + 1 + 1 + id.length + payload.length);
    frame.writeUInt32BE(frame.length - 4, 0); frame[4] = FRAME_INPUT; frame[5] = id.length; id.copy(frame, 6); payload.copy(frame, 6 + id.length);
    await raw([frame.subarray(0, frame.length - 5)]);
    // Garbage: a control frame that is not JSON, and a length far past the limit: the host drops those connections.
    const notJson = Buffer.concat([Buffer.from([0, 0, 0, 4, 1]), Buffer.from('{{{')]);
    await raw([notJson], false);
    await raw([Buffer.from([0xff, 0xff, 0xff, 0xff, 1])], false);

    const c2 = await HostClient.connect(paths);
    try {
      const r = collect(c2, 'cat');
      await r.opened;
      c2.input('cat', 'whole\r');
      await r.until(() => (r.snapshot ?? '').includes('whole') || r.bytes().includes('whole'), 'the next input');
      const screen = (await c2.request<{ screen: { lines: string[] } }>('screen', { sid: 'cat', settle: true })).screen.lines.join('\n');
      assert.doesNotMatch(screen + fs.readFileSync(path.join(home, 'docs', 'logs', 'cat.log'), 'utf8'), /SHOULD/, 'no byte of the cut frame reached the program');
      // A request that fails validation gets an error reply, and the connection stays.
      await assert.rejects(c2.request('resize', { sid: 'cat', cols: -1, rows: 5 }), (e: HostError) => e.code === 'bad_request');
      await assert.rejects(c2.request('screen', { sid: 'nope' }), (e: HostError) => e.code === 'not_found');
      assert.ok(!c2.isClosed);
    } finally { c2.close(); }
  } finally { await stopHost(home); }
});

test('a hung host is reported within seconds, requests fail fast with host_timeout, and it recovers', async () => {
  const home = tempDir();
  const c = await ensureHost(home);
  const pid = c.hello.hostPid;
  try {
    const unresponsive = new Promise<number>((r) => c.once('unresponsive', () => r(Date.now())));
    const t0 = Date.now();
    process.kill(pid, 'SIGSTOP');
    const at = await unresponsive;
    assert.ok(at - t0 <= DEAD_AFTER_MS + 2 * HEARTBEAT_MS + 1000, `reported after ${at - t0} ms`);
    const t1 = Date.now();
    await assert.rejects(c.request('list'), (e: HostError) => e.code === 'host_timeout');
    assert.ok(Date.now() - t1 < REQUEST_TIMEOUT_MS + 2000, 'the request did not hang');
    const responsive = new Promise<void>((r) => c.once('responsive', () => r()));
    process.kill(pid, 'SIGCONT');
    await responsive;
    const r = await c.request<{ sessions: unknown[] }>('list');
    assert.deepEqual(r.sessions, []);
    assert.ok(!c.isClosed, 'the host kept the connection (its own stop was not the server\'s silence)');
  } finally {
    try { process.kill(pid, 'SIGCONT'); } catch { /* gone */ }
    c.close();
    await stopHost(home);
  }
});

test('one server at a time: a second client is refused clearly; a second host for the home exits', async () => {
  const home = tempDir();
  const a = await ensureHost(home);
  try {
    await assert.rejects(HostClient.connect(hostPaths(home)), (e: HostError) => e.code === 'busy' && /another AreYouJ server \(pid \d+\) is connected/.test(e.message));
    const second = await startHostProcess(hostPaths(home));
    assert.equal(second.busy, true, 'the second host found the lock taken');
    assert.ok(await gone([second.pid]));
    assert.ok(!a.isClosed, 'the first server keeps its connection');
    // A wrong key is refused.
    const s = net.createConnection(hostPaths(home).control);
    await new Promise((r) => s.once('connect', r));
    const reply = new Promise<string>((r) => s.once('data', (d) => r(d.subarray(5).toString())));
    s.write(encodeJson({ t: 'req', id: 1, op: 'hello', key: 'wrong', version: PROTOCOL_VERSION, pid: 1 }));
    assert.match(await reply, /unauthorized/);
    s.destroy();
  } finally {
    a.close();
    await stopHost(home);
  }
});

test('a killed host: the stale socket is cleaned up, the lost session is reported and everything it ran is reaped', async () => {
  const home = tempDir();
  const c = await ensureHost(home);
  const hostPid = c.hello.hostPid;
  const paths = hostPaths(home);
  // A leader, a background child, a child in a session of its own (setsid) and one that ignores hangups.
  await c.request('spawn', {
    sid: 'lost', command: '/bin/bash', cwd: home, env: env(home), cols: 80, rows: 24, meta: { resume: 'abc' },
    args: ['--norc', '--noprofile', '-c', 'sleep 1000 & echo "bg:$!"; setsid sleep 1001 & echo "sid:$!"; (trap "" HUP; exec sleep 1002) & echo "nohup:$!"; echo ready; wait'],
  });
  const r = collect(c, 'lost');
  await r.opened;
  await r.until(() => /nohup:\d+/.test((r.snapshot ?? '') + r.bytes().toString()), 'the pids');
  const text = (r.snapshot ?? '') + r.bytes().toString();
  const pids = ['bg', 'sid', 'nohup'].map((k) => Number(new RegExp(`${k}:(\\d+)`).exec(text)![1]));
  const leader = (await c.request<{ sessions: { id: string; pid: number }[] }>('list')).sessions.find((s) => s.id === 'lost')!.pid;
  c.close();
  process.kill(hostPid, 'SIGKILL');
  // Reaped, not only a zombie: a zombie leader's other threads may still hold the listening socket for a moment.
  const reaped = Date.now() + 10_000;
  while (fs.existsSync(`/proc/${hostPid}`) && Date.now() < reaped) await new Promise((r) => setTimeout(r, 25));
  assert.ok(fs.existsSync(paths.control), 'the dead host left its socket file');
  await assert.rejects(HostClient.connect(paths), (e: HostError) => e.code === 'no_host');

  const c2 = await ensureHost(home);
  try {
    assert.notEqual(c2.hello.hostPid, hostPid);
    const lost = c2.hello.sessions.find((s) => s.id === 'lost');
    assert.ok(lost?.lost, 'reported as lost');
    assert.deepEqual(lost!.meta, { resume: 'abc' }, 'with what the server stored to resume it');
    assert.ok(await gone([leader, ...pids]), 'nothing of it keeps running');
    await c2.request('release', { sid: 'lost' });
    assert.deepEqual((await c2.request<{ sessions: unknown[] }>('list')).sessions, []);
  } finally {
    c2.close();
    await stopHost(home);
  }
});

test('100 reconnects with 10 live sessions leak no descriptor, process or memory in the host', async () => {
  const home = tempDir();
  let c = await ensureHost(home);
  const pid = c.hello.hostPid;
  try {
    for (let i = 0; i < 10; i++) {
      await c.request('spawn', { sid: `s${i}`, command: '/bin/sh', args: ['-c', `echo start ${i}; while :; do sleep 0.2; echo tick ${i}; done`], cwd: home, env: env(home), cols: 80, rows: 24 });
    }
    const fds = () => fs.readdirSync(`/proc/${pid}/fd`).length;
    const rss = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
    const children = () => fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
      try { return fs.readFileSync(`/proc/${p}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1] === String(pid); } catch { return false; }
    }).length;
    const round = async () => {
      const streams = Array.from({ length: 10 }, (_, i) => collect(c, `s${i}`));
      await Promise.all(streams.map((s) => s.until(() => s.snapshot !== null, 'the snapshot')));
      await Promise.all(streams.map((s) => s.until(() => s.bytes().length > 0, 'live output')));
      c.close();
      c = await HostClient.connect(hostPaths(home));
    };
    for (let i = 0; i < 10; i++) await round(); // warm-up
    const fd0 = fds(), rss0 = rss();
    for (let i = 0; i < 100; i++) await round();
    const fd1 = fds(), rss1 = rss();
    console.log(`# host fds ${fd0} -> ${fd1}; RSS ${(rss0 / 1048576).toFixed(1)} -> ${(rss1 / 1048576).toFixed(1)} MB; children ${children()}`);
    assert.ok(fd1 <= fd0 + 1, `descriptors ${fd0} -> ${fd1}`);
    assert.equal(children(), 10, 'exactly the 10 programs');
    assert.ok(rss1 - rss0 < 24 * 1048576, `RSS grew by ${((rss1 - rss0) / 1048576).toFixed(1)} MB`);
  } finally {
    c.close();
    await stopHost(home);
  }
});

test('sessions started through the host cannot see each other\'s terminals', async () => {
  const home = tempDir();
  const c = await ensureHost(home);
  try {
    await c.request('spawn', { sid: 'a', command: '/bin/sleep', args: ['1000'], cwd: home, env: env(home), cols: 80, rows: 24 });
    const b = await c.request<{ info: { pid: number } }>('spawn', { sid: 'b', command: '/bin/sh', args: ['-c', 'echo running; exec sleep 1000'], cwd: home, env: env(home), cols: 80, rows: 24 });
    const r = collect(c, 'b');
    await r.until(() => /running/.test((r.snapshot ?? '') + r.bytes().toString()), 'b to run');
    const fds = fs.readdirSync(`/proc/${b.info.pid}/fd`).map((fd) => fs.readlinkSync(`/proc/${b.info.pid}/fd/${fd}`));
    assert.equal(fds.length, 3, JSON.stringify(fds));
    assert.ok(fds.every((t) => /^\/dev\/pts\/\d+$/.test(t)));
    assert.ok(fs.statSync(hostPaths(home).control).mode % 0o1000 === 0o600, 'the socket is owner-only');
    assert.ok(fs.statSync(path.dirname(hostPaths(home).control)).mode % 0o1000 === 0o700, 'in an owner-only directory');
  } finally {
    c.close();
    await stopHost(home);
  }
});

test('a decision hook is held until the server answers it; no server, or a server that goes, answers none (204)', async () => {
  const home = tempDir();
  const paths = hostPaths(home);
  const secret = 's'.repeat(24);
  /** POSTs a decision hook to the hooks socket as Claude Code's hook command does. */
  const decide = (sid: string, given = secret) => new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request({ socketPath: paths.hooks, path: `/hooks/${sid}/decision`, method: 'POST', headers: { host: 'localhost', 'x-areyouj-hook-secret': given } },
      (res) => { let b = ''; res.on('data', (d) => (b += d)); res.on('end', () => resolve({ status: res.statusCode!, body: b })); });
    req.on('error', reject);
    req.end('{"hook_event_name":"PermissionRequest","tool_name":"AskUserQuestion"}');
  });
  const c = await ensureHost(home);
  try {
    const decisions: { did: number; sid: string; body: string }[] = [];
    let arrived: () => void = () => {};
    const listen = (client: HostClient) => client.on('event', (e: { ev: string; did?: number; sid?: string; body?: string }) => {
      if (e.ev === 'decision') { decisions.push({ did: e.did!, sid: e.sid!, body: e.body! }); arrived(); }
    });
    listen(c);
    c.release();
    await c.request('spawn', { sid: 'd1', command: '/bin/sleep', args: ['1000'], cwd: home, env: env(home), cols: 80, rows: 24, hookSecret: secret });
    const next = () => new Promise<void>((r) => { arrived = r; });

    // Held, relayed, answered with the server's output.
    let got = next();
    const answered = decide('d1');
    await got;
    assert.equal(decisions[0].sid, 'd1');
    assert.match(decisions[0].body, /AskUserQuestion/);
    await c.request('decided', { did: decisions[0].did, out: { hookSpecificOutput: { answer: 42 } } });
    assert.deepEqual(await answered, { status: 200, body: '{"hookSpecificOutput":{"answer":42}}' });
    // No answer: 204.
    got = next();
    const none = decide('d1');
    await got;
    await c.request('decided', { did: decisions[1].did, out: null });
    assert.equal((await none).status, 204);
    // An unknown session and a wrong secret: the same 401, never relayed.
    assert.deepEqual(await decide('nope'), await decide('d1', 'x'.repeat(24)));
    assert.equal((await decide('nope')).status, 401);
    assert.equal(decisions.length, 2);
    // The server goes while one waits: 204 (the agent keeps its dialog); with no server, 204 at once.
    got = next();
    const orphaned = decide('d1');
    await got;
    c.close();
    assert.equal((await orphaned).status, 204);
    assert.equal((await decide('d1')).status, 204);
    assert.equal(decisions.length, 3);
  } finally {
    if (!c.isClosed) c.close();
    await stopHost(home);
  }
});
