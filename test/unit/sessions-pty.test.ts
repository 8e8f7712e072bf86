// PtySession with real programs: output, exit codes, spawn errors, process-tree termination, leaks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';
import { PtySession, SpawnError } from '../../src/ptyhost/pty-session.js';

const FAKE_AGENT = fileURLToPath(new URL('../fixtures/agents/fake-agent.js', import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ayj-sessions-'));
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmp, LANG: 'C.UTF-8' };
const bash = (script: string, extra: Partial<Parameters<typeof PtySession.start>[0]> = {}) =>
  PtySession.start({ command: 'bash', args: ['--norc', '--noprofile', '-c', script], cwd: tmp, env, ...extra });

/** Resolves once pred(screen text) holds on the parsed screen (checked now and after each output chunk). */
async function until<T>(s: PtySession, pred: (screen: string) => T | undefined | null | false): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false, checking = false, again = false;
    const finish = (v: T | null, err?: Error) => { done = true; s.off('data', onData); if (err) reject(err); else resolve(v!); };
    // Listening before the first check: output that arrives while a screen read is under way triggers another read.
    async function run() {
      if (checking) { again = true; return; }
      checking = true;
      do {
        again = false;
        const v = pred(await screen(s));
        if (v && !done) return finish(v);
      } while (again && !done);
      checking = false;
    }
    const onData = () => void run();
    s.on('data', onData);
    void run();
    void s.whenExited().then(async () => {
      const v = !done && pred(await screen(s));
      if (done) return;
      if (v) finish(v); else finish(null, new Error(`exited before the condition held; screen:\n${await screen(s)}`));
    });
  });
}
const screen = async (s: PtySession) => (await s.screen({ settle: true })).lines.join('\n');

/** Whether a pid is gone (or a zombie nobody reaps, e.g. in a container without an init). */
function gone(pid: number): boolean {
  try { process.kill(pid, 0); } catch { return true; }
  try { return /^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return true; }
}
const fdCount = () => fs.readdirSync('/proc/self/fd').length;

test('several sessions at once keep independent output, logs and screens', async () => {
  const n = 6;
  const sessions = Array.from({ length: n }, (_, i) =>
    bash(`for j in $(seq 1 200); do echo "S${i} line $j"; done; exit ${i}`, { logFile: path.join(tmp, 'logs', `multi-${i}.log`) }));
  const exits = await Promise.all(sessions.map((s) => s.whenExited()));
  for (let i = 0; i < n; i++) {
    assert.deepEqual(exits[i], { exitCode: i, signal: null });
    const expected = Array.from({ length: 200 }, (_, j) => `S${i} line ${j + 1}\r\n`).join('');
    assert.equal(fs.readFileSync(path.join(tmp, 'logs', `multi-${i}.log`), 'utf8'), expected);
    assert.equal(sessions[i].outputBytes, Buffer.byteLength(expected));
    const lines = (await sessions[i].screen()).lines.filter(Boolean);
    assert.equal(lines.at(-1), `S${i} line 200`);
    assert.ok(lines.every((l) => l.startsWith(`S${i} `)));
  }
});

test('the last output of a program that exits at once is never lost (node-pty EIO race)', async () => {
  const payload = 'hello'.repeat(4096);
  for (let batch = 0; batch < 5; batch++) {
    const runs = Array.from({ length: 10 }, () => PtySession.start({ command: '/bin/echo', args: ['-n', payload], cwd: tmp, env }));
    await Promise.all(runs.map((s) => s.whenExited()));
    for (const s of runs) assert.equal(s.outputBytes, payload.length);
  }
});

test('exit codes and signals', async () => {
  assert.deepEqual(await bash('exit 3').whenExited(), { exitCode: 3, signal: null });
  assert.deepEqual(await bash('true').whenExited(), { exitCode: 0, signal: null });
  assert.equal((await bash('kill -KILL $$').whenExited()).signal, 9);
  const agent = PtySession.start({ command: FAKE_AGENT, cwd: tmp, env });
  await until(agent, (t) => /^> ?$/m.test(t));
  agent.write('exit 5\r');
  assert.deepEqual(await agent.whenExited(), { exitCode: 5, signal: null });
  assert.match(await screen(agent), /bye/);
  assert.equal(agent.write('more'), false, 'writing to an ended session is a no-op');
});

test('bad command or directory: SpawnError with a clear reason, never a crash', () => {
  const bad = (opts: Partial<Parameters<typeof PtySession.start>[0]>, code: string, msg: RegExp) => {
    assert.throws(() => PtySession.start({ command: 'bash', cwd: tmp, env, ...opts }), (e: unknown) => {
      assert.ok(e instanceof SpawnError);
      assert.equal(e.code, code);
      assert.match(e.message, msg);
      return true;
    });
  };
  bad({ command: 'no-such-program-xyz' }, 'command_not_found', /^command not found: no-such-program-xyz$/);
  bad({ command: './missing.sh' }, 'command_not_found', /command not found: \.\/missing\.sh/);
  fs.writeFileSync(path.join(tmp, 'plain.txt'), 'not a program');
  bad({ command: './plain.txt' }, 'command_not_found', /not an executable file/);
  bad({ command: 'bash', env: { PATH: '/nonexistent' } }, 'command_not_found', /command not found: bash/);
  bad({ cwd: path.join(tmp, 'nope') }, 'cwd_not_found', /^directory does not exist: /);
  bad({ cwd: path.join(tmp, 'plain.txt') }, 'cwd_not_found', /^not a directory: /);
  bad({ logFile: path.join(tmp, 'plain.txt', 'x.log') }, 'log_failed', /cannot open log file/);
});

test('a relative command resolves against cwd; env is passed; TERM is xterm-256color', async () => {
  fs.writeFileSync(path.join(tmp, 'hello.sh'), '#!/bin/sh\necho "term=$TERM foo=$FOO pwd=$(pwd)"\n', { mode: 0o755 });
  const s = PtySession.start({ command: './hello.sh', cwd: tmp, env: { ...env, FOO: 'bar' } });
  await s.whenExited();
  assert.match(await screen(s), new RegExp(`term=xterm-256color foo=bar pwd=${tmp}`));
});

test('terminate kills the whole tree, including grandchildren and background jobs', async () => {
  const s = bash('sleep 1000 & echo "pid:$!"; sleep 1000 & echo "pid:$!"; wait');
  const pids = await until(s, (t) => { const m = [...t.matchAll(/pid:(\d+)/g)].map((x) => Number(x[1])); return m.length === 2 && m; });
  assert.ok(pids.every((p) => !gone(p)));
  const exit = await s.terminate(5000);
  assert.equal(exit.signal, 15);
  assert.ok(gone(s.pid) && pids.every(gone), 'leader and grandchildren are gone');

  // An interactive shell ignores SIGTERM (it gets a hangup instead) and puts background jobs in their
  // own process groups.
  const i = PtySession.start({ command: 'bash', args: ['--norc', '--noprofile', '-i'], cwd: tmp, env: { ...env, PS1: '$ ' } });
  await until(i, (t) => t.includes('$'));
  i.write('sleep 1000 & echo "job:$!"\r');
  const job = await until(i, (t) => Number(/job:(\d+)/.exec(t)?.[1]));
  const e2 = await i.terminate(60_000);
  assert.equal(e2.signal, 1, 'SIGHUP, not SIGKILL after the grace period');
  assert.ok(gone(i.pid) && gone(job));

  // A program that ignores both gets SIGKILL after the grace period.
  const stubborn = bash('trap "" TERM HUP; echo ready; sleep 1000 & wait');
  await until(stubborn, (t) => t.includes('ready'));
  assert.equal((await stubborn.terminate(300)).signal, 9);
  assert.ok(gone(stubborn.pid));

  // A child in a session of its own (setsid, as Claude Code runs its tools) is found through its parent.
  const detached = bash('setsid sleep 1000 & echo "sid:$!"; wait');
  const kid = await until(detached, (t) => Number(/sid:(\d+)/.exec(t)?.[1]));
  assert.ok(!gone(kid));
  await detached.terminate(5000);
  assert.ok(gone(kid), 'the setsid child is gone too');
});

test('what a program leaves in its session gets SIGTERM first, so its traps run', async () => {
  const marker = path.join(tmp, `trap-${process.pid}`);
  const s = bash(`(trap '' HUP; trap 'echo cleaned > ${marker}; exit' TERM; echo ready; while :; do sleep 0.05; done) & sleep 0.3; exit 0`);
  await s.whenExited();
  assert.equal(fs.readFileSync(marker, 'utf8').trim(), 'cleaned');
});

test('a program that exits leaves no process behind', async () => {
  const s = bash('sleep 1000 & echo "pid:$!"; exit 0');
  await s.whenExited();
  const pid = Number(/pid:(\d+)/.exec(await screen(s))?.[1]);
  assert.ok(pid > 0 && gone(pid));
});

test('resize reaches the program and the screen', async () => {
  const s = bash('read x; stty size; read y', { cols: 80, rows: 24 });
  s.resize(100, 30);
  s.write('\r');
  await until(s, (t) => t.includes('30 100'));
  assert.equal(s.cols, 100);
  assert.equal(s.rows, 30);
  const sc = await s.screen();
  assert.deepEqual([sc.cols, sc.rows], [100, 30], 'the headless screen resized too');
  assert.throws(() => s.resize(0, 10), RangeError);
  s.write('\r');
  await s.whenExited();
});

test('bracketed paste mode is tracked from the output, even split across reads', async () => {
  const s = bash('printf "\\e[?20"; read a; printf "04h"; read b; printf "\\e[?2004l"; read c');
  await until(s, () => s.outputBytes >= 5);
  assert.equal(s.bracketedPasteEnabled, false);
  s.write('\r');
  await until(s, () => s.bracketedPasteEnabled);
  s.write('\r');
  await until(s, () => !s.bracketedPasteEnabled);
  s.write('\r');
  await s.whenExited();
  assert.equal(s.bracketedPasteEnabled, false);
  const agent = PtySession.start({ command: FAKE_AGENT, args: ['--bracketed-paste'], cwd: tmp, env });
  await until(agent, () => agent.bracketedPasteEnabled);
  await agent.terminate();
});

test('100 start/stop cycles leave file descriptors, processes and memory near the baseline', async () => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const warm = bash('echo warm');
  await warm.whenExited();
  gc();
  const fds = fdCount();
  const heap = process.memoryUsage().heapUsed;
  const cycle = async (i: number) => {
    const logFile = path.join(tmp, 'cycles', `${i}.log`);
    if (i % 2 === 0) {
      await bash(`echo "cycle ${i}"`, { logFile }).whenExited();
    } else {
      const s = bash(`echo "cycle ${i}"; sleep 1000 & sleep 1000`, { logFile });
      await until(s, (t) => t.includes(`cycle ${i}`));
      await s.terminate(2000);
    }
  };
  for (let batch = 0; batch < 10; batch++) await Promise.all(Array.from({ length: 10 }, (_, j) => cycle(batch * 10 + j)));
  gc();
  const after = fdCount();
  const heapDelta = process.memoryUsage().heapUsed - heap;
  // Our children, except tsx's esbuild service.
  const children = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return fs.readFileSync(`/proc/${p}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1] === String(process.pid)
        && !fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('esbuild');
    } catch { return false; }
  });
  console.log(`# fds ${fds} -> ${after}; heap delta ${(heapDelta / 1024).toFixed(0)} KiB; live children ${children.map((p) => fs.readFileSync(`/proc/${p}/cmdline`, "utf8")).join()}`);
  assert.ok(after <= fds + 2, `fd count ${fds} -> ${after}`);
  assert.equal(children.length, 0, 'no child process left');
  assert.ok(heapDelta < 8 * 1024 * 1024, `heap grew by ${heapDelta} bytes`);
});

test('a program cannot see another session\'s pty master or any other descriptor of this process (node-pty #657)', async () => {
  const a = bash('echo A-ready; sleep 1000');
  const b = bash('for n in $(seq 3 300); do (printf x >&$n) 2>/dev/null && echo "WROTE $n"; done; echo END; exec sleep 1000');
  try {
    await until(a, (t) => t.includes('A-ready'));
    const masters = fs.readdirSync('/proc/self/fd').filter((fd) => { try { return fs.readlinkSync(`/proc/self/fd/${fd}`) === '/dev/ptmx'; } catch { return false; } });
    assert.ok(masters.length >= 2, 'this process holds the pty masters of A and B');
    // B tried to write into every descriptor number up to 300 (a guess at A's master), then became `sleep`.
    const out = await until(b, (t) => t.includes('END') && t);
    assert.doesNotMatch(out, /WROTE/, 'no write into another descriptor succeeded');
    assert.equal(b.isolated, true);
    // What B holds, read from outside once it has become `sleep` (no event tells an exec: its /proc entry does).
    for (const t = Date.now(); fs.readFileSync(`/proc/${b.pid}/comm`, 'utf8').trim() !== 'sleep';) {
      assert.ok(Date.now() - t < 10_000, 'B became sleep');
      await new Promise((r) => setTimeout(r, 20));
    }
    const fds = fs.readdirSync(`/proc/${b.pid}/fd`).map((fd) => ({ fd: Number(fd), target: fs.readlinkSync(`/proc/${b.pid}/fd/${fd}`) }));
    assert.deepEqual(fds.map((f) => f.fd).sort(), [0, 1, 2], `B's descriptors: ${JSON.stringify(fds)}`);
    assert.ok(fds.every((f) => /^\/dev\/pts\/\d+$/.test(f.target)), `only its own terminal: ${JSON.stringify(fds)}`);
    const aFds = fs.readdirSync(`/proc/${a.pid}/fd`).map((fd) => fs.readlinkSync(`/proc/${a.pid}/fd/${fd}`));
    assert.ok(!aFds.includes('/dev/ptmx') && !fds.some((f) => aFds.includes(f.target)), 'A and B share no terminal');
  } finally {
    await Promise.all([a.terminate(1000), b.terminate(1000)]);
  }
});

test('the program gets its environment exactly as given (the descriptor-closing trampoline leaves no trace)', async () => {
  const given = { PATH: env.PATH, HOME: tmp, PS1: '$ ', PS2: '', ODD: 'a b\tc', 'FOO-BAR': '1' };
  const s = PtySession.start({ command: '/usr/bin/env', cwd: tmp, env: given, logFile: path.join(tmp, 'env.log') });
  await s.whenExited();
  const got = Object.fromEntries(fs.readFileSync(path.join(tmp, 'env.log'), 'utf8').split('\r\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  assert.deepEqual(got, { ...given, TERM: 'xterm-256color', COLORTERM: 'truecolor', SHLVL: '0' });
});
