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

/** Resolves once pred() holds on the parsed screen (checked after each output chunk). */
async function until<T>(s: PtySession, pred: () => T | undefined | null | false): Promise<T> {
  await s.whenParsed();
  const first = pred();
  if (first) return first;
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const onData = async () => {
      await s.whenParsed();
      const v = !done && pred();
      if (v) { done = true; s.off('data', onData); resolve(v); }
    };
    s.on('data', onData);
    void s.whenExited().then(() => {
      const v = !done && pred();
      if (done) return;
      done = true;
      if (v) resolve(v); else reject(new Error(`exited before the condition held; screen:\n${s.screenLines().join('\n')}`));
    });
  });
}
const screen = (s: PtySession) => s.screenLines().join('\n');

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
    const lines = sessions[i].screenLines().filter(Boolean);
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
  await until(agent, () => /^> ?$/m.test(screen(agent)));
  agent.write('exit 5\r');
  assert.deepEqual(await agent.whenExited(), { exitCode: 5, signal: null });
  assert.match(screen(agent), /bye/);
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
  assert.match(screen(s), new RegExp(`term=xterm-256color foo=bar pwd=${tmp}`));
});

test('terminate kills the whole tree, including grandchildren and background jobs', async () => {
  const s = bash('sleep 1000 & echo "pid:$!"; sleep 1000 & echo "pid:$!"; wait');
  const pids = await until(s, () => { const m = [...screen(s).matchAll(/pid:(\d+)/g)].map((x) => Number(x[1])); return m.length === 2 && m; });
  assert.ok(pids.every((p) => !gone(p)));
  const exit = await s.terminate(5000);
  assert.equal(exit.signal, 15);
  assert.ok(gone(s.pid) && pids.every(gone), 'leader and grandchildren are gone');

  // An interactive shell ignores SIGTERM (it gets a hangup instead) and puts background jobs in their
  // own process groups.
  const i = PtySession.start({ command: 'bash', args: ['--norc', '--noprofile', '-i'], cwd: tmp, env: { ...env, PS1: '$ ' } });
  await until(i, () => screen(i).includes('$'));
  i.write('sleep 1000 & echo "job:$!"\r');
  const job = await until(i, () => Number(/job:(\d+)/.exec(screen(i))?.[1]));
  const e2 = await i.terminate(60_000);
  assert.equal(e2.signal, 1, 'SIGHUP, not SIGKILL after the grace period');
  assert.ok(gone(i.pid) && gone(job));

  // A program that ignores both gets SIGKILL after the grace period.
  const stubborn = bash('trap "" TERM HUP; echo ready; sleep 1000 & wait');
  await until(stubborn, () => screen(stubborn).includes('ready'));
  assert.equal((await stubborn.terminate(300)).signal, 9);
  assert.ok(gone(stubborn.pid));

  // A child in a session of its own (setsid, as Claude Code runs its tools) is found through its parent.
  const detached = bash('setsid sleep 1000 & echo "sid:$!"; wait');
  const kid = await until(detached, () => Number(/sid:(\d+)/.exec(screen(detached))?.[1]));
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
  const pid = Number(/pid:(\d+)/.exec(screen(s))?.[1]);
  assert.ok(pid > 0 && gone(pid));
});

test('resize reaches the program and the screen', async () => {
  const s = bash('read x; stty size; read y', { cols: 80, rows: 24 });
  s.resize(100, 30);
  assert.equal(s.cols, 80, 'the headless screen resizes in stream order');
  s.write('\r');
  await until(s, () => screen(s).includes('30 100'));
  assert.equal(s.cols, 100);
  assert.equal(s.rows, 30);
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
      await until(s, () => screen(s).includes(`cycle ${i}`));
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
