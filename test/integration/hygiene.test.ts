// Input hygiene: a repeated or malformed query parameter is a 400 (it was a 500), so is a repeated Host or
// Authorization header; a refused WebSocket upgrade is closed at once; the hook endpoint (the pty host's hooks socket)
// answers an unknown instance as it answers a wrong secret; and no secret (the token, a session id, a hook secret) ever reaches a log line.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { startChildServer, tempDir, type ChildServer } from '../../bench/lib/server.js';
import { hostPaths } from '../../src/ptyhost/paths.js';
import { redactUrl } from '../../src/server/http/app.js';
import { HOOK_SECRET_HEADER } from '../../src/server/integrations/claude/launch.js';

/** Sends `head` (a request line and headers, CRLF-separated) on a raw socket; resolves with the answer and when the socket closed. */
function rawRequest(port: number, head: string, body = ''): Promise<{ status: number; text: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let text = '';
    let t0 = 0;
    sock.on('connect', () => { t0 = performance.now(); sock.write(`${head}\r\n\r\n${body}`); });
    sock.on('data', (d) => { text += d; });
    sock.on('close', () => resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0), text, closedAfterMs: performance.now() - t0 }));
    sock.on('error', reject);
    sock.setTimeout(30_000, () => sock.destroy());
  });
}

function get(url: string, headers: Record<string, string> = {}, method = 'GET', body?: string) {
  return new Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      let b = '';
      res.on('data', (d) => (b += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: b, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('input hygiene', { timeout: 120_000 }, () => {
  let s: ChildServer;
  let port: number;
  let instanceId: string;
  let hookSecret: string;
  before(async () => {
    s = await startChildServer({ keepStderr: true });
    port = Number(new URL(s.url).port);
    const config = tempDir('ayj-claude-cfg-');
    const bin = path.join(tempDir('ayj-bin-'), 'claude');
    fs.writeFileSync(bin, '#!/bin/sh\nexec sleep 1000\n', { mode: 0o755 });
    const agent = await s.api('POST', '/api/agents', { name: 'c', projectPath: tempDir(), kind: 'claude', command: bin, env: { CLAUDE_CONFIG_DIR: config } });
    instanceId = (await s.api('POST', `/api/agents/${agent.body.id}/instances`, {})).body.id;
    hookSecret = /: (\S+)/.exec(fs.readFileSync(path.join(s.home, 'docs', 'run', 'claude', instanceId, 'hook-headers'), 'utf8'))![1];
  });
  after(async () => { await s?.close(); });

  test('a repeated or malformed query parameter is 400 on every route that reads one', async () => {
    const p = encodeURIComponent(s.home);
    const cases = [
      `/api/tasks?project=${p}&project=${p}`, `/api/tasks?project=a&project=b`, `/api/tasks/1?project=${p}&project=/`,
      `/api/instances?status=idle&status=active`, `/api/instances?agentId=a&agentId=b`, `/api/fs/dirs?path=/&path=/tmp`,
      `/api/fs/dirs?hidden=1&hidden=0`, `/api/events?lastEventId=1&lastEventId=2`,
      `/api/instances/${instanceId}/output?offset=0&offset=1`, `/api/instances/${instanceId}/messages?after=0&after=1&limit=1`,
      `/api/tasks?project=%E0%A4%A`, `/api/fs/dirs?path=%zz`, `/api/instances?status=%`,
      `/api/agents?${Array.from({ length: 40 }, (_, i) => `p${i}=1`).join('&')}`,
    ];
    for (const url of cases) {
      const r = await get(s.url + url, s.headers());
      assert.equal(r.status, 400, `${url} → ${r.status} ${r.body.slice(0, 200)}`);
      assert.equal(JSON.parse(r.body).error.code, 'invalid_query', url);
    }
    // …and the same parameters given once still work.
    assert.equal((await get(`${s.url}/api/tasks?project=${p}`, s.headers())).status, 200);
    assert.equal((await get(`${s.url}/api/instances?status=idle,starting&agentId=x`, s.headers())).status, 200);
  });

  test('a repeated Host or Authorization header is 400', async () => {
    const auth = s.headers().authorization;
    const twoHosts = await rawRequest(port, `GET /api/agents HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nHost: evil.example\r\nAuthorization: ${auth}\r\nConnection: close`);
    assert.equal(twoHosts.status, 400, twoHosts.text.slice(0, 300));
    const twoAuths = await rawRequest(port, `GET /api/agents HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: ${auth}\r\nAuthorization: Bearer other\r\nConnection: close`);
    assert.equal(twoAuths.status, 400, twoAuths.text.slice(0, 300));
    const one = await rawRequest(port, `GET /api/agents HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: ${auth}\r\nConnection: close`);
    assert.equal(one.status, 200);
  });

  test('a refused WebSocket upgrade gets its answer and the connection closes at once', async () => {
    const upgrade = (extra: string) => rawRequest(port, `GET /api/instances/${instanceId}/terminal HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`
      + `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==${extra}`);
    for (const [what, extra, status] of [['no token', '', 401], ['a foreign origin', `\r\nOrigin: http://evil.example\r\nAuthorization: ${s.headers().authorization}`, 403]] as const) {
      const r = await upgrade(extra);
      assert.equal(r.status, status, what);
      console.log(`[hygiene] refused upgrade (${what}): ${r.status}, socket closed after ${r.closedAfterMs.toFixed(0)} ms`);
      assert.ok(r.closedAfterMs < 5000, `${what}: closed after ${r.closedAfterMs.toFixed(0)} ms`); // it stayed open 20 s
    }
  });

  test('the hook endpoint answers an unknown instance exactly as a wrong or missing secret; the server\'s port takes no hooks', async () => {
    const post = (id: string, secret?: string) => new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ socketPath: hostPaths(s.home).hooks, path: `/hooks/${id}`, method: 'POST', agent: false, headers: {
        host: 'localhost', 'content-type': 'application/json', ...(secret !== undefined ? { [HOOK_SECRET_HEADER]: secret } : {}),
      } }, (res) => { let b = ''; res.on('data', (d) => (b += d)); res.on('end', () => resolve({ status: res.statusCode!, body: b })); });
      req.on('error', reject);
      req.end('{"hook_event_name":"Stop"}');
    });
    const answers = [await post('no-such-instance', hookSecret), await post('no-such-instance'), await post(instanceId, 'x'.repeat(hookSecret.length)),
      await post(instanceId), await post(instanceId, s.token)];
    for (const a of answers) assert.deepEqual([a.status, a.body], [answers[0].status, answers[0].body]);
    assert.equal(answers[0].status, 401);
    assert.equal((await post(instanceId, hookSecret)).status, 204);
    const onPort = await get(`${s.url}/api/hooks/claude/${instanceId}`, { 'content-type': 'application/json', [HOOK_SECRET_HEADER]: hookSecret }, 'POST', '{"hook_event_name":"Stop"}');
    assert.equal(onPort.status, 401, 'the server\'s port wants the token, as for any route');
  });

  test('no secret reaches a log line: the token, a session id and a hook secret carried by failing requests', async () => {
    const login = await get(`${s.url}/?token=${s.token}`);
    const session = String(login.headers['set-cookie']).split(';')[0];
    const sid = session.split('=')[1];
    const carry = { authorization: `Bearer ${s.token}`, cookie: session, [HOOK_SECRET_HEADER]: hookSecret };
    const q = `token=${s.token}&session=${sid}&secret=${hookSecret}`;
    const before = s.stderr().length;
    const failing: [string, string, string | undefined][] = [
      ['GET', `/api/tasks?project=a&project=b&${q}`, undefined], // a 500 that logged its URL, before
      ['GET', `/api/instances?status=x&status=y&${q}`, undefined],
      ['GET', `/api/fs/dirs?path=relative&${q}`, undefined],
      ['POST', `/api/agents?${q}`, '{"name":'],
      ['POST', `/api/hooks/claude/${instanceId}?${q}`, '{"hook_event_name":{"bad":1}}'],
      ['POST', `/api/hooks/claude/${instanceId}?${q}`, `{"hook_event_name":"SessionStart","transcript_path":"/dev/zero","x":"${hookSecret}"}`],
      ['GET', `/api/nothing?${q}`, undefined],
      ['DELETE', `/api/instances/nope?${q}`, undefined],
    ];
    const statuses: string[] = [];
    for (const [method, url, body] of failing) {
      const r = await get(s.url + url, { ...carry, ...(body ? { 'content-type': 'application/json' } : {}) }, method, body);
      statuses.push(`${method} ${url.split('?')[0]} → ${r.status}`);
    }
    for (const h of [{ ...carry, authorization: `Bearer ${s.token}x` }, { cookie: `${session}x` }]) {
      assert.equal((await get(`${s.url}/api/agents?${q}`, h)).status, 401);
    }
    await s.api('GET', '/api/info'); // the hooks above are applied after their 204; this request comes after them
    const logged = s.stderr().slice(before);
    for (const [what, secret] of [['the token', s.token], ['the session id', sid], ['the hook secret', hookSecret]]) {
      assert.ok(!logged.includes(secret), `${what} is in the server's stderr:\n${logged.slice(0, 2000)}`);
    }
    console.log(`[hygiene] stderr during ${failing.length + 2} failing requests carrying secrets: ${logged.length} bytes, none of them secret`);
    assert.deepEqual(statuses.filter((x) => / 5\d\d$/.test(x)), [], 'failing, but not as server errors');
  });

  test('a logged URL keeps the path and the names of its query parameters, never their values', () => {
    assert.equal(redactUrl('/api/tasks?project=/x&token=abc'), '/api/tasks?project=…&token=…');
    assert.equal(redactUrl('/?token=abc'), '/?token=…');
    assert.equal(redactUrl('/api/info'), '/api/info');
  });
});
