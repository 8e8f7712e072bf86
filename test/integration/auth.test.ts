// Nobody but the user reaches an agent: every client authenticates (a Bearer token, or a session cookie got once from
// the login URL), sessions survive restarts and end on `areyouj token --rotate`, the files are owner-only, and another
// local user gets nothing (run under another uid when the tests run as root).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { WebSocket } from 'ws';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';
import { createAgent, startInstance, TermClient } from '../helpers/instances.js';
import { routesOf } from '../helpers/routes.js';
import { SseClient } from '../helpers/sse.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/areyouj.js');

/** A raw request (any headers), with the body as text. */
function raw(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A WebSocket upgrade's answer: 101 (opened, then closed by us) or the refusal's status. */
function upgrade(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace('http', 'ws'), { headers });
    ws.on('open', () => { ws.terminate(); resolve(101); });
    ws.on('unexpected-response', (_req, res) => { resolve(res.statusCode!); res.resume(); });
    ws.on('error', reject);
  });
}

/** Runs `areyouj <args>` (the built CLI) and resolves with its exit code and output. */
function cli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AREYOUJ_TOKEN: '' } });
    let out = '', err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    c.on('exit', (code) => resolve({ code, out, err }));
  });
}

const cookieOf = (setCookie: string | string[] | undefined) => String(Array.isArray(setCookie) ? setCookie[0] : setCookie).split(';')[0];

async function login(s: { url: string; token(): string }): Promise<{ cookie: string; setCookie: string; location?: string; status: number }> {
  const r = await raw(`${s.url}/?token=${encodeURIComponent(s.token())}`);
  const setCookie = String(r.headers['set-cookie']);
  return { cookie: cookieOf(r.headers['set-cookie']), setCookie, location: r.headers.location, status: r.status };
}

describe('authentication', () => {
  let s: TestServer;
  let agent: { id: string; name: string };
  let instanceId: string;
  let messageId: number;
  before(async () => {
    s = await startTestServer();
    const project = tempDir();
    fs.mkdirSync(path.join(project, 'docs'));
    agent = await createAgent(s, { name: 'private-agent-name', projectPath: project, command: 'cat' });
    const inst = await startInstance(s, agent.id, { prompt: 'a queued secret' });
    instanceId = inst.id;
    messageId = (await s.api('GET', `/api/instances/${inst.id}/messages`)).body[0].id;
    await s.api('POST', `/api/tasks?project=${encodeURIComponent(project)}`, { title: 'a private task' });
  });
  after(async () => { await s.close(); });

  test('a client without the token is refused everywhere: every REST route, the event stream, the terminal channel; the app shell is a login page with no data', async () => {
    const all = routesOf(s.app);
    const routes = all.filter((r) => r.path.startsWith('/api/')); // every one (agents' hooks go to the pty host's socket, not to this port)
    const files = all.filter((r) => !r.path.startsWith('/api/')).map((r) => r.path);
    assert.ok(files.some((f) => f.startsWith('/assets/')), 'the built app\'s files are routes too');
    assert.ok(routes.length >= 25, `${routes.length} routes`);
    const token = s.token();
    const port = s.config.port;
    // What a client without the token can try: nothing, a wrong token, the token where it is not accepted (the query of
    // an API route), the old cookie scheme, a session cookie holding the token itself, a cookie for another port.
    const attempts: { what: string; headers: Record<string, string>; query?: string }[] = [
      { what: 'nothing', headers: {} },
      { what: 'a wrong Bearer', headers: { authorization: `Bearer ${token.slice(0, -2)}xx` } },
      { what: 'a malformed Authorization', headers: { authorization: token } },
      { what: '?token= on an API route', headers: {}, query: `token=${token}` },
      { what: 'the token as a cookie', headers: { cookie: `areyouj_token=${token}; areyouj_session_${port}=${token}` } },
      { what: 'a cookie for another port', headers: { cookie: `areyouj_session_${port + 1}=${(await login(s)).cookie.split('=')[1]}` } },
    ];
    let n = 0;
    for (const r of routes) {
      const url = r.path.replace(':id', r.path.startsWith('/api/agents') ? agent.id : r.path.startsWith('/api/tasks') ? '1' : instanceId)
        .replace(':messageId', String(messageId));
      for (const a of attempts) {
        const body = ['POST', 'PUT'].includes(r.method) ? JSON.stringify({ name: 'x', command: 'touch /tmp/pwned', content: 'rm -rf ~', title: 't', choice: 'y', text: 'x' }) : undefined;
        const res = await raw(`${s.url}${url}${a.query ? `?${a.query}` : ''}`, {
          method: r.method, body, headers: { ...a.headers, ...(body ? { 'content-type': 'application/json' } : {}) },
        });
        assert.equal(res.status, 401, `${r.method} ${url} with ${a.what} → ${res.status} ${res.body.slice(0, 200)}`);
        assert.match(JSON.parse(res.body).error.code, /^(unauthorized|session_expired)$/);
        assert.ok(!res.body.includes('private'), 'no data in the refusal');
        n++;
      }
    }
    // The event stream and the terminal channel.
    for (const a of attempts) {
      const sse = await raw(`${s.url}/api/events${a.query ? `?${a.query}` : ''}`, { headers: a.headers });
      assert.equal(sse.status, 401, `SSE with ${a.what}`);
      assert.equal(await upgrade(`${s.url}/api/instances/${instanceId}/terminal${a.query ? `?${a.query}` : ''}`, a.headers), 401, `terminal with ${a.what}`);
    }
    // The app shell: a login page, without data or scripts.
    for (const p of [...files, '/assets/index.js', '/#/i/x', '/api', '/anything']) {
      const page = await raw(s.url + p);
      assert.equal(page.status, 401, p);
      if (!p.startsWith('/api')) {
        assert.match(String(page.headers['content-type']), /text\/html/);
        assert.match(page.body, /data-testid="login"/);
        assert.match(page.body, /areyouj token/);
        assert.ok(!/private|<script/i.test(page.body), `${p}: no data, no script`);
      }
    }
    // Nothing happened: the agent is as it was, its queued message too, no new instance or agent.
    const agents = (await s.api('GET', '/api/agents')).body;
    assert.deepEqual(agents.map((x: any) => x.name), ['private-agent-name']);
    assert.equal(agents[0].command, 'cat');
    assert.equal((await s.api('GET', `/api/agents/${agent.id}/instances`)).body.length, 1);
    assert.equal((await s.api('GET', `/api/instances/${instanceId}/messages`)).body[0].content, 'a queued secret');
    assert.ok(!fs.existsSync('/tmp/pwned'));
    console.log(`[auth] ${n} unauthenticated REST requests over ${routes.length} routes, all 401`);
  });

  test('the login URL exchanges the token once for a random session cookie (port in its name, HttpOnly, SameSite=Strict, an expiry) that opens the API, the event stream and the terminal', async () => {
    const l = await login(s);
    assert.equal(l.status, 303);
    assert.equal(l.location, '/', 'the token leaves the address bar');
    const [name, value] = l.cookie.split('=');
    assert.equal(name, `areyouj_session_${s.config.port}`);
    assert.ok(value.length >= 40 && !l.setCookie.includes(s.token()), 'a random id, never the token');
    assert.match(l.setCookie, /; HttpOnly/);
    assert.match(l.setCookie, /; SameSite=Strict/);
    assert.match(l.setCookie, /; Path=\//);
    assert.match(l.setCookie, /; Max-Age=2592000/);
    const sessions = fs.readFileSync(path.join(s.home, 'docs', 'run', 'auth.db')).toString('latin1');
    assert.ok(!sessions.includes(value), 'the server keeps a hash of the id, not the id');
    const other = await login(s);
    assert.notEqual(other.cookie, l.cookie, 'each login gets its own session');

    const cookie = { cookie: l.cookie };
    assert.equal((await raw(`${s.url}/api/agents`, { headers: cookie })).status, 200);
    assert.equal((await raw(`${s.url}/`, { headers: cookie })).status !== 401, true, 'the app shell');
    const sse = new SseClient(`${s.url}/api/events`, cookie);
    await sse.ready;
    sse.close();
    assert.equal(await upgrade(`${s.url}/api/instances/${instanceId}/terminal`, cookie), 101);
    // A wrong token on the login URL: the login page again, no cookie.
    const wrong = await raw(`${s.url}/?token=nope-nope-nope`);
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers['set-cookie'], undefined);
    assert.match(wrong.body, /wrong/);
    // Logout ends this session only.
    const out = await raw(`${s.url}/api/auth/logout`, { method: 'POST', headers: { ...cookie, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(out.status, 200);
    assert.match(String(out.headers['set-cookie']), /Max-Age=0/);
    const gone = await raw(`${s.url}/api/agents`, { headers: cookie });
    assert.equal(gone.status, 401);
    assert.equal(JSON.parse(gone.body).error.code, 'session_expired');
    assert.equal((await raw(`${s.url}/api/agents`, { headers: { cookie: other.cookie } })).status, 200);
  });

  test('areyouj token shows the token and the login URL; --rotate makes a new one, ends every session and closes the streams and terminals they had open', async () => {
    const shown = await cli(['token', '--home', s.home]);
    assert.equal(shown.code, 0, shown.err);
    assert.match(shown.out, new RegExp(`token: ${s.token()}\\n`));
    assert.ok(shown.out.includes(`open:  ${s.url}/?token=${s.token()}`), shown.out);

    const old = s.token();
    const l = await login(s);
    const sse = new SseClient(`${s.url}/api/events`, { cookie: l.cookie });
    await sse.ready;
    const term = new TermClient({ url: s.url, headers: () => ({ authorization: `Bearer ${old}` }) }, instanceId);
    await term.opened;

    const rotated = await cli(['token', '--home', s.home, '--rotate']);
    assert.equal(rotated.code, 0, rotated.err);
    assert.match(rotated.out, /browser sessions? ended/);
    const fresh = /token: (\S+)/.exec(rotated.out)![1];
    assert.notEqual(fresh, old);
    assert.equal(s.token(), fresh, 'the running server took the new token');
    assert.equal(fs.readFileSync(path.join(s.home, 'docs', 'run', 'token'), 'utf8').trim(), fresh);

    assert.equal((await raw(`${s.url}/api/agents`, { headers: { cookie: l.cookie } })).status, 401, 'the session ended');
    assert.equal((await raw(`${s.url}/api/agents`, { headers: { authorization: `Bearer ${old}` } })).status, 401, 'the old token is refused');
    assert.equal((await raw(`${s.url}/api/agents`, { headers: { authorization: `Bearer ${fresh}` } })).status, 200);
    await sse.ended; // what they had open is closed (within the server's sweep, about a second)
    await term.until(() => term.closed !== null, 'the terminal closed');
    sse.close();
  });

  test('sessions survive a server restart', async () => {
    const home = tempDir();
    const first = await startTestServer({ home });
    const port = first.config.port;
    const l = await login(first);
    await first.close();
    const second = await startTestServer({ home, port });
    try {
      assert.equal((await raw(`${second.url}/api/agents`, { headers: { cookie: l.cookie } })).status, 200);
    } finally { await second.close(); }
  });
});

describe('owner-only files', () => {
  test('docs/run and docs/logs (0700) and all in them, agents.db with its -wal/-shm, the token and auth.db (0600); an older home is fixed at start; the umask agents inherit is unchanged', async () => {
    const home = tempDir();
    // A home as an earlier version left it: world-readable database, logs and run files.
    fs.mkdirSync(path.join(home, 'docs', 'logs'), { recursive: true, mode: 0o755 });
    fs.mkdirSync(path.join(home, 'docs', 'run', 'claude', 'old'), { recursive: true, mode: 0o755 });
    fs.writeFileSync(path.join(home, 'docs', 'logs', 'old.log'), 'printed by an agent', { mode: 0o644 });
    fs.writeFileSync(path.join(home, 'docs', 'run', 'claude', 'old', 'hook-headers'), 'x-areyouj-hook-secret: s', { mode: 0o644 });
    fs.writeFileSync(path.join(home, 'docs', 'run', 'claude', 'hook.mjs'), '// hook', { mode: 0o755 });
    for (const p of ['docs/logs', 'docs/run', 'docs/run/claude', 'docs/run/claude/old']) fs.chmodSync(path.join(home, p), 0o755);
    const umask = process.umask();
    const s = await startTestServer({ home });
    try {
      const project = tempDir();
      const a = await createAgent(s, { name: 'writer', projectPath: project, command: 'bash', args: ['-c', 'echo hi > made-by-agent.txt; echo done; sleep 1000'] });
      const sse = new SseClient(`${s.url}/api/events`, s.headers());
      await sse.ready;
      const inst = await startInstance(s, a.id);
      await sse.waitFor((e) => e.event === 'instance.updated' && e.data.instance.id === inst.id, 60_000, 'started'); // the first start also starts the pty host (seconds on a loaded machine)
      const made = path.join(project, 'made-by-agent.txt');
      for (let i = 0; i < 200 && !fs.existsSync(made); i++) await new Promise((r) => setTimeout(r, 25)); // another process's file
      sse.close();
      const mode = (p: string) => fs.statSync(path.join(home, p)).mode & 0o777;
      const want: Record<string, number> = {
        'docs/run': 0o700, 'docs/logs': 0o700, 'docs/run/claude': 0o700, 'docs/run/claude/old': 0o700,
        'docs/agents.db': 0o600, 'docs/agents.db-wal': 0o600, 'docs/agents.db-shm': 0o600,
        'docs/run/token': 0o600, 'docs/run/auth.db': 0o600, 'docs/run/server.json': 0o600,
        'docs/logs/old.log': 0o600, [`docs/logs/${inst.id}.log`]: 0o600,
        'docs/run/claude/old/hook-headers': 0o600, 'docs/run/claude/hook.mjs': 0o700,
      };
      const got = Object.fromEntries(Object.keys(want).map((p) => [p, mode(p)]));
      assert.deepEqual(Object.fromEntries(Object.entries(got).map(([k, v]) => [k, v.toString(8)])),
        Object.fromEntries(Object.entries(want).map(([k, v]) => [k, v.toString(8)])));
      assert.equal(process.umask(), umask, 'the server never changes its umask');
      assert.equal(fs.statSync(made).mode & 0o777, 0o666 & ~umask, 'the agent created its file with the user\'s umask');
    } finally { await s.close(); }
  });
});

/** What another local user can do, as a script run by node under that uid (root only) or by this process otherwise. */
const PROBE = String.raw`
const fs = require('node:fs'); const http = require('node:http'); const net = require('node:net');
const [url, home, agentId] = process.argv.slice(1);
const out = { files: {}, requests: {} };
for (const f of ['docs/agents.db', 'docs/agents.db-wal', 'docs/run/token', 'docs/run/auth.db', 'docs/run/server.json', 'docs/logs']) {
  try { const p = home + '/' + f; out.files[f] = fs.statSync(p).isDirectory() ? 'listed ' + fs.readdirSync(p).length : 'read ' + fs.readFileSync(p).length; }
  catch (e) { out.files[f] = e.code; }
}
const req = (method, p, body) => new Promise((resolve) => {
  const r = http.request(url + p, { method, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
    let b = ''; res.on('data', (d) => (b += d)); res.on('end', () => resolve(res.statusCode + ' ' + b.slice(0, 4000)));
  });
  r.on('error', (e) => resolve('error ' + e.code)); r.end(body);
});
const upgrade = (p) => new Promise((resolve) => {
  const u = new URL(url); const s = net.connect(Number(u.port), u.hostname);
  s.on('connect', () => s.write('GET ' + p + ' HTTP/1.1\r\nHost: ' + u.host + '\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n'));
  let b = ''; s.on('data', (d) => { b += d; }); s.on('close', () => resolve(b.split('\r\n')[0].replace(/^HTTP\/1\.1 /, ''))); s.on('error', (e) => resolve('error ' + e.code));
  setTimeout(() => { s.destroy(); }, 5000);
});
(async () => {
  out.requests.agents = await req('GET', '/api/agents');
  out.requests.create = await req('POST', '/api/agents', JSON.stringify({ name: 'intruder', projectPath: '/tmp', command: 'bash', kind: 'generic' }));
  out.requests.start = await req('POST', '/api/agents/' + agentId + '/instances', '{}');
  out.requests.events = await req('GET', '/api/events');
  out.requests.page = await req('GET', '/');
  out.requests.terminal = await upgrade('/api/instances/x/terminal');
  process.stdout.write(JSON.stringify(out));
})();
`;

describe('a second local user', () => {
  test('another user on this machine is refused by the server (REST, SSE, WebSocket, the page) and cannot read agents.db, the logs, the token or the sessions', async () => {
    const home = tempDir();
    const s = await startTestServer({ home });
    try {
      // The home as a project folder usually is: readable and searchable by everyone (the user's umask).
      fs.chmodSync(home, 0o755);
      fs.chmodSync(path.join(home, 'docs'), 0o755);
      const a = await createAgent(s, { name: 'mine', projectPath: home, command: 'cat' });
      const asRoot = process.getuid?.() === 0;
      const child = spawn(process.execPath, ['-e', PROBE, s.url, home, a.id], {
        cwd: '/', stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent' },
        ...(asRoot ? { uid: 65534, gid: 65534 } : {}), // nobody
      });
      let out = '', err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      await new Promise((r) => child.on('exit', r));
      const got = JSON.parse(out || `{"error":${JSON.stringify(err)}}`);
      const brief = Object.fromEntries(Object.entries(got.requests ?? {}).map(([k, v]) => [k, String(v).split(' ')[0]]));
      console.log(`[second user] as ${asRoot ? 'uid 65534 (nobody)' : 'this user without the token'}: files ${JSON.stringify(got.files)}, requests ${JSON.stringify(brief)}`);
      for (const [what, r] of Object.entries(got.requests) as [string, string][]) {
        assert.match(r, /^401 /, `${what}: ${r}`);
        assert.ok(!r.includes('mine'), `${what} shows no data`);
      }
      assert.match(got.requests.page, /data-testid="login"/);
      if (asRoot) for (const [f, r] of Object.entries(got.files)) assert.equal(r, 'EACCES', `${f}: ${r}`);
      assert.deepEqual((await s.api('GET', '/api/agents')).body.map((x: any) => x.name), ['mine'], 'no intruder agent');
      assert.equal((await s.api('GET', `/api/agents/${a.id}/instances`)).body.length, 0, 'nothing started');
    } finally { await s.close(); }
  });
});
