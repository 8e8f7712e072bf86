// The `areyouj` command as a user runs it: a real child process, signals, a crash and a restart on the same home.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { tempDir } from '../helpers/server.js';
import { SseClient } from '../helpers/sse.js';

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

  test('SIGTERM stops every instance gracefully; after a crash, live instances are marked server_restarted and autoStart agents start', async () => {
    const home = tempDir();
    const project = tempDir();
    const first = run(['--home', home, '--port', '0']);
    const url = await started(first);
    const sse = new SseClient(`${url}/api/events`, { authorization: `Bearer ${tokens.get(url)}` });
    await sse.ready;
    const a = (await api(url, 'POST', '/api/agents', { name: 'sh', projectPath: project, command: 'bash', args: ['-c', 'echo up; sleep 1000'] })).body;
    const i = (await api(url, 'POST', `/api/agents/${a.id}/instances`, {})).body;
    assert.ok(alive(i.pid));
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0);
    sse.close();
    assert.ok(!alive(i.pid), 'the instance was stopped with the server');
    const db = new Database(path.join(home, 'docs', 'agents.db'), { readonly: true });
    const row = db.prepare('SELECT status, status_reason FROM agent_instances WHERE id = ?').get(i.id) as any;
    db.close();
    assert.deepEqual(row, { status: 'terminated', status_reason: 'server_stopped' });

    // Now a crash: SIGKILL leaves a live row behind.
    const second = run(['--home', home, '--port', '0']);
    const url2 = await started(second);
    await api(url2, 'PUT', `/api/agents/${a.id}`, { settings: { autoStart: true } });
    const j = (await api(url2, 'POST', `/api/agents/${a.id}/instances`, {})).body;
    second.child.kill('SIGKILL');
    await second.exited;
    try { process.kill(-j.pid, 'SIGKILL'); } catch { /* already gone with its terminal */ }

    const third = run(['--home', home, '--port', '0']);
    const url3 = await started(third);
    const crashed = (await api(url3, 'GET', `/api/instances/${j.id}`)).body;
    assert.equal(crashed.status, 'error');
    assert.equal(crashed.statusReason, 'server_restarted');
    const list = (await api(url3, 'GET', `/api/agents/${a.id}/instances`)).body;
    const auto = list.find((x: any) => x.id !== i.id && x.id !== j.id);
    assert.ok(auto, 'the autoStart agent got a new instance');
    assert.ok(['starting', 'idle', 'active'].includes(auto.status));
    third.child.kill('SIGINT');
    assert.equal(await third.exited, 0);
    assert.ok(!alive(auto.pid));
  });
});
