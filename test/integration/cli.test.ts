// The `areyouj` command as a user runs it: a real child process, signals, a crash and a restart on the same home.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '../helpers/server.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/areyouj.js');

function run(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, AREYOUJ_TOKEN: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
  /** The login URL it prints; its token authenticates the test's requests. */
  const login = waitOut(/Open the dashboard: (http:\/\/\S+)/).then((m) => m[1]);
  login.catch(() => {});
  return { child, url, login, exited, waitOut, out: () => out, err: () => err };
}

/** The token in a login URL. */
const tokenOf = (login: string) => new URL(login).searchParams.get('token')!;
const tokens = new Map<string, string>(); // server URL → its token

async function started(r: ReturnType<typeof run>): Promise<string> {
  const [url, login] = await Promise.all([r.url, r.login]);
  tokens.set(url, tokenOf(login));
  return url;
}

const api = async (url: string, method: string, p: string, body?: unknown) => {
  const r = await fetch(url + p, {
    method, body: body ? JSON.stringify(body) : undefined,
    headers: { authorization: `Bearer ${tokens.get(url)}`, ...(body ? { 'content-type': 'application/json' } : {}) },
  });
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

  test('the default home is the working directory; the start-up line prints the login URL, whose token is the home\'s, kept across restarts', async () => {
    const home = tempDir();
    const child = spawn(process.execPath, [BIN, '--port', '0'], { cwd: home, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AREYOUJ_TOKEN: '' } });
    let out = '';
    const login = await new Promise<string>((r) => child.stdout!.on('data', (d) => { out += d; const m = /Open the dashboard: (\S+)/.exec(out); if (m) r(m[1]); }));
    assert.match(out, /listening on http:\/\/127\.0\.0\.1:\d+\n/);
    assert.match(login, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{43}$/);
    assert.ok(fs.existsSync(path.join(home, 'docs', 'agents.db')));
    const tokenFile = path.join(home, 'docs', 'run', 'token');
    assert.equal(fs.readFileSync(tokenFile, 'utf8').trim(), tokenOf(login));
    assert.equal(fs.statSync(tokenFile).mode & 0o777, 0o600);
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));

    // A non-loopback host: the same home token (no other way in).
    const open = run(['--home', home, '--port', '0', '--host', '0.0.0.0']);
    const u = await started(open);
    assert.equal(tokens.get(u), tokenOf(login), 'the token is the same after a restart');
    assert.equal((await fetch(`${u}/api/agents`)).status, 401);
    assert.equal((await api(u, 'GET', '/api/agents')).status, 200);
    open.child.kill('SIGTERM');
    assert.equal(await open.exited, 0);

    // --token / $AREYOUJ_TOKEN override it for one run.
    const over = run(['--home', home, '--port', '0'], { AREYOUJ_TOKEN: 'my-own-token-42' });
    const o = await started(over);
    assert.equal(tokens.get(o), 'my-own-token-42');
    assert.equal((await fetch(`${o}/api/agents`, { headers: { authorization: `Bearer ${tokenOf(login)}` } })).status, 401);
    over.child.kill('SIGTERM');
    assert.equal(await over.exited, 0);
    const bad = run(['--home', home, '--port', '0', '--token', 'short']);
    assert.equal(await bad.exited, 2);
    assert.match(bad.err(), /the token must be 8 to 512 printable characters/);
  });

  test('Ctrl-C stops the server only: agents keep running and the next server re-adopts them; one server per home; areyouj stop [--all]', async () => {
    const home = tempDir();
    const project = tempDir();
    const first = run(['--home', home, '--port', '0']);
    const url = await started(first);
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
    const url2 = await started(again);
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
    const url3 = await started(third);
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
    const url4 = await started(fourth);
    await api(url4, 'PUT', `/api/agents/${a.id}`, { settings: { autoStart: false } });
    const ended = (await api(url4, 'GET', `/api/instances/${i.id}`)).body;
    assert.deepEqual([ended.status, ended.statusReason], ['terminated', 'stopped_all']);
    const done = run(['stop', '--all', '--home', home]);
    assert.equal(await done.exited, 0, done.err());
    await fourth.exited;
  });
});
