// The `areyouj` command as a user runs it: a real child process, signals, a crash and a restart on the same home.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '../helpers/server.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/areyouj.js');

function run(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  /** Resolves with the first match of `re` in the output (waits for it). */
  const waitOut = (re: RegExp) => new Promise<RegExpExecArray>((resolve, reject) => {
    const check = () => { const m = re.exec(out); if (m) resolve(m); };
    check();
    child.stdout!.on('data', check);
    child.on('exit', () => reject(new Error(`exited before printing ${re}: ${out} ${err}`)));
  });
  const url = waitOut(/listening on (http:\/\/\S+)/).then((m) => m[1]);
  url.catch(() => {}); // awaited only by the tests that start a server
  return { child, url, exited, waitOut, out: () => out, err: () => err };
}

const api = async (url: string, method: string, p: string, body?: unknown) => {
  const r = await fetch(url + p, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  return { status: r.status, body: await r.json() as any };
};

const alive = (pid: number) => { try { return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return false; } };

describe('the areyouj command', () => {
  test('--help and bad options', async () => {
    const help = run(['--help']);
    assert.equal(await help.exited, 0);
    assert.match(help.out(), /--home DIR/);
    assert.match(help.out(), /--token T/);
    const bad = run(['--port', 'lots']);
    assert.equal(await bad.exited, 2);
    assert.match(bad.err(), /--port must be a number/);
    const sb = run(['--scrollback', 'lots']);
    assert.equal(await sb.exited, 2);
    assert.match(sb.err(), /--scrollback must be an integer/);
    const unknown = run(['--frobnicate']);
    assert.equal(await unknown.exited, 2);
    assert.match(unknown.err(), /frobnicate/);
  });

  test('the default home is the working directory; a non-loopback host gets a generated token, printed once', async () => {
    const home = tempDir();
    const child = spawn(process.execPath, [BIN, '--port', '0'], { cwd: home, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const url = await new Promise<string>((r) => child.stdout!.on('data', (d) => { out += d; const m = /listening on (\S+)/.exec(out); if (m) r(m[1]); }));
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(fs.existsSync(path.join(home, 'docs', 'agents.db')));
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));

    const open = run(['--home', tempDir(), '--port', '0', '--host', '0.0.0.0'], { AREYOUJ_TOKEN: '' });
    const u = await open.url;
    const token = (await open.waitOut(/open: \S+\?token=(\S+)/))[1];
    assert.ok(token.length >= 24);
    assert.equal((await fetch(`${u}/api/agents`)).status, 401);
    assert.equal((await fetch(`${u}/api/agents`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
    open.child.kill('SIGTERM');
    assert.equal(await open.exited, 0);
  });

  test('Ctrl-C stops the server only: agents keep running and the next server re-adopts them; one server per home; areyouj stop [--all]', async () => {
    const home = tempDir();
    const project = tempDir();
    const first = run(['--home', home, '--port', '0']);
    const url = await first.url;
    const a = (await api(url, 'POST', '/api/agents', { name: 'sh', projectPath: project, command: 'bash', args: ['-c', 'echo up; sleep 1000'] })).body;
    const i = (await api(url, 'POST', `/api/agents/${a.id}/instances`, {})).body;
    assert.ok(alive(i.pid));
    // A second server on the same home says so and exits non-zero.
    const second = run(['--home', home, '--port', '0']);
    assert.equal(await second.exited, 1);
    assert.match(second.err(), /another AreYouJ server \(pid \d+.*\) runs on/);

    first.child.kill('SIGINT');
    assert.equal(await first.exited, 0);
    assert.match(first.out(), /the server stops; 1 agent keeps running in the pty host/);
    assert.ok(alive(i.pid), 'the instance outlived the server');

    const again = run(['--home', home, '--port', '0']);
    const url2 = await again.url;
    const adopted = (await api(url2, 'GET', `/api/instances/${i.id}`)).body;
    assert.equal(adopted.pid, i.pid, 'the same program');
    assert.ok(['starting', 'idle', 'active'].includes(adopted.status), adopted.status);
    await api(url2, 'PUT', `/api/agents/${a.id}`, { settings: { autoStart: true, maxConcurrentInstances: 2 } });

    // areyouj stop: the server goes, the agent stays.
    const stop = run(['stop', '--home', home]);
    assert.equal(await stop.exited, 0, stop.err());
    assert.match(stop.out(), /stopped the server \(pid \d+\)/);
    assert.equal(await again.exited, 0);
    assert.ok(alive(i.pid));

    // The next start adopts it again, and the autoStart agent gets a new instance.
    const third = run(['--home', home, '--port', '0']);
    const url3 = await third.url;
    const list = (await api(url3, 'GET', `/api/agents/${a.id}/instances`)).body;
    const auto = list.find((x: any) => x.id !== i.id);
    assert.ok(auto, 'the autoStart agent got a new instance');
    assert.equal(list.find((x: any) => x.id === i.id).pid, i.pid);

    // areyouj stop --all: the server, every agent and the pty host.
    const all = run(['stop', '--all', '--home', home]);
    assert.equal(await all.exited, 0, all.err());
    assert.match(all.out(), /stopped 2 agents and the pty host \(pid \d+\)/);
    assert.equal(await third.exited, 0);
    assert.ok(!alive(i.pid) && !alive(auto.pid));
    // The exits were kept by the pty host until a server reads them: the next server sees the instances terminated.
    const fourth = run(['--home', home, '--port', '0']);
    const url4 = await fourth.url;
    await api(url4, 'PUT', `/api/agents/${a.id}`, { settings: { autoStart: false } });
    const ended = (await api(url4, 'GET', `/api/instances/${i.id}`)).body;
    assert.deepEqual([ended.status, ended.statusReason], ['terminated', 'stopped_all']);
    const done = run(['stop', '--all', '--home', home]);
    assert.equal(await done.exited, 0, done.err());
    await fourth.exited;
  });
});
